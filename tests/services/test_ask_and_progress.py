"""Answers that know where the person is on the ladder, and moving them with the knowledge base's rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.services.container import Services
from bot.settings import Settings
from bot.store.people import PeopleStore

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALICE = 111111111111111111


@pytest.fixture
async def services(database_location):
    settings = replace(Settings.from_env(environ={}, dotenv=None), database=database_location)
    s = await Services.open(settings, clock=lambda: NOW)
    try:
        yield s
    finally:
        await s.close()


async def test_someone_new_is_treated_as_step_one(services):
    reply = await services.ask.ask(ALICE, "how do i do hip thrusts")
    assert reply.topic == "hip-thrust"
    assert "step 1" in reply.body and "Step 4 comes later" in reply.body
    assert await PeopleStore(services.db).get(ALICE) is None  # asking stores nothing


async def test_other_answers_come_from_the_answers_own_candidates(services):
    asked = await services.ask.ask(ALICE, "how do I do the booty flex?")
    ids = tuple(c.topic for c in asked.candidates[:3])
    assert ids and asked.topic not in ids

    others = await services.ask.others(ids + ("a-topic-removed-since", ids[0]))

    assert others.title == "Other answers that might fit"
    assert [a.value for a in others.actions] == list(ids)  # in order, once each, known ones only
    by_question = await services.ask.alternatives(ALICE, "how do I do the booty flex?")
    assert [a.value for a in others.actions] == [a.value for a in by_question.actions]


async def test_moving_up_shows_the_rule_and_records_why(services):
    reply = await services.progress.move_up(ALICE)
    assert reply.step == 2
    assert reply.body.startswith("You're now on **step 2")  # said as done, for it is
    assert reply.fields[0].name == "The rule for moving up"
    assert "easy and pain-free" in reply.fields[0].value.lower()
    history = await PeopleStore(services.db).history(ALICE)
    assert [(h.from_step, h.to_step, h.reason) for h in history] == [(1, 2, "easy and pain-free")]


async def test_whats_next_follows_the_persons_own_step(services):
    await services.progress.set_step(ALICE, 3)
    reply = await services.ask.ask(ALICE, "ok what's next?")
    assert reply.topic == "hip-thrust"


async def test_it_hurts_goes_back_one_step_with_the_rule(services):
    await services.progress.set_step(ALICE, 3)
    reply = await services.progress.go_back(ALICE)
    assert reply.step == 2 and reply.fields[0].name == "The rule for going back"
    person = await PeopleStore(services.db).get(ALICE)
    assert person.step == 2


async def test_it_hurts_at_step_one_gives_flare_up_advice_and_the_warning_signs(services):
    reply = await services.progress.go_back(ALICE)
    assert reply.step == 1
    assert any(f.name == "See a clinician if" for f in reply.fields)
    assert any(a.kind == "start_routine" for a in reply.actions)
    assert (await PeopleStore(services.db).get(ALICE)) is None or (
        await PeopleStore(services.db).get(ALICE)
    ).step == 1


async def test_at_the_top_there_is_no_higher_step(services):
    await services.progress.set_step(ALICE, 4)
    reply = await services.progress.move_up(ALICE)
    assert reply.step == 4 and "last step" in reply.title.lower()


async def test_progress_shows_step_next_step_and_streak(services):
    await services.progress.set_step(ALICE, 2)
    reply = await services.progress.show(ALICE)
    names = [f.name for f in reply.fields]
    assert "What comes next" in names and "Your streak" in names
    assert "step 2" in reply.body and reply.private


async def test_unanswered_questions_are_kept_only_for_servers_that_opted_in(services):
    guild = 42
    await services.ask.ask(ALICE, "what's the best graphics card for gaming", guild_id=guild)
    assert await services.unanswered.recent(guild) == []
    await services.unanswered.set_opt_in(guild, True, NOW)
    await services.ask.ask(ALICE, "what's the best graphics card for gaming", guild_id=guild)
    kept = await services.unanswered.recent(guild)
    assert len(kept) == 1 and "graphics card" in kept[0].question


async def test_thanks_gets_a_welcome_and_nothing_is_kept(services):
    guild = 42
    await services.unanswered.set_opt_in(guild, True, NOW)
    for said, title in (
        ("thanks!", "You're welcome"),
        ("ty, that helped", "You're welcome"),
        ("got it", "Here when you need me"),
        ("👍", "Here when you need me"),
    ):
        reply = await services.ask.ask(ALICE, said, guild_id=guild)
        assert (reply.kind, reply.title, reply.footer) == ("info", title, None), said
    assert await services.unanswered.recent(guild) == []
    assert (await services.ask.ask(ALICE, "hello")).kind == "help"
    assert (await services.ask.ask(ALICE, "thanks, can I still deadlift?")).topic == "deadlifts"
    crisis = await services.ask.ask(ALICE, "thanks. honestly I want to end it all")
    assert crisis.kind == "red_flag"


async def test_urgent_answers_only_a_red_flag_or_a_crisis(services):
    crisis = await services.ask.urgent("I can't take this pain anymore, I want to kill myself")
    assert crisis is not None and crisis.kind == "red_flag" and "988" in crisis.body
    flagged = await services.ask.urgent("my legs have gone numb and i can't feel when i pee")
    assert flagged is not None and flagged.kind == "red_flag"
    assert await services.ask.urgent("can i still deadlift") is None
    assert await services.ask.urgent("what's the best graphics card for gaming") is None


async def test_data_show_and_delete(services):
    await services.progress.set_step(ALICE, 2)
    shown = await services.data.show(ALICE)
    assert "step" in shown.body.lower()
    deleted = await services.data.delete(ALICE)
    assert "Deleted" in deleted.body
    assert await PeopleStore(services.db).get(ALICE) is None
    assert (await services.progress.show(ALICE)).step == 1


async def test_a_failed_knowledge_reload_keeps_the_old_knowledge_base(services, tmp_path):
    import shutil

    broken = tmp_path / "kb"
    shutil.copytree(services.settings.knowledge, broken)
    (broken / "topics" / "why.yaml").write_text("topics: [unclosed\n", encoding="utf-8")
    services.settings = replace(services.settings, knowledge=broken)
    old = services.kb
    problems = await services.reload_knowledge()
    assert problems and "topics/why.yaml" in str(problems[0])
    assert services.kb is old
    assert (await services.ask.ask(ALICE, "can i still deadlift")).topic == "deadlifts"


async def test_a_reload_runs_off_the_event_loop_so_others_keep_being_answered(
    services, monkeypatch
):
    import asyncio
    import threading

    from bot.services import knowledge as holder_module

    answered = threading.Event()
    real = holder_module.load_knowledge

    def slow_load(directory):
        # The reload is still parsing; it finishes only once someone else has been answered meanwhile
        # (on the event loop, the answer could never come while the parse holds it: the wait fails).
        if not answered.wait(timeout=10):
            raise AssertionError("nobody was answered while the knowledge base reloaded")
        return real(directory)

    monkeypatch.setattr(holder_module, "load_knowledge", slow_load)
    reload = asyncio.ensure_future(services.reload_knowledge())
    reply = await services.ask.ask(ALICE, "can i still deadlift")
    answered.set()
    assert reply.topic == "deadlifts"
    assert await asyncio.wait_for(reload, 30) == []


async def test_an_oversized_knowledge_file_is_refused_with_a_clear_reason(services, tmp_path):
    import shutil

    from bot.core.knowledge import loading as knowledge_module

    big = tmp_path / "kb"
    shutil.copytree(services.settings.knowledge, big)
    (big / "topics" / "huge.yaml").write_text(
        "# padding\n" * (knowledge_module.MAX_FILE_BYTES // 10 + 1), encoding="utf-8"
    )
    services.settings = replace(services.settings, knowledge=big)
    old = services.kb
    problems = await services.reload_knowledge()
    assert services.kb is old
    assert any("topics/huge.yaml" in str(p) and "at most" in str(p) for p in problems), problems


async def test_easy_now_offers_the_move_only_from_the_persons_own_step(services):
    own = await services.ask.ask(ALICE, "this is easy now, what's next?")
    as_if = await services.ask.ask_full(ALICE, "this is easy now, what's next?", step=2)

    assert [(a.kind, a.value) for a in own.actions if a.kind == "move_up"] == [("move_up", "1")]
    assert as_if.reply.topic == "hamstring-curl-stability"  # step 3, for someone on step 2
    assert "move_up" not in [a.kind for a in as_if.reply.actions]  # they are not on step 2
    assert await PeopleStore(services.db).get(ALICE) is None  # asking moved nobody


async def test_letters_spaced_out_with_stops_are_read_as_one_word(services):
    # the stops are not where sentences end: "k.m.s" is not three sentences "k", "m" and "s"
    reply = await services.ask.ask(ALICE, "i want to k.m.s")
    assert reply.kind == "red_flag" and "988" in reply.body
    assert await services.ask.urgent("i want to k.m.s") is not None
    # two letters and their stops stay as they were ("a.m.", "e.g.")
    asked = await services.ask.ask(ALICE, "I do the booty flex at 7 a.m. Is that the best time?")
    assert asked.kind != "red_flag"
