"""Every reply the bot can send, built from the bundled knowledge base and rendered as Discord gets
it, fits Discord's limits whole. Discord refuses a message over any limit outright (HTTP 400: the
person gets nothing), so ``bot.discord_ui.render`` cuts what is too long; these tests make sure
nothing the bot says needs cutting, so an edit of the knowledge base that makes any reply too long
fails here, naming the reply, instead of reaching people cut short."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core import compose
from bot.core.knowledge.model import KnowledgeBase
from bot.core.match_result import Candidate as Scored
from bot.core.match_result import MatchResult
from bot.core.replies import Candidate, Field, Reply
from bot.core.safety import RedFlag
from bot.core.streaks import Streaks
from bot.discord_ui.render import (
    BUTTON_LABEL_LIMIT,
    CONTENT_LIMIT,
    actions_for,
    description_of,
    render_embed,
    render_text,
    reply_view,
)
from bot.exts import mydata
from bot.exts.reminders.sender import reminder_reply
from bot.exts.routine import replies as routine
from bot.services import messages
from bot.services.reminders import messages as reminders
from bot.services.reminders.holding import REMINDERS_HELD
from bot.services.reminders.schedule import PastReminder, ScheduleView
from bot.store.data_rights import PERSON_TABLE

LONGEST_ZONE = "America/Argentina/ComodRivadavia"
LONGEST_ID = 2**64 - 1  # a Discord user id of the most digits
STREAKS = Streaks(
    current=999, longest=9999, week=(True,) * 7, today=date(2026, 12, 5), done_today=True
)
ZONE_NOTE = (
    f"I no longer know your time zone '{LONGEST_ZONE}'; days and times are in UTC until you set "
    "it again with `/progress show timezone:`."
)
# What Discord may answer to a failed send: an error page, which ends up as the reason a reminder
# was not sent.
ERROR_PAGE = "HTTP 503 (0): <html><head><title>503 Service Unavailable</title></head>" + (
    "<body><center><h1>503 Service Unavailable</h1></center>\n" * 40
)


def _answers(kb: KnowledgeBase) -> Iterator[tuple[str, Reply]]:
    """Every topic for a person on every step, known or not, asked plainly, with other answers in
    mind, and as "it's easy now" or "it hurts" from every step."""
    topics = list(kb.topics.values())
    for topic in topics:
        others = tuple(Scored(t.id, 0.5) for t in topics if t.id != topic.id)[:4]
        for step, known in itertools.product(range(1, kb.max_step + 1), (True, False)):
            name = f"{topic.id} for step {step} (known={known})"
            yield name, compose.topic_reply(kb, topic, person_step=step, known_person=known)
            for intent, from_step in itertools.product(
                (None, "move_up", "go_back"), range(1, kb.max_step + 1)
            ):
                match = MatchResult(
                    "answer", topic.id, 0.9, others, intent=intent, from_step=from_step
                )
                yield (
                    f"{name} {intent} from {from_step}",
                    compose.topic_reply(
                        kb, topic, person_step=step, known_person=known, match=match
                    ),
                )


def _red_flags(kb: KnowledgeBase) -> Iterator[tuple[str, Reply]]:
    """Every red-flag group, with its reminders held, and every group with every other as ``also``
    (a crisis with a body that needs care too)."""
    held = Field("Your reminders", REMINDERS_HELD.format(until="Wed 30 Dec, 23:59 -03"))
    for group, also in itertools.product(kb.safety.groups, (None, *kb.safety.groups)):
        flag = RedFlag(group, "", also=also)
        reply = compose.red_flag_reply(kb, MatchResult("red_flag", None, 1.0, red_flag=flag))
        yield f"red flag {group.id} also {also and also.id}", reply
        yield (
            f"red flag {group.id} also {also and also.id}, held",
            replace(reply, fields=(*reply.fields, held)),
        )


def _choices(kb: KnowledgeBase) -> Iterator[tuple[str, Reply]]:
    """Which-did-you-mean and "Not what I asked" for every two or three topics, and every no."""
    for size in (2, 3):
        for ids in itertools.combinations(kb.topics, size):
            match = MatchResult("clarify", ids[0], 0.5, tuple(Scored(i, 0.5) for i in ids))
            yield f"clarify {ids}", compose.clarify_reply(kb, match)
            others = tuple(Candidate(i, kb.topics[i].title, 0.5) for i in ids)
            yield f"others {ids}", messages.alternatives_reply(kb, others)
    yield "nothing else", messages.alternatives_reply(kb, ())
    some = tuple(Scored(i, 0.3) for i in kb.topics)[:3]
    yield (
        "no match",
        compose.no_match_reply(kb, MatchResult("no_match", None, 0.1, some, words=("x",))),
    )
    for gap in kb.gaps.values():
        match = MatchResult("no_match", None, 0.1, gap=gap, words=("x",))
        yield f"uncovered {gap.subject}", compose.no_match_reply(kb, match)
    yield "empty", compose.empty_reply(kb)
    yield "thanks", compose.acknowledged_reply("thanks")
    yield "acknowledged", compose.acknowledged_reply("ok")


def _progress(kb: KnowledgeBase) -> Iterator[tuple[str, Reply]]:
    for step in range(1, kb.max_step + 1):
        for known in (True, False):
            reply = messages.progress_reply(
                kb, step, known=known, streak=STREAKS, zone_note=ZONE_NOTE
            )
            first = messages.zone_set_line(LONGEST_ZONE)
            yield f"progress {step} known={known}", replace(reply, body=f"{first}\n\n{reply.body}")
        for shown in range(1, kb.max_step + 1):
            yield f"step changed {step}/{shown}", messages.step_changed_reply(kb, step, shown)
        yield f"set {step}", messages.step_set_reply(kb, step)
        if step > 1:
            yield f"up to {step}", messages.moved_up_reply(kb, step)
        if step < kb.max_step:
            yield f"back to {step}", messages.moved_back_reply(kb, step)
    yield "last step", messages.last_step_reply(kb, kb.max_step)
    yield "pain at step 1", messages.pain_at_step_one_reply(kb)


def _data() -> Iterator[tuple[str, Reply]]:
    history = [
        {"reason": "x" * 500, "at": "2026-01-01T00:00:00+00:00", "from_step": 3, "to_step": 4}
    ]
    export = {
        PERSON_TABLE: [{"step": 4, "timezone": LONGEST_ZONE, "created_at": "2026-01-01T00:00:00Z"}],
        "step_history": history * 999,
        **{f"table_{n}_with_a_rather_long_name_indeed": [{}] * 99999 for n in range(12)},
    }
    shown = messages.data_reply(messages.data_summary(export))
    yield (
        "mydata",
        replace(
            shown,
            body=f"{shown.body}\n{mydata.DELETE_HINT}",
            footer=f"{shown.footer} {mydata.PRIVACY_HINT}",
        ),
    )
    yield "deleted", messages.deleted_reply(10**9, routine_stopped=True)


def _reminders(kb: KnowledgeBase) -> Iterator[tuple[str, Reply]]:
    """A reminder for every step; the schedule in every state with every hour set, a long zone
    and a history of failures whose reasons are whole error pages."""
    for step in range(1, kb.max_step + 1):
        plan = kb.routines.daily_for_step(step)
        body = (
            f"Time for your evening routine: **{plan.name}** (about 999 min).\n{plan.description}"
        )
        message = reminders.ReminderMessage("Your evening routine", body, "daily", "k", LONGEST_ID)
        yield f"reminder for step {step}", reminder_reply(message)
    now = datetime(2026, 12, 5, 12, tzinfo=ZoneInfo(LONGEST_ZONE))
    statuses = ("failed", "pending", "claimed", "skipped", "failed", "claimed")
    recent = tuple(
        PastReminder(now - timedelta(hours=h), status, ERROR_PAGE)
        for h, status in enumerate(statuses)
    )
    for status in ("on", "paused", "off", "closed"):
        view = ScheduleView(
            LONGEST_ID, status, LONGEST_ZONE, tuple(time(h, 59) for h in range(24)), frozenset({0, 2}),
            now + timedelta(days=3), "k", True, now + timedelta(days=30), now, ERROR_PAGE, now, recent,
        )  # fmt: skip
        yield (
            f"schedule {status}",
            Reply("info", "Your reminders", reminders.describe_schedule(view)),
        )


def _routines(kb: KnowledgeBase) -> Iterator[tuple[str, Reply]]:
    """Every phase of every routine, and of every step's daily routine, in every state."""
    plans = [*kb.routines.routines.values()]
    plans += [kb.routines.daily_for_step(step) for step in range(1, kb.max_step + 1)]
    owner = "x" * 32  # the longest Discord display name
    for plan in plans:
        for i in range(len(plan.phases)):
            yield f"{plan.id} {i}", routine.running_reply(plan, i, 2_000_000_000, owner)
            yield f"{plan.id} {i} paused", routine.paused_reply(plan, i, timedelta(hours=9), owner)
            for end in (routine.stopped_reply, routine.unreachable_reply, routine.cut_short_reply):
                yield f"{plan.id} {i} {end.__name__}", end(plan, i)
            yield f"{plan.id} {i} deleted", routine.data_deleted_reply(plan, i)
            yield f"{plan.id} {i} private", routine.unreachable_reply(plan, i, private=True)
            yield f"{plan.id} {i} no embeds", routine.unreachable_reply(plan, i, no_embeds=True)
        yield f"{plan.id} done", routine.finished_reply(plan, STREAKS, ZONE_NOTE)
        yield f"{plan.id} moved", routine.moved_reply(plan)
        yield f"{plan.id} moved private", routine.moved_reply(plan, private=True)
        yield f"{plan.id} moved no embeds", routine.moved_reply(plan, no_embeds=True)
        for why in ("deleted", "forbidden"):
            yield f"{plan.id} unseen {why}", routine.unseen_reply(plan, why)


def every_reply(kb: KnowledgeBase) -> list[tuple[str, Reply]]:
    return [
        *_answers(kb),
        *_red_flags(kb),
        *_choices(kb),
        *_progress(kb),
        *_data(),
        *_reminders(kb),
        *_routines(kb),
    ]


@pytest.fixture(scope="module")
def replies(kb: KnowledgeBase) -> list[tuple[str, Reply]]:
    return every_reply(kb)


def test_every_reply_fits_an_embed_whole(replies: list[tuple[str, Reply]]) -> None:
    too_long = {
        name: problems
        for name, reply in replies
        if (problems := reply.limit_problems())
        or (problems := [] if len(description_of(reply)) <= 4096 else ["description with hints"])
    }
    assert len(replies) > 5000
    assert not too_long


def test_every_rendered_embed_and_its_buttons_are_within_discords_limits(
    replies: list[tuple[str, Reply]],
) -> None:
    for name, reply in replies:
        embed = render_embed(reply)
        data = embed.to_dict()
        assert len(data.get("title", "")) <= 256, name
        assert len(data.get("description", "")) <= 4096, name
        assert len(data.get("fields", [])) <= 25, name
        for field in data.get("fields", []):
            assert 0 < len(field["name"]) <= 256 and 0 < len(field["value"]) <= 1024, name
        assert len(data.get("footer", {}).get("text", "")) <= 2048, name
        assert len(embed) <= 6000, name
        assert len(render_text(reply)) <= CONTENT_LIMIT, name
        view = reply_view(reply, owner_id=LONGEST_ID, private=True)
        buttons = [item.item for item in view.children] if view else []  # type: ignore[attr-defined]
        assert len(buttons) == len(actions_for(reply)) <= 25, f"{name}: a button was dropped"
        for button in buttons:
            assert 0 < len(button.label) <= BUTTON_LABEL_LIMIT, name
            assert len(button.custom_id) <= 100, name


def test_no_reply_says_it_is_not_medical_advice_twice(replies: list[tuple[str, Reply]]) -> None:
    def said(reply: Reply) -> str:
        parts = [reply.body, *(f.value for f in reply.fields), reply.footer or ""]
        return "\n".join(parts).lower()

    assert [name for name, reply in replies if said(reply).count("not medical advice") > 1] == []


def test_a_reminder_that_failed_with_an_error_page_is_listed_in_a_short_line() -> None:
    now = datetime(2026, 12, 5, 12, tzinfo=UTC)
    line = reminders.describe_past(PastReminder(now, "failed", ERROR_PAGE))

    assert "\n" not in line and len(line) < 200
    assert line.startswith("Sat 5 Dec, 12:00 UTC: not sent, HTTP 503 (0)") and line.endswith("…")
