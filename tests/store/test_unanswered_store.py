"""Unanswered questions: kept only for servers that opted in, never with a user id, purged on time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store.db import Database
from bot.store.unanswered import UnansweredStore

NOW = datetime(2025, 3, 1, 7, 30, tzinfo=UTC)
GUILD, OTHER_GUILD = 900, 901


async def test_nothing_is_kept_unless_the_server_opted_in(db: Database) -> None:
    repo = UnansweredStore(db)
    assert await repo.is_opted_in(GUILD) is False
    assert await repo.record(GUILD, "does cycling help?", "sitting", 0.41, NOW) is False
    assert await repo.record(None, "asked in a DM", None, 0.1, NOW) is False
    assert await db.fetchall("SELECT * FROM unanswered_questions") == []

    await repo.set_opt_in(GUILD, True, NOW)
    assert await repo.is_opted_in(GUILD) is True
    assert await repo.is_opted_in(OTHER_GUILD) is False
    assert await repo.record(GUILD, "does cycling help?", "sitting", 0.41, NOW) is True
    assert await repo.record(OTHER_GUILD, "and swimming?", None, 0.2, NOW) is False

    (kept,) = await repo.recent(GUILD)
    assert (kept.guild_id, kept.question, kept.best_topic, kept.score, kept.asked_at) == (
        GUILD,
        "does cycling help?",
        "sitting",
        0.41,
        NOW,
    )
    assert await repo.recent(OTHER_GUILD) == []


async def test_the_table_has_no_column_that_could_name_who_asked(db: Database) -> None:
    columns = set(await db.columns("unanswered_questions"))
    assert columns == {"id", "guild_id", "question", "best_topic", "score", "asked_at"}
    assert not any("user" in c or "author" in c or "member" in c for c in columns)


async def test_mentions_are_taken_out_and_long_questions_cut_to_300(db: Database) -> None:
    repo = UnansweredStore(db)
    await repo.set_opt_in(GUILD, True, NOW)
    await repo.record(
        GUILD, "ask <@123456789012345678> and <@!42> or <@&77> about   hips", None, 0.3, NOW
    )
    await repo.record(GUILD, "why " * 200, None, 0.1, NOW + timedelta(minutes=1))

    long, mentioned = await repo.recent(GUILD)
    assert mentioned.question == "ask @someone and @someone or @someone about hips"
    assert "123456789012345678" not in mentioned.question
    assert len(long.question) == 300 and long.question.startswith("why why")


async def test_recent_is_newest_first_and_limited(db: Database) -> None:
    repo = UnansweredStore(db)
    await repo.set_opt_in(GUILD, True, NOW)
    for i in range(5):
        await repo.record(GUILD, f"question {i}", None, 0.1, NOW + timedelta(minutes=i))
    assert [q.question for q in await repo.recent(GUILD, limit=3)] == [
        "question 4",
        "question 3",
        "question 2",
    ]


async def test_entries_older_than_the_retention_period_are_purged(db: Database) -> None:
    repo = UnansweredStore(db)
    await repo.set_opt_in(GUILD, True, NOW)
    await repo.set_opt_in(OTHER_GUILD, True, NOW)
    await repo.record(GUILD, "old", None, 0.1, NOW - timedelta(days=31))
    await repo.record(OTHER_GUILD, "old elsewhere", None, 0.1, NOW - timedelta(days=45))
    await repo.record(GUILD, "just inside", None, 0.1, NOW - timedelta(days=29, hours=23))
    await repo.record(GUILD, "fresh", None, 0.1, NOW)

    assert await repo.purge(NOW, retention_days=30) == 2
    assert [q.question for q in await repo.recent(GUILD)] == ["fresh", "just inside"]
    assert await repo.recent(OTHER_GUILD) == []
    assert await repo.purge(NOW, retention_days=30) == 0
    # A day later the borderline entry goes too.
    assert await repo.purge(NOW + timedelta(days=1), retention_days=30) == 1
    with pytest.raises(ValueError):
        await repo.purge(NOW, retention_days=-1)


async def test_opting_out_stops_keeping_and_deletes_what_was_kept(db: Database) -> None:
    repo = UnansweredStore(db)
    await repo.set_opt_in(GUILD, True, NOW)
    await repo.set_opt_in(OTHER_GUILD, True, NOW)
    await repo.record(GUILD, "one", None, 0.1, NOW)
    await repo.record(GUILD, "two", None, 0.1, NOW)
    await repo.record(OTHER_GUILD, "stays", None, 0.1, NOW)

    assert await repo.set_opt_in(GUILD, False, NOW) == 2
    assert await repo.is_opted_in(GUILD) is False
    assert await repo.recent(GUILD) == []
    assert await repo.record(GUILD, "three", None, 0.1, NOW) is False
    assert [q.question for q in await repo.recent(OTHER_GUILD)] == ["stays"]


async def test_a_question_with_characters_no_database_can_hold_is_kept_without_them(
    db: Database,
) -> None:
    repo = UnansweredStore(db)
    await repo.set_opt_in(GUILD, True, NOW)
    # A NUL (PostgreSQL's text refuses it) and a lone surrogate (a JSON escape can carry one).
    assert await repo.record(GUILD, "what about my zzz\x00 knee?", None, 0.1, NOW) is True
    assert await repo.record(GUILD, "and my hip \ud83d?", None, 0.1, NOW) is True
    assert sorted(q.question for q in await repo.recent(GUILD)) == [
        "and my hip \ufffd?",
        "what about my zzz knee?",
    ]
