"""/routine: one live message per routine, edited once per phase, with buttons only its owner can use."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import timedelta

import discord
import pytest
import simcord

from bot.app import create_bot
from bot.core.streaks import DONE_SQUARE, MISSED_SQUARE
from bot.settings import Settings
from tests.support.e2e import World, buttons, embed_text, requests_to
from tests.support.virtual_time import VirtualSleep

pytestmark = pytest.mark.virtual_time  # the bot's timers move only with env.advance_time

FLARE_UP = "flare-up"  # a get-ready phase, then 3 rounds of squeeze 7 s / relax 3 s: 35 s in all
FLARE_UP_PHASES = 7


def live(world: World) -> discord.Message:
    """The newest message in the channel: the live routine message."""
    message = world.channel.last_message
    assert message is not None
    return message


def field(message: discord.Message, name: str) -> str:
    return next(f.value for f in message.embeds[0].fields if f.name == name)


def edits_of(env: simcord.Env, message: discord.Message) -> int:
    return len(requests_to(env, "PATCH", f"/channels/{message.channel.id}/messages/{message.id}"))


async def test_a_routine_runs_to_the_end_in_one_message_edited_once_per_phase(world: World) -> None:
    started_at = world.env.now()
    result = await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)

    assert result.ephemeral
    assert result.response.embeds[0].title == "Starting Flare-up booty flexes"
    message = live(world)
    assert message.embeds[0].title == "Flare-up booty flexes"
    assert "Get ready" in message.embeds[0].description
    first_end = int((started_at + timedelta(seconds=5)).timestamp())
    assert f"<t:{first_end}:R>" in message.embeds[0].description  # Discord counts down by itself
    assert buttons(message) == ["Pause", "+1 round", "Stop"]

    await world.env.advance_time(5)
    now = live(world)
    assert now.id == message.id
    assert "Squeeze" in now.embeds[0].description
    assert field(now, "Round") == "1 of 3"
    assert field(now, "Phase") == f"2 of {FLARE_UP_PHASES}"

    await world.env.advance_time(60)
    done = live(world)
    assert done.id == message.id
    assert done.embeds[0].title == "Flare-up booty flexes: done"
    days, week, note = field(done, "Your streak").split("\n")
    assert days == "1 day in a row"
    assert week == MISSED_SQUARE * 6 + DONE_SQUARE
    assert note.startswith("Days are counted in UTC")  # alice never said where she lives
    assert buttons(done) == []
    # One message: posted once, then one edit per later phase and one for the end.
    channel_posts = requests_to(world.env, "POST", f"/channels/{world.channel.id}/messages")
    assert len(channel_posts) == 1
    assert edits_of(world.env, message) == FLARE_UP_PHASES


async def test_the_streak_counts_days_in_a_row(world: World) -> None:
    services = world.bot.services
    sessions = services.routines.sessions
    await services.people.ensure(world.alice.id, world.env.now() - timedelta(days=3))
    for days_ago in (2, 1):  # routines finished on the two days before
        ended = world.env.now() - timedelta(days=days_ago) + timedelta(hours=12)
        record = await sessions.create(world.alice.id, FLARE_UP, ended - timedelta(seconds=35))
        await sessions.end(record.id, "finished", ended)

    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    await world.env.advance_time(60)

    days, week, _note = field(live(world), "Your streak").split("\n")
    assert days == "3 days in a row"
    assert week == MISSED_SQUARE * 4 + DONE_SQUARE * 3


async def test_without_a_routine_it_starts_the_persons_own_for_their_step(world: World) -> None:
    await world.alice.slash(world.channel, "routine start")
    assert live(world).embeds[0].title == "Your step 1 routine"
    await world.alice.slash(world.channel, "routine stop")

    await world.bob.slash(world.channel, "progress set", step=2)
    await world.bob.slash(world.channel, "routine start")
    assert live(world).embeds[0].title == "Your step 2 routine"
    assert "Kneel" in live(world).embeds[0].description


async def test_routine_names_autocomplete_and_an_unknown_one_lists_those_that_exist(
    world: World,
) -> None:
    choices = await world.alice.autocomplete(world.channel, "routine start", "routine", "flare")
    assert [c["value"] for c in choices] == [FLARE_UP]

    result = await world.alice.slash(world.channel, "routine start", routine="cartwheels")

    assert result.ephemeral
    assert result.response.embeds[0].title == "No such routine"
    assert "Booty flexes" in result.response.embeds[0].description
    assert not requests_to(world.env, "POST", f"/channels/{world.channel.id}/messages")


@pytest.mark.parametrize(
    ("typed", "started"),
    [
        ("glute stretch", "Kneeling glute stretch"),  # offered as you type, then sent as typed
        ("stretch", "Kneeling glute stretch"),
        ("flare up", "Flare-up booty flexes"),
        ("FLAREUP", "Flare-up booty flexes"),
    ],
)
async def test_a_routine_typed_in_part_starts_the_one_it_names(
    world: World, typed: str, started: str
) -> None:
    offered = await world.alice.autocomplete(world.channel, "routine start", "routine", typed)
    result = await world.alice.slash(world.channel, "routine start", routine=typed)

    assert len(offered) == 1
    assert result.response.embeds[0].title == f"Starting {started}"
    assert live(world).embeds[0].title == started


async def test_a_routine_typed_in_part_that_fits_several_lists_them(world: World) -> None:
    result = await world.alice.slash(world.channel, "routine start", routine="flexes")

    assert result.response.embeds[0].title == "No such routine"
    assert world.channel.last_message is None


async def test_an_unknown_routine_typed_with_markdown_is_shown_as_typed(world: World) -> None:
    result = await world.alice.slash(world.channel, "routine start", routine="```**squats")

    description = result.response.embeds[0].description
    assert "“\\`\\`\\`\\*\\*squats”" in description  # no code block opened, nothing in bold
    assert "Try **Booty flexes**" in description


async def test_pause_holds_the_phase_and_resume_carries_on(world: World) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    message = live(world)
    await world.env.advance_time(2)

    pressed = await world.alice.click(message, label="Pause")

    assert (
        not pressed.followups and pressed.response.id == message.id
    )  # no new message: the live one changes
    paused = live(world)
    assert paused.embeds[0].description.startswith("## Paused: Get ready")
    assert "3 s left in this phase" in paused.embeds[0].description
    assert buttons(paused) == ["Resume", "+1 round", "Stop"]

    await world.env.advance_time(16 * 60)  # longer than an interaction token lives (15 min)
    assert "Paused: Get ready" in live(world).embeds[0].description

    await world.alice.click(paused, label="Resume")
    resumed = live(world)
    assert resumed.id == message.id
    assert resumed.embeds[0].description.startswith("## Get ready")
    assert (
        f"<t:{int((world.env.now() + timedelta(seconds=3)).timestamp())}:R>"
        in resumed.embeds[0].description
    )
    await world.env.advance_time(3)
    assert "Squeeze" in live(world).embeds[0].description


async def test_plus_one_round_adds_a_round(world: World) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)

    await world.alice.click(live(world), label="+1 round")
    await world.env.advance_time(5)

    assert field(live(world), "Round") == "1 of 4"
    await world.env.advance_time(30)
    assert field(live(world), "Round") == "4 of 4"
    await world.env.advance_time(10)
    assert live(world).embeds[0].title == "Flare-up booty flexes: done"


async def test_stop_button_ends_it_and_removes_the_buttons(world: World) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    await world.env.advance_time(6)

    await world.alice.click(live(world), label="Stop")

    stopped = live(world)
    assert stopped.embeds[0].title == "Flare-up booty flexes: stopped"
    assert "Stopped at Squeeze, round 1 of 3" in stopped.embeds[0].description
    assert buttons(stopped) == []
    await world.env.advance_time(60)
    assert live(world).embeds[0].title == "Flare-up booty flexes: stopped"  # nothing more happens


async def test_someone_else_cannot_press_the_buttons(world: World) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    message = live(world)

    for label in ("Pause", "+1 round", "Stop"):
        pressed = await world.bob.click(message, label=label)
        assert pressed.ephemeral
        text = embed_text(pressed.response.embeds[0])
        assert world.alice.mention in text and "routine" in text

    assert "Get ready" in live(world).embeds[0].description and buttons(live(world)) == [
        "Pause",
        "+1 round",
        "Stop",
    ]
    await world.env.advance_time(60)
    assert live(world).embeds[0].title == "Flare-up booty flexes: done"


async def test_starting_a_second_offers_to_stop_the_first(world: World) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    first = live(world)

    again = await world.alice.slash(world.channel, "routine start", routine="booty-flex")

    assert again.ephemeral
    assert again.response.embeds[0].title == "A routine is already running"
    assert "Flare-up booty flexes" in again.response.embeds[0].description
    assert buttons(again.response) == ["Stop it and start this one", "Keep it"]
    assert live(world).id == first.id

    await world.alice.click(again.response, label="Stop it and start this one")

    old = world.channel.history()[-2]
    assert old.id == first.id and old.embeds[0].title == "Flare-up booty flexes: stopped"
    assert live(world).embeds[0].title == "Booty flexes"
    assert buttons(live(world)) == ["Pause", "+1 round", "Stop"]


async def test_keep_it_leaves_the_running_routine_alone(world: World) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    again = await world.alice.slash(world.channel, "routine start", routine="booty-flex")

    kept = await world.alice.click(again.response, label="Keep it")

    assert kept.response.embeds[0].title == "Still running"
    await world.env.advance_time(60)
    assert live(world).embeds[0].title == "Flare-up booty flexes: done"


async def test_routine_stop_stops_only_your_own(world: World) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)

    bobs = await world.bob.slash(world.channel, "routine stop")
    assert bobs.ephemeral and bobs.response.embeds[0].title == "Nothing to stop"
    assert "Get ready" in live(world).embeds[0].description

    alices = await world.alice.slash(world.channel, "routine stop")
    assert alices.ephemeral and alices.response.embeds[0].title == "Routine stopped"
    assert live(world).embeds[0].title == "Flare-up booty flexes: stopped"


async def test_start_this_routine_on_an_answer_starts_it_here(world: World) -> None:
    asked = await world.alice.slash(world.channel, "ask", question="how do I do the booty flex?")

    pressed = await world.alice.click(asked.response, label="Start this routine")

    assert pressed.ephemeral and pressed.response.embeds[0].title == "Starting Booty flexes"
    assert live(world).embeds[0].title == "Booty flexes"


async def test_a_routine_works_in_a_dm(world: World) -> None:
    dm = world.alice.user.dm_channel
    result = await world.alice.user.slash("routine start", routine=FLARE_UP)

    assert result.ephemeral
    assert dm.last_message.embeds[0].title == "Flare-up booty flexes"
    await world.env.advance_time(60)
    assert dm.last_message.embeds[0].title == "Flare-up booty flexes: done"


async def test_a_shut_down_says_the_routine_was_cut_short_and_records_it_interrupted(
    world: World, settings: Settings
) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    await world.env.advance_time(6)  # into the first squeeze
    message = live(world)

    await world.bot.close()  # SIGTERM: docker stop, systemctl stop, an upgrade

    cut = live(world)
    assert cut.id == message.id
    assert cut.embeds[0].title == "Flare-up booty flexes: cut short"
    assert "Stopped at Squeeze, round 1 of 3" in cut.embeds[0].description
    assert "/routine start" in cut.embeds[0].description
    assert buttons(cut) == []  # no button left that could no longer work
    with contextlib.closing(sqlite3.connect(settings.database)) as db:  # the bot has closed it
        assert db.execute("SELECT status FROM routine_sessions").fetchall() == [("interrupted",)]


async def test_buttons_of_a_routine_cut_short_by_a_crash_say_so(
    world: World, settings: Settings, sleep: VirtualSleep
) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    message = live(world)
    crashed = world.bot.require_services()
    again = create_bot(settings, sleep=sleep)
    await world.env.restart_bot(again)  # no close(): the process died with the routine running
    try:
        assert buttons(live(world)) == ["Pause", "+1 round", "Stop"]  # nobody could update it
        pressed = await world.alice.click(message, label="Pause")

        assert pressed.ephemeral and pressed.response.embeds[0].title == "Routine over"
        assert buttons(live(world)) == []
        started = await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
        assert started.response.embeds[0].title == "Starting Flare-up booty flexes"
    finally:
        await again.close()
        await crashed.close()


@pytest.mark.parametrize(
    "denied", [{"send_messages": False}, {"embed_links": False}], ids=["no posting", "no embeds"]
)
async def test_where_the_bot_may_not_post_or_show_embeds_the_routine_follows_the_command(
    world: World, denied: dict[str, bool]
) -> None:
    channel = world.guild.create_text_channel(
        "quiet", overwrites={world.guild.me: discord.PermissionOverwrite(**denied)}
    )

    result = await world.alice.slash(channel, "routine start", routine=FLARE_UP)

    [message] = result.followups
    assert not message.ephemeral and message.embeds[0].title == "Flare-up booty flexes"
    assert buttons(message) == ["Pause", "+1 round", "Stop"]
    assert not requests_to(world.env, "POST", f"/channels/{channel.id}/messages")
    await world.env.advance_time(40)
    assert channel.last_message.embeds[0].title == "Flare-up booty flexes: done"


async def test_buttons_of_a_crashed_routine_cannot_touch_a_new_one_after_the_data_is_deleted(
    world: World, settings: Settings, sleep: VirtualSleep
) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    old = live(world)
    crashed = world.bot.require_services()
    again = create_bot(settings, sleep=sleep)
    await world.env.restart_bot(again)  # no close(): the process died with the routine running
    try:
        asked = await world.alice.slash(world.channel, "mydata delete")
        await world.alice.click(asked.response, label="Delete everything")
        await world.alice.slash(world.channel, "routine start", routine="booty-flex")
        new = live(world)
        assert new.id != old.id and buttons(new) == ["Pause", "+1 round", "Stop"]

        pressed = await world.alice.click(old, label="Stop")

        assert pressed.ephemeral and pressed.response.embeds[0].title == "Routine over"
        now = next(m for m in world.channel.history() if m.id == new.id)
        assert now.embeds[0].title == new.embeds[0].title  # still running, not "stopped"
        assert buttons(now) == ["Pause", "+1 round", "Stop"]
    finally:
        await again.close()
        await crashed.close()


async def test_deleting_ones_data_mid_routine_stops_it_and_says_why(world: World) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    message = live(world)
    await world.env.advance_time(6)  # into the first squeeze

    asked = await world.alice.slash(world.channel, "mydata delete")
    done = await world.alice.click(asked.response, label="Delete everything")

    assert done.response.embeds[0].title == "Your data is deleted"
    assert "Your running routine stopped" in done.response.embeds[0].description
    stopped = live(world)
    assert stopped.id == message.id
    assert stopped.embeds[0].title == "Flare-up booty flexes: stopped"
    assert "You deleted your data" in stopped.embeds[0].description
    assert buttons(stopped) == []
    await world.env.advance_time(60)  # past the routine's planned end
    assert live(world).embeds[0].title == "Flare-up booty flexes: stopped"  # no "done", no streak
    shown = await world.alice.slash(world.channel, "mydata show")
    assert "keeps nothing about you" in shown.response.embeds[0].description


async def test_stop_it_and_start_this_one_works_after_a_restart(
    world: World, settings: Settings, sleep: VirtualSleep
) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    offer = await world.alice.slash(world.channel, "routine start", routine="Booty flexes")
    assert offer.response.embeds[0].title == "A routine is already running"
    assert buttons(offer.response) == ["Stop it and start this one", "Keep it"]
    await world.bot.close()
    again = create_bot(settings, sleep=sleep)
    await world.env.restart_bot(again)
    try:
        pressed = await world.alice.click(offer.response, label="Stop it and start this one")

        assert pressed.response.embeds[0].title == "Starting Booty flexes"
        assert live(world).embeds[0].title == "Booty flexes"
        assert buttons(live(world)) == ["Pause", "+1 round", "Stop"]
    finally:
        await again.close()


async def test_keep_it_after_a_restart_says_nothing_runs_any_more(
    world: World, settings: Settings, sleep: VirtualSleep
) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    offer = await world.alice.slash(world.channel, "routine start", routine="booty-flex")
    await world.bot.close()  # the running routine is cut short
    again = create_bot(settings, sleep=sleep)
    await world.env.restart_bot(again)
    try:
        pressed = await world.alice.click(offer.response, label="Keep it")

        assert pressed.response.embeds[0].title == "Nothing running"
        assert "/routine start" in pressed.response.embeds[0].description
        assert buttons(pressed.response) == []
    finally:
        await again.close()


def quiet_channel(world: World) -> simcord.ChannelHandle:
    """A channel where the bot may not post: the routine follows the command's reply instead."""
    return world.guild.create_text_channel(
        "quiet", overwrites={world.guild.me: discord.PermissionOverwrite(send_messages=False)}
    )


async def test_where_the_bot_may_not_post_a_routine_still_going_after_14_minutes_moves_to_a_dm(
    world: World, settings: Settings
) -> None:
    quiet = quiet_channel(world)
    result = await world.alice.slash(quiet, "routine start", routine=FLARE_UP)
    [message] = result.followups
    await world.env.advance_time(6)
    await world.alice.click(message, label="Pause")

    for _ in range(20):  # a long pause: past the 15 minutes the follow-up can be edited
        await world.env.advance_time(60)

    moved = quiet.last_message
    assert moved.id == message.id
    assert moved.embeds[0].title == "Flare-up booty flexes: continued in your DMs"
    assert buttons(moved) == []  # nothing left there that would answer "Routine over"
    dm = world.alice.user.dm_channel.last_message
    assert dm.embeds[0].title == "Flare-up booty flexes" and "Paused" in dm.embeds[0].description
    assert buttons(dm) == ["Resume", "+1 round", "Stop"]

    await world.alice.user.click(dm, label="Resume")
    await world.env.advance_time(60)

    done = world.alice.user.dm_channel.last_message
    assert done.id == dm.id and done.embeds[0].title == "Flare-up booty flexes: done"
    with contextlib.closing(sqlite3.connect(settings.database)) as db:
        assert db.execute("SELECT status FROM routine_sessions").fetchall() == [("finished",)]


async def test_where_the_bot_may_post_but_not_show_embeds_the_move_to_a_dm_names_embed_links(
    world: World,
) -> None:
    # Many servers deny Embed Links to everyone in a chat channel (against link previews).
    plain = world.guild.create_text_channel(
        "chat", overwrites={world.guild.me: discord.PermissionOverwrite(embed_links=False)}
    )
    result = await world.alice.slash(plain, "routine start", routine=FLARE_UP)
    [message] = result.followups
    await world.env.advance_time(6)
    await world.alice.click(message, label="Pause")

    for _ in range(20):  # past the 15 minutes the follow-up can be edited
        await world.env.advance_time(60)

    moved = plain.last_message
    assert moved.embeds[0].title == "Flare-up booty flexes: continued in your DMs"
    said = moved.embeds[0].description
    assert "Embed Links" in said  # what a moderator would have to allow
    assert "can't post in this channel" not in said  # it can: it answers questions there


async def test_where_the_bot_may_not_post_or_dm_a_routine_stops_while_it_can_still_say_so(
    world: World, settings: Settings
) -> None:
    quiet = quiet_channel(world)
    result = await world.alice.slash(quiet, "routine start", routine=FLARE_UP)
    [message] = result.followups
    await world.env.advance_time(6)
    await world.alice.click(message, label="Pause")
    world.env.inject_error(
        "POST", "/channels/*/messages", status=403, code=50007, message="Cannot send messages"
    )

    for _ in range(20):
        await world.env.advance_time(60)

    stopped = quiet.last_message
    assert stopped.id == message.id
    assert stopped.embeds[0].title == "Flare-up booty flexes: stopped"
    assert "couldn't send you a direct message" in stopped.embeds[0].description
    assert buttons(stopped) == []
    with contextlib.closing(sqlite3.connect(settings.database)) as db:
        assert db.execute("SELECT status FROM routine_sessions").fetchall() == [("stopped",)]


async def test_a_short_routine_where_the_bot_may_not_post_is_not_moved(world: World) -> None:
    quiet = quiet_channel(world)
    result = await world.alice.slash(quiet, "routine start", routine=FLARE_UP)
    [message] = result.followups
    await world.env.advance_time(40)
    assert quiet.last_message.id == message.id
    assert quiet.last_message.embeds[0].title == "Flare-up booty flexes: done"

    for _ in range(16):
        await world.env.advance_time(60)

    assert quiet.last_message.embeds[0].title == "Flare-up booty flexes: done"
    assert world.alice.user.dm_channel is None or world.alice.user.dm_channel.last_message is None


def moderator(world: World) -> simcord.MemberActor:
    """A member who may delete other people's messages (the bot's included)."""
    mods = world.guild.create_role(
        "Moderators", permissions=discord.Permissions(manage_messages=True)
    )
    return world.guild.add_member(world.env.create_user("mo"), roles=[mods])


def session_statuses(settings: Settings) -> list[str]:
    with contextlib.closing(sqlite3.connect(settings.database)) as db:
        return [
            status for (status,) in db.execute("SELECT status FROM routine_sessions ORDER BY id")
        ]


async def test_deleting_the_live_message_stops_the_routine_and_frees_the_person(
    world: World, settings: Settings
) -> None:
    result = await world.alice.slash(world.channel, "routine start", routine="booty-flex")
    await world.env.advance_time(6)

    await moderator(world).delete(live(world))

    [note] = result.followups
    assert note.ephemeral and note.embeds[0].title == "Routine stopped"
    assert "was deleted" in note.embeds[0].description
    assert "doesn't count" in note.embeds[0].description
    assert session_statuses(settings) == ["stopped"]  # as if Stop was pressed: not done
    again = await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    assert again.response.embeds[0].title == "Starting Flare-up booty flexes"
    assert live(world).embeds[0].title == "Flare-up booty flexes"


async def test_deleting_the_message_of_a_paused_routine_stops_it_at_once(
    world: World, settings: Settings
) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    await world.alice.click(live(world), label="Pause")

    await moderator(world).delete(live(world))

    assert session_statuses(settings) == ["stopped"]
    again = await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    assert again.response.embeds[0].title == "Starting Flare-up booty flexes"


async def test_deleting_the_channel_of_a_paused_routine_stops_it_at_once(
    world: World, settings: Settings
) -> None:
    gym = world.guild.create_text_channel("gym")
    await world.alice.slash(gym, "routine start", routine=FLARE_UP)
    await world.alice.click(gym.last_message, label="Pause")

    world.env.backend.delete_channel(gym.id)  # no message-delete event for its messages
    await world.env.settle()

    assert session_statuses(settings) == ["stopped"]
    again = await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    assert again.response.embeds[0].title == "Starting Flare-up booty flexes"


async def test_a_paused_routine_in_a_deleted_thread_stops_at_once(
    world: World, settings: Settings
) -> None:
    thread = world.env.backend.create_thread(world.channel.id, "my back", world.alice.id)
    await world.env.settle()
    room = next(t for t in world.channel.threads if t.id == thread.id)
    await world.alice.slash(room, "routine start", routine=FLARE_UP)
    await world.alice.click(room.last_message, label="Pause")

    world.env.backend.delete_channel(room.id)
    await world.env.settle()

    assert session_statuses(settings) == ["stopped"]


async def test_a_paused_routine_stops_when_the_bot_is_removed_from_the_server(
    world: World, settings: Settings
) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    await world.alice.click(live(world), label="Pause")
    await world.bob.user.slash("routine start", routine=FLARE_UP)  # in his DMs

    world.env.backend.remove_guild(world.guild.id)
    await world.env.settle()

    assert session_statuses(settings) == ["stopped", "running"]  # Bob's, in his DMs, goes on
    assert world.bot.require_services().routines.active(world.alice.id) is None


@pytest.mark.parametrize(
    ("status", "code", "said"),
    [
        (403, 50001, "can no longer update"),  # the bot lost access to the channel
        (404, 10008, "was deleted"),  # deleted while the bot was not listening
    ],
)
async def test_when_the_bot_cannot_edit_the_message_any_more_the_routine_stops(
    world: World, settings: Settings, status: int, code: int, said: str
) -> None:
    result = await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    world.env.inject_error("PATCH", "/channels/*/messages/*", status=status, code=code)

    await world.env.advance_time(6)  # the next phase cannot be shown

    [note] = result.followups
    assert note.ephemeral and note.embeds[0].title == "Routine stopped"
    assert said in note.embeds[0].description
    await world.env.advance_time(60)  # past the routine's planned end
    assert session_statuses(settings) == ["stopped"]  # never "finished": it counts for no streak
    again = await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    assert again.response.embeds[0].title == "Starting Flare-up booty flexes"


@pytest.mark.parametrize("status", [500, 503, 429])  # Discord failing, or asking the bot to wait
async def test_a_pause_discord_failed_to_show_is_shown_once_discord_answers_again(
    world: World, status: int
) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    world.env.inject_error("PATCH", "/channels/*/messages/*", status=status)

    await world.alice.click(live(world), label="Pause")
    await world.env.advance_time(60)

    paused = live(world)
    assert paused.embeds[0].description.startswith("## Paused: Get ready")
    assert buttons(paused) == ["Resume", "+1 round", "Stop"]  # not a Pause that does nothing


async def test_the_end_of_a_routine_is_shown_even_when_discord_failed_the_last_edits(
    world: World,
) -> None:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    await world.env.advance_time(34)  # the last phase: it ends at 35 s
    world.env.inject_error("PATCH", "/channels/*/messages/*", status=502, times=3)

    await world.env.advance_time(5 * 60)

    done = live(world)
    assert done.embeds[0].title == "Flare-up booty flexes: done"
    assert field(done, "Your streak").startswith("1 day in a row")
    assert buttons(done) == []


async def test_a_routine_whose_message_discord_failed_to_post_gets_it_a_moment_later(
    world: World,
) -> None:
    world.env.inject_error("POST", f"/channels/{world.channel.id}/messages", status=500)

    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    await world.env.advance_time(3)  # still getting ready: the first phase lasts 5 s

    message = live(world)
    assert message.author.id == world.bot.user.id
    assert "## Get ready" in message.embeds[0].description
    assert buttons(message) == ["Pause", "+1 round", "Stop"]
