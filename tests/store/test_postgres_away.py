"""PostgreSQL going away for a moment (a restart, a failover, a network fault) and coming back: the
store says so in one line of its own, and works again as soon as the server is back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.settings import PostgresURL
from bot.store.errors import DatabaseBusy, DatabaseReadOnly, DatabaseUnavailable
from bot.store.people import PeopleStore
from bot.store.pg import PgDatabase
from tests.support.backends import NO_SERVER, SERVER, fresh_postgres
from tests.support.blackout import Blackout

pytestmark = pytest.mark.skipif(SERVER is None, reason=NO_SERVER)

NOW = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)


async def test_a_server_that_goes_away_is_one_clear_error_and_it_all_works_once_it_is_back() -> (
    None
):
    async with fresh_postgres() as url:
        relay = Blackout(url.url)
        db = await PgDatabase.open(PostgresURL(relay.url))
        try:
            people = PeopleStore(db)
            await people.ensure(7, NOW)
            relay.cut()
            for attempt in (people.get(7), people.ensure(8, NOW)):  # a read, then a write
                with pytest.raises(DatabaseUnavailable) as gone:
                    await attempt
                text = str(gone.value)
                assert "can't be reached right now" in text and "try again in a minute" in text
                assert "\n" not in text  # one line, not the driver's traceback
            relay.restore()
            assert (await people.get(7)) is not None
            await people.ensure(8, NOW)
            assert (await people.get(8)) is not None
        finally:
            await db.close()
            relay.close()


async def test_a_server_that_is_not_there_at_start_says_so_in_one_line() -> None:
    async with fresh_postgres() as url:
        relay = Blackout(url.url)
        relay.cut()
        try:
            with pytest.raises(DatabaseUnavailable, match="no server answers there"):
                await PgDatabase.open(PostgresURL(relay.url))
        finally:
            relay.close()


def _with_setting(url: PostgresURL, setting: str) -> PostgresURL:
    """The same database, every session of it run with a server ``setting`` ("name=value")."""
    return PostgresURL(f"{url.url}&{setting}")


async def test_a_statement_timeout_is_one_clear_line_and_nothing_changes() -> None:
    import asyncpg

    async with fresh_postgres() as url:
        db = await PgDatabase.open(_with_setting(url, "statement_timeout=300"))
        holder = await asyncpg.connect(url.url)
        try:
            people = PeopleStore(db)
            await people.set_step(7, 2, "set by the person", NOW)
            # Another program (an administrator's session, a long migration) holds a lock.
            locked = holder.transaction()
            await locked.start()
            await holder.execute("LOCK TABLE people IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(DatabaseBusy) as slow:
                await people.set_step(7, 3, "moved up", NOW)
            text = str(slow.value)
            assert "took too long" in text and "nothing was changed" in text
            assert "statement_timeout" in text and "\n" not in text
            await locked.rollback()
            person = await people.get(7)
            assert person is not None and person.step == 2
            await people.set_step(7, 3, "moved up", NOW)  # works again once the lock is gone
        finally:
            await holder.close()
            await db.close()


async def test_a_server_that_only_allows_reading_is_named_with_what_to_do() -> None:
    async with fresh_postgres() as url:
        db = await PgDatabase.open(url)  # migrated while it could write
        await db.close()
        db = await PgDatabase.open(_with_setting(url, "default_transaction_read_only=on"))
        try:
            people = PeopleStore(db)
            assert await people.get(7) is None  # reading works
            with pytest.raises(DatabaseReadOnly) as refused:
                await people.ensure(7, NOW)
            text = str(refused.value)
            assert "only allows reading" in text and "primary" in text and "\n" not in text
        finally:
            await db.close()
