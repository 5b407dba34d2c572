"""What the live routine message says in each state, as replies (rendered by ``bot.discord_ui.render``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from bot.core.replies import Field, Reply
from bot.core.routine.plan import RoutinePlan
from bot.core.streaks import Streaks

Unseen = Literal["deleted", "forbidden"]  # why a live message can no longer be seen or updated

BAR_WIDTH = 12
BAR_FULL = "\N{BLACK PARALLELOGRAM}"
BAR_EMPTY = "\N{WHITE PARALLELOGRAM}"

STARTING_BODY = (
    "Follow along in the message I'm posting here. Its buttons pause, add a round or stop it."
)
STARTING_PRIVATE_BODY = (
    "Follow along in the message below: only you can see it. Its buttons pause, add a round or "
    "stop it."
)
NOT_RUNNING = "This routine isn't running any more. Start a new one with `/routine start`."
STOPPED_BODY = "Start it again whenever you like with `/routine start`."
DATA_DELETED_BODY = (
    "You deleted your data, so this routine stopped here and nothing of it is kept. "
    "Start again whenever you like with `/routine start`."
)
MOVED_BODY = (
    "I can't post in this channel, and this message stops updating after 15 minutes, so your "
    "routine carries on in a direct message from me, with its buttons."
)
UNREACHABLE_BODY = (
    "I can't post in this channel, this message stops updating after 15 minutes, and I couldn't "
    "send you a direct message, so the routine stopped here. Start it again with `/routine start` "
    "in a channel where I can post, or in a direct message to me."
)
# The same, for a routine started from an answer only the person sees: its message is theirs
# alone, and Discord lets the bot edit such a message for 15 minutes only.
MOVED_PRIVATE_BODY = (
    "This message is only for you, and it stops updating after 15 minutes, so your routine "
    "carries on in a direct message from me, with its buttons."
)
UNREACHABLE_PRIVATE_BODY = (
    "This message is only for you, it stops updating after 15 minutes, and I couldn't send you a "
    "direct message, so the routine stopped here. Start it again with `/routine start`, or in a "
    "direct message to me."
)
# The same, in a channel where the bot may post but not show embeds (the Embed Links permission,
# often denied to everyone in a chat channel to stop link previews): saying it can't post there
# would send a moderator after the wrong permission.
MOVED_NO_EMBEDS_BODY = (
    "I can't show embeds in this channel (that needs the Embed Links permission), and this message "
    "stops updating after 15 minutes, so your routine carries on in a direct message from me, "
    "with its buttons."
)
UNREACHABLE_NO_EMBEDS_BODY = (
    "I can't show embeds in this channel (that needs the Embed Links permission), this message "
    "stops updating after 15 minutes, and I couldn't send you a direct message, so the routine "
    "stopped here. Start it again with `/routine start` in a channel where I can show embeds, or "
    "in a direct message to me."
)
UNSEEN_BODIES = {  # the private note when a live message is gone; {name} is the routine's
    "deleted": (
        "The message with your routine was deleted, so I stopped **{name}**. It doesn't count as "
        "done. Start again whenever you like with `/routine start`."
    ),
    "forbidden": (
        "I can no longer update the message with your routine here, so I stopped **{name}**. It "
        "doesn't count as done. Start it again with `/routine start` in a channel where I can post, "
        "or in a direct message to me."
    ),
}
CUT_SHORT_BODY = "The bot is restarting, so this routine stopped here. Start it again in a minute with `/routine start`."
DONE_BODY = "Nicely done. That's one more day your glutes did the work instead of your low back."


def progress_bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """A bar of ``width`` cells, e.g. ``▰▰▰▱▱▱ 50%``."""
    fraction = max(0.0, min(1.0, fraction))
    filled = round(fraction * width)
    return f"{BAR_FULL * filled}{BAR_EMPTY * (width - filled)} {round(fraction * 100)}%"


def duration_text(span: timedelta) -> str:
    """``"7 s"``, ``"1 min 5 s"``: a short span for a paused phase."""
    seconds = max(0, round(span.total_seconds()))
    minutes, seconds = divmod(seconds, 60)
    if not minutes:
        return f"{seconds} s"
    return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"


def done_fraction(plan: RoutinePlan, index: int) -> float:
    """How much of the routine is behind the person when phase ``index`` begins."""
    total = plan.total_seconds
    if total <= 0:
        return 1.0
    return sum(p.seconds for p in plan.phases[:index]) / total


def streak_text(streaks: Streaks) -> str:
    days = "day" if streaks.current == 1 else "days"
    line = f"{streaks.current} {days} in a row"
    if streaks.longest > streaks.current:
        line += f" (longest: {streaks.longest})"
    return f"{line}\n{streaks.week_squares()}"


def phase_fields(plan: RoutinePlan, index: int) -> list[Field]:
    phase = plan.phases[index]
    fields = []
    if phase.of > 1:
        fields.append(Field("Round", f"{phase.round} of {phase.of}", inline=True))
    fields.append(Field("Phase", f"{index + 1} of {len(plan.phases)}", inline=True))
    fields.append(Field("Progress", progress_bar(done_fraction(plan, index))))
    return fields


def running_reply(plan: RoutinePlan, index: int, ends_at_unix: int, owner_name: str) -> Reply:
    phase = plan.phases[index]
    body = f"## {phase.label}\n{phase.cue}\n\nEnds <t:{ends_at_unix}:R>"
    return phase_reply(plan, index, body, owner_name)


def paused_reply(plan: RoutinePlan, index: int, remaining: timedelta, owner_name: str) -> Reply:
    phase = plan.phases[index]
    body = (
        f"## Paused: {phase.label}\n{phase.cue}\n\n"
        f"{duration_text(remaining)} left in this phase. Press **Resume** when you're ready."
    )
    return phase_reply(plan, index, body, owner_name)


def phase_reply(plan: RoutinePlan, index: int, body: str, owner_name: str) -> Reply:
    """Phase ``index`` of a session with its buttons (``body`` says what it is doing)."""
    fields = tuple(phase_fields(plan, index))
    return Reply("info", plan.name, body, fields, footer=controls_footer(owner_name))


def finished_reply(
    plan: RoutinePlan, streaks: Streaks | None, zone_note: str | None = None
) -> Reply:
    """The end of a finished routine, with the streak; ``zone_note`` under it when its days are
    not counted in the person's own time zone."""
    fields: tuple[Field, ...] = ()
    footer = None
    if streaks is not None:
        text = streak_text(streaks) + (f"\n{zone_note}" if zone_note else "")
        fields = (Field("Your streak", text),)
        footer = "The last 7 days, today on the right."
    return Reply("answer", f"{plan.name}: done", DONE_BODY, fields, footer=footer)


def stopped_reply(plan: RoutinePlan, index: int) -> Reply:
    return Reply("info", f"{plan.name}: stopped", f"{stopped_at(plan, index)} {STOPPED_BODY}")


def data_deleted_reply(plan: RoutinePlan, index: int) -> Reply:
    return Reply("info", f"{plan.name}: stopped", f"{stopped_at(plan, index)} {DATA_DELETED_BODY}")


def moved_reply(plan: RoutinePlan, *, private: bool = False, no_embeds: bool = False) -> Reply:
    body = MOVED_PRIVATE_BODY if private else MOVED_NO_EMBEDS_BODY if no_embeds else MOVED_BODY
    return Reply("info", f"{plan.name}: continued in your DMs", body)


def unreachable_reply(
    plan: RoutinePlan, index: int, *, private: bool = False, no_embeds: bool = False
) -> Reply:
    if private:
        body = UNREACHABLE_PRIVATE_BODY
    else:
        body = UNREACHABLE_NO_EMBEDS_BODY if no_embeds else UNREACHABLE_BODY
    return Reply("info", f"{plan.name}: stopped", f"{stopped_at(plan, index)} {body}")


def unseen_reply(plan: RoutinePlan, why: Unseen) -> Reply:
    """The private note to a person whose routine stopped because its message is gone."""
    return Reply("info", "Routine stopped", UNSEEN_BODIES[why].format(name=plan.name))


def cut_short_reply(plan: RoutinePlan, index: int) -> Reply:
    return Reply("info", f"{plan.name}: cut short", f"{stopped_at(plan, index)} {CUT_SHORT_BODY}")


def stopped_at(plan: RoutinePlan, index: int) -> str:
    """``"Stopped at Squeeze, round 3 of 10."``: where a session ended early."""
    phase = plan.phases[min(index, len(plan.phases) - 1)]
    where = f"{phase.label}, {phase.round_text}" if phase.round_text else phase.label
    return f"Stopped at {where}."


def controls_footer(owner_name: str) -> str:
    return f"Only {owner_name} can use these buttons."


def owner_only_text(owner_id: int) -> str:
    return f"This is <@{owner_id}>'s routine. Start your own with `/routine start`."
