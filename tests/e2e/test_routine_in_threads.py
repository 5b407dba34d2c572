"""A routine in a thread that is archived or locked while it runs: Discord archives a thread after
an hour without a message (a long pause), and a moderator may archive or lock it by hand."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
import simcord

from bot.settings import Settings
from tests.support.e2e import World, buttons

pytestmark = pytest.mark.virtual_time  # the bot's timers move only with env.advance_time

FLARE_UP = "flare-up"  # a get-ready phase of 5 s, then 3 rounds of squeeze 7 s / relax 3 s
ARCHIVED = {"status": 400, "code": 50083, "message": "Thread is archived"}


def session_statuses(settings: Settings) -> list[str]:
    with contextlib.closing(sqlite3.connect(settings.database)) as db:
        return [s for (s,) in db.execute("SELECT status FROM routine_sessions ORDER BY id")]


async def thread_of(world: World) -> simcord.ChannelHandle:
    thread = world.env.backend.create_thread(world.channel.id, "my back", world.alice.id)
    await world.env.settle()
    return next(t for t in world.channel.threads if t.id == thread.id)


async def close(world: World, room: simcord.ChannelHandle, *, locked: bool) -> None:
    """Archive the thread (and lock it): Discord then refuses edits of the messages in it."""
    world.env.backend.edit_channel(
        room.id, {}, thread_metadata={"archived": True, "locked": locked}
    )
    await world.env.settle()
    world.env.inject_error(
        "PATCH", f"/channels/{room.id}/messages/*", times=None if locked else 1, **ARCHIVED
    )


def archived(world: World, room: simcord.ChannelHandle) -> bool:
    metadata = world.env.backend.get_channel(room.id).thread_metadata
    assert metadata is not None
    return bool(metadata.archived)


async def test_resuming_a_routine_whose_thread_was_archived_meanwhile_opens_the_thread_again(
    world: World, settings: Settings
) -> None:
    room = await thread_of(world)
    await world.alice.slash(room, "routine start", routine=FLARE_UP)
    message = room.last_message
    await world.alice.click(message, label="Pause")
    await world.env.advance_time(61 * 60)  # an hour without a message: Discord archives it
    await close(world, room, locked=False)

    await world.alice.click(message, label="Resume")

    assert not archived(world, room)  # any member who may post there may open it again
    shown = room.last_message
    assert shown.id == message.id
    assert shown.embeds[0].description.startswith("## Get ready")
    assert buttons(shown) == ["Pause", "+1 round", "Stop"]
    await world.env.advance_time(60)
    assert room.last_message.embeds[0].title == "Flare-up booty flexes: done"
    assert session_statuses(settings) == ["finished"]


async def test_a_routine_whose_thread_was_locked_stops_and_says_so_privately(
    world: World, settings: Settings
) -> None:
    room = await thread_of(world)
    started = await world.alice.slash(room, "routine start", routine=FLARE_UP)
    await close(world, room, locked=True)

    await world.env.advance_time(6)  # the next phase cannot be shown

    assert archived(world, room)  # a moderator's lock is left as it is
    [note] = started.followups
    assert note.ephemeral and note.embeds[0].title == "Routine stopped"
    assert "can no longer update" in note.embeds[0].description
    await world.env.advance_time(60)
    assert session_statuses(settings) == ["stopped"]  # never "finished": nobody saw it run
    again = await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    assert again.response.embeds[0].title == "Starting Flare-up booty flexes"
