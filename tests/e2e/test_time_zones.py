"""Whose days: a streak counts the person's own days, says so plainly when the bot does not know
their time zone (then it counts in UTC), and a stored zone this machine no longer knows falls back
to UTC with a line saying so, instead of breaking the commands and the reminders.

SimCord's clock starts at 2026-01-01 00:00 UTC: 31 December, 19:00 in New York and 07:00 in
Bangkok.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import discord
import pytest
import simcord

from bot.core.streaks import DONE_SQUARE, MISSED_SQUARE
from tests.support.e2e import World, embed_text

pytestmark = pytest.mark.virtual_time

UNKNOWN = (
    "Days are counted in UTC, as I don't know your time zone: "
    "set it with `/progress show timezone:` to count them in yours."
)
LOST = (
    "I no longer know your time zone 'Mars/Olympus'; days and times are in UTC "
    "until you set it again with `/progress show timezone:`."
)


def text(result: simcord.InteractionResult) -> str:
    assert result.response is not None
    return embed_text(result.response.embeds[0])


def streak_of(message: discord.Message | simcord.InteractionResult) -> str:
    embed = (
        message.response.embeds[0]
        if isinstance(message, simcord.InteractionResult)
        else message.embeds[0]
    )
    return next(f.value for f in embed.fields if f.name == "Your streak")


async def finished_at(world: World, user_id: int, *moments: datetime) -> None:
    """Routines the person finished at these instants."""
    services = world.bot.require_services()
    await services.people.ensure(user_id, world.env.now() - timedelta(days=5))
    for ended in moments:
        record = await services.routines.sessions.create(
            user_id, "flare-up", ended - timedelta(seconds=35)
        )
        await services.routines.sessions.end(record.id, "finished", ended)


async def zone_no_longer_known(world: World, user_id: int) -> None:
    """The person's stored zone stops resolving, as when a tzdata update drops a name."""
    db = world.bot.require_services().db
    async with db.transaction() as conn:
        for table in ("people", "reminder_schedules"):
            await conn.execute(
                f"UPDATE {table} SET timezone = 'Mars/Olympus' WHERE user_id = ?", (user_id,)
            )


# -- a person whose zone the bot does not know --------------------------------------------------


async def test_without_a_time_zone_the_streak_says_its_days_are_utc_and_how_to_set_yours(
    world: World,
) -> None:
    now = world.env.now()
    # 08:00 and 20:30 on 30 December in New York: one day there, two in UTC.
    await finished_at(world, world.alice.id, now - timedelta(hours=35), now - timedelta(hours=22.5))

    shown = await world.alice.slash(world.channel, "progress show")

    assert streak_of(shown) == (
        f"{MISSED_SQUARE * 4}{DONE_SQUARE * 2}{MISSED_SQUARE}  current 2 day(s), longest 2\n{UNKNOWN}"
    )

    mine = await world.alice.slash(world.channel, "progress show", timezone="new york")

    assert mine.ephemeral and mine.response.embeds[0].title == "Your progress"
    assert mine.response.embeds[0].description.startswith(
        "Your time zone is now America/New_York: your days, and your reminders if you have them, "
        "go by it."
    )
    assert streak_of(mine) == (
        f"{MISSED_SQUARE * 5}{DONE_SQUARE}{MISSED_SQUARE}  current 1 day(s), longest 1"
    )
    again = await world.alice.slash(world.channel, "progress show")
    assert streak_of(again) == streak_of(mine)  # remembered
    assert "You haven't turned reminders on yet" in text(
        await world.alice.slash(world.channel, "reminders show")
    )  # setting the zone turned no reminders on


async def test_a_finished_routine_says_its_days_are_utc_until_the_person_sets_their_zone(
    world: World,
) -> None:
    await world.alice.slash(world.channel, "routine start", routine="flare-up")
    await world.env.advance_time(60)

    assert streak_of(world.channel.last_message).endswith(f"\n{UNKNOWN}")

    await world.bob.slash(world.channel, "progress show", timezone="Asia/Bangkok")
    await world.bob.slash(world.channel, "routine start", routine="flare-up")
    await world.env.advance_time(60)

    assert "UTC" not in streak_of(world.channel.last_message)


async def test_a_zone_set_with_progress_moves_the_reminders_and_an_unknown_one_is_refused(
    world: World,
) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone="Asia/Bangkok", morning="7:01")

    public = await world.alice.slash(
        world.channel, "progress show", timezone="Europe/Berlin", public=True
    )

    assert public.ephemeral  # it names where the person lives: never in the channel
    assert "Your time zone is now Europe/Berlin" in text(public)
    shown = text(await world.alice.slash(world.channel, "reminders show"))
    assert "Reminders are on: 07:01 and 21:30, every day (Europe/Berlin time)." in shown
    assert "Next: Thu 1 Jan, 07:01 CET" in shown

    wrong = await world.alice.slash(world.channel, "progress show", timezone="Atlantis")
    assert wrong.ephemeral and wrong.response.embeds[0].title == "Unknown time zone"
    assert "I don't know the time zone 'Atlantis'" in text(wrong)
    choices = await world.alice.autocomplete(world.channel, "progress show", "timezone", "berl")
    assert "Europe/Berlin" in [c["value"] for c in choices]


# -- a stored zone this machine no longer knows -------------------------------------------------


async def test_a_zone_no_longer_known_is_utc_with_a_note_and_every_command_still_answers(
    world: World,
) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone="Asia/Bangkok", morning="07:01")
    await zone_no_longer_known(world, world.alice.id)

    progress = await world.alice.slash(world.channel, "progress show")
    assert progress.response.embeds[0].title == "Your progress"
    assert streak_of(progress).endswith(f"\n{LOST}")

    shown = await world.alice.slash(world.channel, "reminders show")
    assert shown.response.embeds[0].title == "Your reminders"
    assert text(shown).startswith(f"Your reminders\n{LOST}\nReminders are on: 07:01 and 21:30")
    assert "(UTC time)" in text(shown)

    on = await world.alice.slash(world.channel, "reminders on", morning="8:00")
    assert on.response.embeds[0].title == "Reminders on"
    assert LOST in text(on) and "Reminders are on: 08:00 and 21:30, every day (UTC time)." in text(
        on
    )

    paused = await world.alice.slash(world.channel, "reminders pause", days=1)
    assert paused.response.embeds[0].title == "Reminders paused" and LOST in text(paused)

    off = await world.alice.slash(world.channel, "reminders off")
    assert off.response.embeds[0].title == "Reminders off"
    assert "Reminders are off. Your times are kept" in text(off) and LOST in text(off)
    assert world.env.errors == []

    back = await world.alice.slash(world.channel, "progress show", timezone="Asia/Bangkok")
    assert LOST not in text(back)
    assert "(Asia/Bangkok time)" in text(await world.alice.slash(world.channel, "reminders show"))


async def test_a_routine_finished_with_a_zone_no_longer_known_still_shows_the_streak(
    world: World,
) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone="Asia/Bangkok")
    await zone_no_longer_known(world, world.alice.id)

    await world.alice.slash(world.channel, "routine start", routine="flare-up")
    await world.env.advance_time(60)

    assert world.channel.last_message.embeds[0].title == "Flare-up booty flexes: done"
    assert streak_of(world.channel.last_message) == (
        f"1 day in a row\n{MISSED_SQUARE * 6}{DONE_SQUARE}\n{LOST}"
    )


async def test_reminders_keep_coming_at_utc_times_when_the_zone_is_no_longer_known(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone="Asia/Bangkok", morning="07:01")
    await world.bob.slash(world.channel, "reminders on", timezone="Asia/Bangkok", morning="07:02")
    await zone_no_longer_known(world, world.alice.id)

    with caplog.at_level(logging.WARNING, logger="lowback"):
        await world.env.advance_time(121)

    [reminder] = world.alice.user.dm_channel.history()
    assert reminder.embeds[0].title == "Your morning routine"
    assert reminder.embeds[0].description.startswith(f"{LOST}\n\nTime for your morning routine")
    assert len(world.bob.user.dm_channel.history()) == 1
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    # The next one is at the schedule's time in UTC.
    assert "Next: Thu 1 Jan, 07:01 UTC" in text(
        await world.alice.slash(world.channel, "reminders show")
    )


# -- a person who moves ---------------------------------------------------------------------------


async def test_a_streak_keeps_the_days_it_was_made_on_when_the_person_moves(world: World) -> None:
    await world.alice.slash(world.channel, "progress show", timezone="Atlantic/Azores")
    await world.alice.slash(world.channel, "routine start", routine="flare-up")  # 23:00, 31 Dec
    await world.env.advance_time(3660)
    await world.alice.slash(world.channel, "routine start", routine="flare-up")  # 00:01, 1 Jan
    await world.env.advance_time(60)
    assert streak_of(world.channel.last_message) == (
        f"2 days in a row\n{MISSED_SQUARE * 5}{DONE_SQUARE * 2}"
    )

    # Flown to Lisbon, an hour ahead: both routines were done on 1 January by Lisbon's clock, but
    # on two days in a row where she was.
    moved = await world.alice.slash(world.channel, "progress show", timezone="Europe/Lisbon")

    assert "Your time zone is now Europe/Lisbon" in text(moved)
    assert streak_of(moved) == (
        f"{MISSED_SQUARE * 5}{DONE_SQUARE * 2}  current 2 day(s), longest 2"
    )
