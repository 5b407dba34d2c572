"""PostgreSQL going away for a moment (a restart, a failover, a network fault) and coming back: the
store says so in one line of its own, and works again as soon as the server is back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.settings import PostgresURL
from bot.store.errors import DatabaseUnavailable
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
