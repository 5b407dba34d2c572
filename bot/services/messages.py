"""What the services say, worded once: the bot's replies for asking, progress and a person's data.

The services decide (which step, what was stored, what was deleted) and call these to word it;
the reminders' wording is in :mod:`bot.services.reminders.messages`. Each front end adds only how
to do things (its buttons or commands).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.replies import Field, Reply
from bot.store.data_rights import PERSON_TABLE
from bot.store.db import parse_utc

# -- a person's data ----------------------------------------------------------------------------

# Friendly names for the tables we know; any other table is named after itself.
_TABLE_NAMES: dict[str, tuple[str, str]] = {
    "step_history": ("step change", "step changes"),
    "reminder_schedules": ("reminder schedule", "reminder schedules"),
    "reminder_deliveries": ("reminder delivery record", "reminder delivery records"),
    "reminder_snoozes": ("snoozed reminder", "snoozed reminders"),
    "pending_notices": ("note waiting to be shown to you", "notes waiting to be shown to you"),
    "routine_sessions": ("routine session", "routine sessions"),
}


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _day(text: object) -> str:
    try:
        return parse_utc(str(text)).strftime("%d %b %Y")
    except ValueError:
        return str(text)


def _table_label(table: str) -> tuple[str, str]:
    if table in _TABLE_NAMES:
        return _TABLE_NAMES[table]
    words = table.replace("_", " ")
    return (f"record in {words}", f"records in {words}")


def data_summary(export: dict[str, list[dict]]) -> str:
    """A short plain-English account of an export, for the terminal and for Discord."""
    if not any(export.values()):
        return "lowback-bot keeps nothing about you."
    lines = ["Here is what lowback-bot keeps about you:"]
    people = export.get(PERSON_TABLE) or []
    if people:
        person = people[0]
        tz = person.get("timezone") or "not set"
        lines.append(
            f"- You are on step {person.get('step')} of 4. Time zone: {tz}. "
            f"First seen {_day(person.get('created_at'))}."
        )
    history = export.get("step_history") or []
    if history:
        last = history[-1]
        reason = str(last.get("reason") or "").strip()
        because = f' ("{reason[:120]}")' if reason else ""
        lines.append(
            f"- {_plural(len(history), 'step change', 'step changes')}; the latest on {_day(last.get('at'))}, "
            f"from step {last.get('from_step')} to step {last.get('to_step')}{because}."
        )
    for table in _other_tables(export):
        rows = export[table]
        if rows:
            one, many = _table_label(table)
            lines.append(f"- {_plural(len(rows), one, many)}.")
    lines.append(
        "Nothing you typed is kept with your user id."
    )  # how to delete it is each front end's to say
    return "\n".join(lines)


def _other_tables(export: dict[str, list[dict]]) -> Iterable[str]:
    return sorted(t for t in export if t not in (PERSON_TABLE, "step_history"))


def data_reply(summary: str) -> Reply:
    """Everything stored about a person (``summary``: :func:`data_summary`)."""
    return Reply(
        "info",
        "What I store about you",
        summary[:4000],
        (
            Field(
                "Delete it",
                "Use the delete option to remove all of it at once. Nothing is kept afterwards.",
            ),
        ),
        footer="No message text is stored. See PRIVACY.md for details.",
        private=True,
    )


def deleted_reply(total: int) -> Reply:
    """What a person is told after ``total`` records about them were deleted."""
    body = (
        f"Deleted {total} record(s) about you. I no longer know your step, schedule or routines; "
        "if you use me again, you start fresh at step 1."
        if total
        else "I had nothing stored about you."
    )
    return Reply("info", "Your data is deleted", body, private=True)
