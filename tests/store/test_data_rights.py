"""Seeing and deleting everything kept about a person, in every table that has a user_id column."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime, timedelta, timezone

from bot.store.data_rights import delete_person, export_person, summarize
from bot.store.db import Database, format_utc
from bot.store.people import PeopleRepo

NOW = datetime(2025, 3, 1, 7, 30, tzinfo=timezone.utc)
ALICE, BOB = 111_111_111_111_111_111, 222_222_222_222_222_222


async def tables_with_user_id(db: Database) -> list[str]:
    """Straight from sqlite_master, independent of the code under test."""
    rows = await db.fetchall(
        "SELECT m.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p"
        " WHERE m.type = 'table' AND p.name = 'user_id' ORDER BY m.name"
    )
    return [r[0] for r in rows]


async def add_tables_like_a_later_migration(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "CREATE TABLE later_notes (id INTEGER PRIMARY KEY,"
            " user_id INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE, note TEXT NOT NULL)"
        )
        # No cascade: deleting the person must still work, by emptying this table first.
        await conn.execute(
            "CREATE TABLE later_strict (id INTEGER PRIMARY KEY,"
            " user_id INTEGER NOT NULL REFERENCES people (user_id), note_id INTEGER REFERENCES later_notes (id),"
            " blob BLOB)"
        )
        # No foreign key at all: found by its column name alone.
        await conn.execute("CREATE TABLE later_loose (user_id INTEGER NOT NULL, seen_at TEXT NOT NULL)")


async def fill_row(db: Database, table: str, user_id: int) -> bool:
    """Insert one plausible row about ``user_id`` into ``table``; False if its constraints say no.

    Lets the test cover tables other migrations add without knowing their columns.
    """
    columns = await db.fetchall(f'PRAGMA table_info("{table}")')
    schema = (await db.fetchone("SELECT sql FROM sqlite_master WHERE name = ?", (table,)))[0]
    foreign = {r["from"]: (r["table"], r["to"]) for r in await db.fetchall(f'PRAGMA foreign_key_list("{table}")')}
    values: dict[str, object] = {"user_id": user_id}
    for col in columns:
        name, kind = col["name"], (col["type"] or "").upper()
        if name in values or col["pk"] == 1 and "INT" in kind or col["dflt_value"] is not None:
            continue
        if name in foreign:
            ref_table, ref_col = foreign[name]
            ref_cols = {r["name"] for r in await db.fetchall(f'PRAGMA table_info("{ref_table}")')}
            mine = "WHERE user_id = ?" if "user_id" in ref_cols else ""
            ref = await db.fetchone(
                f'SELECT "{ref_col or "rowid"}" FROM "{ref_table}" {mine} ORDER BY rowid DESC LIMIT 1',
                (user_id,) if mine else (),
            )
            if ref is None:
                return False
            values[name] = ref[0]
        elif not col["notnull"]:
            continue
        elif allowed := re.search(rf"CHECK\s*\(\s*\"?{name}\"?\s+IN\s*\(\s*'([^']*)'", schema, re.I):
            values[name] = allowed.group(1)
        elif "INT" in kind:
            values[name] = 1
        elif "REAL" in kind or "FLOA" in kind:
            values[name] = 1.0
        else:
            values[name] = format_utc(NOW)
    names = ", ".join(f'"{n}"' for n in values)
    marks = ", ".join("?" for _ in values)
    try:
        async with db.transaction() as conn:
            await conn.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', tuple(values.values()))
    except sqlite3.IntegrityError:
        return False
    return True


async def fill_everything(db: Database) -> set[str]:
    """Two people with rows in as many person tables as possible; returns the tables filled."""
    people = PeopleRepo(db)
    for user in (ALICE, BOB):
        await people.set_step(user, 2, "booty flex easy", NOW)
        await people.set_step(user, 3, "stretch keeps the glutes on", NOW + timedelta(days=4))
        await people.set_timezone(user, "Europe/Berlin", NOW)
    filled = {"people", "step_history"}
    for table in await tables_with_user_id(db):
        if table in filled:
            continue
        if all([await fill_row(db, table, ALICE), await fill_row(db, table, BOB)]):
            filled.add(table)
    return filled


async def count(db: Database, table: str, user_id: int) -> int:
    row = await db.fetchone(f'SELECT COUNT(*) FROM "{table}" WHERE user_id = ?', (user_id,))
    return row[0]


async def test_export_covers_every_table_with_a_user_id_column(db: Database) -> None:
    await add_tables_like_a_later_migration(db)
    filled = await fill_everything(db)
    assert {"later_notes", "later_strict", "later_loose"} <= filled

    export = await export_person(db, ALICE)

    assert sorted(export) == await tables_with_user_id(db)
    for table in filled:
        assert len(export[table]) == await count(db, table, ALICE) > 0, table
    for rows in export.values():
        assert all(row["user_id"] == ALICE for row in rows)
    assert export["people"][0]["step"] == 3 and export["people"][0]["timezone"] == "Europe/Berlin"
    assert [(h["from_step"], h["to_step"], h["reason"]) for h in export["step_history"]] == [
        (1, 2, "booty flex easy"),
        (2, 3, "stretch keeps the glutes on"),
    ]
    # What the person gets must be writable as JSON as it is.
    assert json.loads(json.dumps(export)) == export


async def test_export_of_a_stranger_is_empty(db: Database) -> None:
    await PeopleRepo(db).set_step(ALICE, 2, "up", NOW)
    export = await export_person(db, BOB)
    assert set(export) == set(await tables_with_user_id(db))
    assert all(rows == [] for rows in export.values())


async def test_delete_person_removes_them_from_every_table_and_keeps_everyone_else(db: Database) -> None:
    await add_tables_like_a_later_migration(db)
    filled = await fill_everything(db)
    before_alice = {t: await count(db, t, ALICE) for t in await tables_with_user_id(db)}
    before_bob = {t: await count(db, t, BOB) for t in await tables_with_user_id(db)}

    counts = await delete_person(db, ALICE)

    assert counts == before_alice
    assert counts["step_history"] == 2 and counts["people"] == 1
    for table in await tables_with_user_id(db):
        assert await count(db, table, ALICE) == 0, f"{table} still holds rows about the deleted person"
        assert await count(db, table, BOB) == before_bob[table], f"{table} lost another person's rows"
    assert all(before_bob[t] > 0 for t in filled)
    assert await PeopleRepo(db).get(ALICE) is None
    # Deleting again finds nothing, and the person can start afresh.
    assert set((await delete_person(db, ALICE)).values()) == {0}
    assert (await PeopleRepo(db).ensure(ALICE, NOW)).step == 1


async def test_summary_reads_plainly(db: Database) -> None:
    await add_tables_like_a_later_migration(db)
    await fill_everything(db)
    text = summarize(await export_person(db, ALICE))
    assert "step 3 of 4" in text
    assert "Europe/Berlin" in text
    assert "2 step changes" in text and "from step 2 to step 3" in text
    assert "stretch keeps the glutes on" in text
    assert "1 record in later loose" in text
    assert "/mydata" not in text and "lowback mydata" not in text  # front-end neutral: each says how to delete
    assert str(ALICE) not in text


def test_summary_of_nothing_says_so() -> None:
    assert summarize({}) == summarize({"people": [], "step_history": []}) == "lowback-bot keeps nothing about you."


def test_summary_fits_in_one_discord_message() -> None:
    export = {
        "people": [{"user_id": 1, "step": 1, "timezone": None, "created_at": format_utc(NOW)}],
        "step_history": [
            {"user_id": 1, "from_step": 2, "to_step": 1, "reason": "x" * 5000, "at": format_utc(NOW)}
        ] * 300,
        **{f"table_{i}": [{"user_id": 1}] * 3 for i in range(20)},
    }
    text = summarize(export)
    assert len(text) <= 2000
    assert "Time zone: not set" in text and "300 step changes" in text
