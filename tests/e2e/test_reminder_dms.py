"""/reminders and the reminder DMs: private answers, DMs at the person's local time with buttons
that survive a restart, and closed DMs stopping the reminders with a note at the next command.

SimCord's clock starts at 2026-01-01 00:00 UTC, which is 07:00 in Bangkok (UTC+7, no daylight
saving): a 07:30 reminder there is half an hour away. Tests about the buttons use a 07:01 reminder,
so that less simulated time has to pass.
"""

from __future__ import annotations

import discord
import pytest
import simcord

from bot.app import create_bot
from bot.settings import Settings
from bot.store.people import LOCAL_USER_ID, PeopleStore
from bot.store.routines import RoutineSessionStore
from tests.support.e2e import World, buttons, embed_text, requests_to
from tests.support.virtual_time import VirtualSleep

pytestmark = pytest.mark.virtual_time  # the bot's timers move only with env.advance_time

BANGKOK = "Asia/Bangkok"
TO_0730 = 30 * 60  # seconds from the start of SimCord's clock to 07:30 in Bangkok
SNOOZE = 30 * 60


def dms(world: World) -> list[discord.Message]:
    return world.alice.user.dm_channel.history()


def text(result: simcord.InteractionResult) -> str:
    assert result.response is not None
    return embed_text(result.response.embeds[0])


# -- the commands -------------------------------------------------------------------------------


async def test_reminders_on_show_pause_off_are_private_and_say_what_changed(world: World) -> None:
    on = await world.alice.slash(
        world.channel, "reminders on", timezone="Europe/Berlin", morning="6:45am", evening="22:00"
    )
    assert on.ephemeral
    assert on.response.embeds[0].title == "Reminders on"
    assert "Reminders are on: 06:45 and 22:00, every day (Europe/Berlin time)." in text(on)
    assert "Next: Thu 1 Jan, 06:45 CET, in 5 h 45 min." in text(on)  # 00:00 UTC is 01:00 in Berlin

    shown = await world.alice.slash(world.channel, "reminders show")
    assert shown.ephemeral and "Reminders are on: 06:45 and 22:00" in text(shown)

    paused = await world.alice.slash(world.channel, "reminders pause", days=3)
    assert paused.ephemeral and paused.response.embeds[0].title == "Reminders paused"
    assert "Reminders are paused until Sun 4 Jan, 01:00 CET" in text(paused)
    assert "Next: Sun 4 Jan, 06:45 CET" in text(paused)

    off = await world.alice.slash(world.channel, "reminders off")
    assert off.ephemeral and off.response.embeds[0].title == "Reminders off"
    assert "Reminders are off. Your times are kept" in text(off)
    assert "Reminders are off" in text(await world.alice.slash(world.channel, "reminders show"))

    again = await world.alice.slash(world.channel, "reminders on")  # zone and times are remembered
    assert "Reminders are on: 06:45 and 22:00, every day (Europe/Berlin time)." in text(again)
    assert not world.channel.history()  # nothing of this was posted in the channel


async def test_reminders_turned_on_in_a_dm_speak_of_the_dm_not_of_a_server(world: World) -> None:
    on = await world.alice.user.slash("reminders on", timezone="Europe/Berlin")

    assert "Reminders are on: 07:30 and 21:30" in text(on)
    assert "server" not in text(on)
    assert "I'll send them to you here, in our direct messages." in text(on)
    in_server = await world.bob.slash(world.channel, "reminders on", timezone="Europe/Berlin")
    assert "keep DMs from this server's members open" in text(in_server)


async def test_without_times_reminders_come_at_0730_and_2130(world: World) -> None:
    on = await world.bob.slash(world.channel, "reminders on", timezone="London")

    assert "Reminders are on: 07:30 and 21:30, every day (Europe/London time)." in text(on)


async def test_a_time_left_out_is_kept(world: World) -> None:
    await world.alice.slash(
        world.channel, "reminders on", timezone="Europe/Berlin", morning="6:45", evening="22:15"
    )

    morning = await world.alice.slash(world.channel, "reminders on", morning="8:00")
    assert "Reminders are on: 08:00 and 22:15, every day (Europe/Berlin time)." in text(morning)
    evening = await world.alice.slash(world.channel, "reminders on", evening="23:00")
    assert "Reminders are on: 08:00 and 23:00, every day (Europe/Berlin time)." in text(evening)


async def test_the_first_time_a_time_left_out_is_the_default(world: World) -> None:
    on = await world.bob.slash(world.channel, "reminders on", timezone="London", evening="22:00")

    assert "Reminders are on: 07:30 and 22:00, every day (Europe/London time)." in text(on)


async def test_morning_and_evening_change_the_earliest_and_latest_of_many_times(
    world: World,
) -> None:
    services = world.bot.require_services()
    six = "6:00, 9:00, 12:00, 15:00, 18:00, 21:00"  # as `lowback reminders on` can set them
    await services.reminders.on(world.alice.user.id, "Europe/Berlin", six)

    evening = await world.alice.slash(world.channel, "reminders on", evening="23:00")
    assert "Reminders are on: 06:00, 09:00, 12:00, 15:00, 18:00 and 23:00" in text(evening)
    both = await world.alice.slash(world.channel, "reminders on", morning="7", evening="22")
    assert "Reminders are on: 07:00, 09:00, 12:00, 15:00, 18:00 and 22:00" in text(both)


async def test_with_one_time_the_other_option_adds_a_reminder(world: World) -> None:
    services = world.bot.require_services()
    await services.reminders.on(world.alice.user.id, "Europe/Berlin", "7:30")

    later = await world.alice.slash(world.channel, "reminders on", morning="8")
    assert "Reminders are on: 08:00, every day" in text(later)
    evening = await world.alice.slash(world.channel, "reminders on", evening="21")
    assert "Reminders are on: 08:00 and 21:00, every day" in text(evening)


async def test_show_and_off_before_turning_them_on(world: World) -> None:
    shown = await world.alice.slash(world.channel, "reminders show")
    assert shown.ephemeral and "You haven't turned reminders on yet" in text(shown)

    paused = await world.alice.slash(world.channel, "reminders pause", days=2)
    assert paused.response.embeds[0].title == "That didn't work"
    assert "You haven't turned reminders on yet" in text(paused)

    off = await world.alice.slash(world.channel, "reminders off")
    assert "weren't on" in text(off)


async def test_time_zones_autocomplete(world: World) -> None:
    choices = await world.alice.autocomplete(world.channel, "reminders on", "timezone", "berl")

    assert "Europe/Berlin" in [c["value"] for c in choices]
    assert len(choices) <= 25


async def test_an_unknown_time_zone_gives_suggestions_and_a_bad_time_says_so(world: World) -> None:
    zone = await world.alice.slash(world.channel, "reminders on", timezone="Europe/Berlim")

    assert zone.ephemeral
    assert zone.response.embeds[0].title == "Unknown time zone"
    assert "Did you mean" in text(zone) and "Europe/Berlin" in text(zone)

    time = await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK, morning="25:99")
    assert time.ephemeral and time.response.embeds[0].title == "That didn't work"
    assert "25:99" in text(time)
    assert "haven't turned reminders on" in text(
        await world.alice.slash(world.channel, "reminders show")
    )


async def test_a_bare_hour_is_read_as_the_option_names_it_and_accents_are_understood(
    world: World,
) -> None:
    on = await world.alice.slash(
        world.channel, "reminders on", timezone="São Paulo", morning="7", evening="9"
    )
    assert "Reminders are on: 07:00 and 21:00, every day (America/Sao_Paulo time)." in text(on)

    on = await world.alice.slash(world.channel, "reminders on", morning="730", evening="19")
    assert "Reminders are on: 07:30 and 19:00" in text(on)

    noon = await world.alice.slash(world.channel, "reminders on", evening="12")
    assert noon.response.embeds[0].title == "That didn't work"
    assert "'12' could be noon or midnight" in text(noon)


async def test_offsets_are_refused_with_the_places_on_them(world: World) -> None:
    etc = await world.alice.slash(world.channel, "reminders on", timezone="Etc/GMT+5")
    assert etc.response.embeds[0].title == "Unknown time zone"
    assert "'Etc/GMT+5' is UTC-5, not UTC+5" in text(etc)
    assert "Pick one from the list as you type the time zone." in text(etc)

    utc = await world.alice.slash(world.channel, "reminders on", timezone="UTC+2")
    assert "offsets don't follow daylight saving" in text(utc) and "Europe/Berlin" in text(utc)
    assert "haven't turned reminders on" in text(
        await world.alice.slash(world.channel, "reminders show")
    )


async def test_autocomplete_understands_accents_offsets_and_a_country(world: World) -> None:
    async def values(typed: str) -> list[str]:
        choices = await world.alice.autocomplete(world.channel, "reminders on", "timezone", typed)
        return [c["value"] for c in choices]

    assert (await values("São"))[0] == "America/Sao_Paulo"
    assert await values("Paris, France") == ["Europe/Paris"]
    assert (await values("UTC+2"))[0] == "Europe/Berlin"
    assert "Etc/GMT+5" not in await values("Etc/GMT+5")


# -- the DMs ------------------------------------------------------------------------------------


async def test_a_reminder_arrives_at_0730_local_time_with_buttons_that_survive_a_restart(
    world: World, settings: Settings, sleep: VirtualSleep
) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK)
    await world.env.advance_time(TO_0730 - 60)
    assert dms(world) == []

    await world.env.advance_time(61)

    [reminder] = dms(world)
    assert reminder.embeds[0].title == "Your morning routine"
    assert "Your step 1 routine" in reminder.embeds[0].description
    assert reminder.embeds[0].description.endswith(
        "\n\nPress *Start routine* and I'll time it with you."
    )
    assert buttons(reminder) == ["Start routine", "Snooze 30 min"]

    await world.bot.close()
    again = create_bot(settings, sleep=sleep)
    await world.env.restart_bot(again)
    try:
        started = await world.alice.user.click(reminder, label="Start routine")

        assert (
            started.ephemeral and started.response.embeds[0].title == "Starting Your step 1 routine"
        )
        live = dms(world)[-1]
        assert live.id != reminder.id and live.embeds[0].title == "Your step 1 routine"
        assert buttons(live) == ["Pause", "+1 round", "Stop"]
        snoozed = await world.alice.user.click(reminder, label="Snooze 30 min")
        assert snoozed.ephemeral and snoozed.response.embeds[0].title == "Snoozed"
    finally:
        await again.close()


async def test_snooze_sends_the_reminder_again_30_minutes_later(world: World) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK, morning="07:01")
    await world.env.advance_time(61)
    [reminder] = dms(world)

    snoozed = await world.alice.user.click(reminder, label="Snooze 30 min")

    assert snoozed.ephemeral and snoozed.response.embeds[0].title == "Snoozed"
    assert "Your 07:01 reminder will come again in 30 min, at 07:31." in text(snoozed)
    assert "Next (snoozed): Thu 1 Jan, 07:31" in text(snoozed)
    twice = await world.alice.user.click(reminder, label="Snooze 30 min")
    assert "Next (snoozed): Thu 1 Jan, 07:31" in text(twice)  # a double press is one snooze
    await world.env.advance_time(SNOOZE - 60)
    assert len(dms(world)) == 1
    await world.env.advance_time(60)
    assert len(dms(world)) == 2
    again = dms(world)[-1]
    assert again.embeds[0].title == "Your morning routine"
    assert buttons(again) == ["Start routine", "Snooze 30 min"]


async def test_the_bot_leaves_the_terminal_persons_reminders_to_the_terminal(world: World) -> None:
    """`lowback reminders on` and the bot share the database by default: the local person (user 1)
    is nobody on Discord, so the bot must neither DM them nor stop their reminders."""
    services = world.bot.require_services()
    await services.reminders.on(LOCAL_USER_ID, BANGKOK, "07:01")
    await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK, morning="07:01")

    await world.env.advance_time(61)

    [reminder] = dms(world)  # Alice's comes as usual
    assert reminder.embeds[0].title == "Your morning routine"
    assert [r.json for r in requests_to(world.env, "POST", "/users/@me/channels")] == [
        {"recipient_id": world.alice.user.id}
    ]
    local = await services.reminders.show(LOCAL_USER_ID)
    assert local.status == "on" and local.closed_reason is None
    assert local.recent == ()  # the 07:01 reminder still waits for the chat, untouched
    await world.env.advance_time(3600)
    assert (await services.reminders.show(LOCAL_USER_ID)).status == "on"


async def test_closed_dms_stop_the_reminders_and_the_person_is_told_at_the_next_command(
    world: World,
) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK, morning="07:01")
    dm = world.alice.user.dm_channel
    world.env.inject_error(
        "POST",
        f"/channels/{dm.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
    )

    await world.env.advance_time(61)

    assert (
        len(requests_to(world.env, "POST", f"/channels/{dm.id}/messages")) == 1
    )  # tried once, not again
    assert dms(world) == []
    result = await world.alice.slash(world.channel, "progress show")
    assert result.response.embeds[0].title == "Your progress"  # the command itself answers as usual
    [notice] = result.followups
    assert notice.ephemeral
    assert notice.embeds[0].title == "About your reminders"
    assert (
        "dms closed" in notice.embeds[0].description
        and "stopped your reminders" in notice.embeds[0].description
    )

    later = await world.alice.slash(world.channel, "reminders show")
    assert later.followups == []  # told once
    assert "Reminders stopped because I couldn't deliver them (dms closed)" in text(later)
    assert "07:01 +07: not sent, dms closed" in text(later)  # what became of that reminder
    bobs = await world.bob.slash(world.channel, "progress show")
    assert bobs.followups == []

    on = await world.alice.slash(world.channel, "reminders on")  # opting in again starts them again
    assert "Reminders are on: 07:01 and 21:30" in text(on)


async def test_a_reminder_that_hits_a_discord_outage_comes_a_little_later(world: World) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK, morning="07:01")
    dm = world.alice.user.dm_channel
    world.env.inject_error(
        "POST", f"/channels/{dm.id}/messages", status=503, message="Service Unavailable"
    )

    await world.env.advance_time(61)
    assert dms(world) == []

    await world.env.advance_time(30)  # tried again after a short back-off
    [reminder] = dms(world)
    assert reminder.embeds[0].title == "Your morning routine"
    shown = await world.alice.slash(world.channel, "reminders show")
    assert "Reminders are on" in text(shown) and shown.followups == []
    assert "07:01 +07: sent" in text(shown)


# -- a reminder and a routine the person is doing ------------------------------------------------


async def test_no_reminder_comes_while_the_person_is_doing_their_routine(world: World) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK, morning="07:01")
    await world.alice.slash(world.channel, "routine start")  # at 07:00

    await world.env.advance_time(61)  # the 07:01 reminder falls due mid-routine

    assert dms(world) == []
    assert world.channel.last_message.embeds[0].title == "Your step 1 routine"
    shown = await world.alice.slash(world.channel, "reminders show")
    assert "07:01 +07: not sent, skipped: you were doing a routine right then" in text(shown)
    await world.env.advance_time(3600)  # the routine ends; the skipped reminder does not follow
    assert dms(world) == []


async def test_a_routine_running_in_another_bot_process_holds_the_reminder_too(
    world: World,
) -> None:
    """With the shards split over processes, the routine may run in a process other than the one
    that sends the reminder: what they share is the store's running session."""
    await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK, morning="07:01")
    services = world.bot.require_services()
    now = services.clock()
    await PeopleStore(services.db).ensure(world.alice.user.id, now)
    await RoutineSessionStore(services.db).create(world.alice.user.id, "daily", now)

    await world.env.advance_time(61)

    assert dms(world) == []
    shown = await world.alice.slash(world.channel, "reminders show")
    assert "07:01 +07: not sent, skipped: you were doing a routine right then" in text(shown)


async def test_a_routine_stopped_before_the_reminder_does_not_hold_it(world: World) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK, morning="07:01")
    await world.alice.slash(world.channel, "routine start")
    await world.env.advance_time(10)
    await world.alice.slash(world.channel, "routine stop")

    await world.env.advance_time(51)

    [reminder] = dms(world)
    assert reminder.embeds[0].title == "Your morning routine"
    assert buttons(reminder) == ["Start routine", "Snooze 30 min"]


@pytest.mark.parametrize("said", ["STOP", "unsubscribe.", "stop reminders"])
async def test_stop_in_reply_to_a_reminder_turns_the_reminders_off(world: World, said: str) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK, morning="07:01")
    await world.env.advance_time(61)
    [reminder] = dms(world)
    dm = world.alice.user.dm_channel

    await world.alice.send_dm(
        said, reference={"channel_id": str(dm.id), "message_id": str(reminder.id)}
    )

    told = dm.last_message
    assert told.author.id == world.bot.user.id
    assert told.embeds[0].title == "Reminders off"  # not "no curated answer" to 'STOP'
    assert "`/reminders on` turns them on again" in embed_text(told.embeds[0])
    assert "Reminders are off" in text(await world.alice.slash(world.channel, "reminders show"))


async def test_stop_in_a_dm_not_in_reply_to_a_reminder_leaves_the_reminders_on(
    world: World,
) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK, morning="07:01")
    await world.env.advance_time(61)

    await world.alice.send_dm("stop")

    told = world.alice.user.dm_channel.last_message
    assert told.embeds[0].title == "No routine running"
    assert "`/reminders off`" in told.embeds[0].description  # says how, does not guess
    assert "Reminders are on" in text(await world.alice.slash(world.channel, "reminders show"))


async def test_stop_in_reply_to_a_reminder_while_its_routine_runs_stops_the_routine(
    world: World,
) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK, morning="07:01")
    await world.env.advance_time(61)
    [reminder] = dms(world)
    await world.alice.user.click(reminder, label="Start routine")
    assert world.bot.services.routines.active(world.alice.id) is not None
    dm = world.alice.user.dm_channel

    await world.alice.send_dm(
        "stop", reference={"channel_id": str(dm.id), "message_id": str(reminder.id)}
    )

    assert world.bot.services.routines.active(world.alice.id) is None
    assert "Reminders are on" in text(await world.alice.slash(world.channel, "reminders show"))


async def test_later_in_reply_to_a_reminder_snoozes_it_as_its_button_does(world: World) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK, morning="07:01")
    await world.env.advance_time(61)
    [reminder] = dms(world)
    dm = world.alice.user.dm_channel

    await world.alice.send_dm(
        "Snooze!", reference={"channel_id": str(dm.id), "message_id": str(reminder.id)}
    )

    told = dm.last_message
    assert told.embeds[0].title == "Snoozed"
    assert "Your 07:01 reminder will come again in 30 min, at 07:31." in embed_text(told.embeds[0])
    shown = await world.alice.slash(world.channel, "reminders show")
    assert "Next (snoozed): Thu 1 Jan, 07:31" in text(shown)


async def test_done_or_start_in_reply_to_a_reminder_is_answered_as_such(world: World) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK, morning="07:01")
    await world.env.advance_time(61)
    [reminder] = dms(world)
    dm = world.alice.user.dm_channel
    replied = {"channel_id": str(dm.id), "message_id": str(reminder.id)}

    told = []
    for said in ["Done ✅", "did it!", "start", "Let's go"]:
        await world.alice.send_dm(said, reference=replied)
        assert dm.last_message.author.id == world.bot.user.id
        told.append(dm.last_message.embeds[0])

    # not "What I can do", nor a topic about the program
    assert [embed.title for embed in told] == ["Well done"] * 2 + ["Press Start routine"] * 2
    assert "Your streak counts the routines I take you through" in embed_text(told[0])
    assert "**Start routine** on the reminder, or `/routine start`" in embed_text(told[1])
    assert "Press **Start routine** on the reminder you replied to" in embed_text(told[2])
    assert "Reminders are on" in text(await world.alice.slash(world.channel, "reminders show"))


async def test_words_said_in_the_dm_after_a_reminder_answer_it_as_a_reply_does(
    world: World,
) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK, morning="07:01")
    await world.env.advance_time(61)
    dm = world.alice.user.dm_channel

    await world.alice.send_dm("later")  # typed below the reminder, not as a reply to it

    assert dm.last_message.embeds[0].title == "Snoozed"  # not "no curated answer"
    shown = await world.alice.slash(world.channel, "reminders show")
    assert "Next (snoozed): Thu 1 Jan, 07:31" in text(shown)
    await world.alice.send_dm("later")  # the bot's last word is no reminder now: asked as usual
    assert dm.last_message.embeds[0].title != "Snoozed"
    await world.alice.send_dm("stop")  # 'stop' alone may be for a routine: not guessed
    assert "Reminders are on" in text(await world.alice.slash(world.channel, "reminders show"))
