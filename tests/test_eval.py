"""The knowledge base must keep answering the labelled question sets it was tuned on.

A knowledge or matcher edit that breaks matching fails here. The floors sit a little under today's
figures (`lowback eval knowledge/eval.yaml`, `lowback eval knowledge/eval/real-dev.yaml`), so they
catch a real regression, not noise. The held-out `real-test.yaml` is deliberately not a test: it is
reported, never tuned to.
"""

from __future__ import annotations

import functools

import pytest
import yaml

from bot.core.evaluation import EMERGENCY_KINDS, Report, evaluate, parse_items, passes
from bot.core.knowledge.loading import load_knowledge
from bot.core.matching import Matcher
from bot.settings import DEFAULT_KNOWLEDGE
from tests.dressings import CHATTER

SETS = {
    # file: (floors per outcome, most false red flags as a share of the other questions)
    "eval.yaml": ({"topics": 0.92, "red_flag": 0.97, "no_match": 0.97}, 0.011),
    # The matcher's labelled examples come from this part, so its topic figure is partly recall of
    # them; scripts/train_topic_examples.py prints the five-fold figure by site (79 %). The part
    # grew with headline-heavy questions and dramatic stories of ordinary strains, so the floors sit
    # under today's 83.8 % topics and 96.9 % red flags. The no_match floor is lower since the part
    # holds back and gym questions the sources do not cover and stories of despair that are not a
    # crisis, the hardest kinds to decline (80.7 % today). False red flags are 4.0 % today (49 of
    # 1,229), over the 3 % ceiling: the screen is tuned to miss as few red flags as it can,
    # and this ceiling keeps that from growing unnoticed. (A second careful labeller, scored against
    # these labels, raised 3.8 %: scripts/label_agreement.py.)
    "eval/real-dev.yaml": ({"topics": 0.82, "red_flag": 0.96, "no_match": 0.77}, 0.04),
}


# One process runs this file's tests (pytest-xdist), so each set is read and answered once.
pytestmark = pytest.mark.xdist_group("labelled-sets")


@functools.cache
def _items(name):
    return parse_items(yaml.safe_load((DEFAULT_KNOWLEDGE / name).read_text(encoding="utf-8")), name)


_reports: dict[str, Report] = {}


def _report(matcher, name) -> Report:
    """The bundled matcher's report on one set (the session's matcher never changes)."""
    if name not in _reports:
        _reports[name] = evaluate(matcher, _items(name))
    return _reports[name]


@pytest.mark.parametrize("name", sorted(SETS))
def test_question_set_meets_its_floors(matcher, name):
    floors, max_false = SETS[name]
    assert len(_items(name)) >= 150
    report = _report(matcher, name)
    misses = "\n".join(f"{m['expect']} <- {m['got']}: {m['q'][:90]}" for m in report.misses)
    for key, floor in floors.items():
        assert report.share(key) >= floor, (
            f"{key} accuracy {report.share(key):.1%} is under {floor:.0%}\n{misses}"
        )
    assert report.false_red_flags <= max_false * report.not_red_flags


def test_red_flags_that_cannot_wait_are_caught_on_the_development_part(matcher):
    report = _report(matcher, "eval/real-dev.yaml")
    total, caught = report.emergency()
    assert total >= 100
    assert caught >= 0.98 * total, {k: v for k, v in report.by_kind.items() if k in EMERGENCY_KINDS}


def test_crisis_and_emergency_messages_in_many_voices_are_caught(matcher):
    """The written crisis part: self-harm and despair from blunt to oblique (a plan, the means put
    by, goodbyes, someone else's words), emergencies buried in long posts, and the same words used
    in gym talk, from five writers. A tuning part, so its floors sit under today's (405/410
    crisis, 179/180 emergencies, 40 false alarms of 295)."""
    report = _report(matcher, "eval/written-crisis.yaml")
    total, caught = report.by_kind["crisis"]
    assert total >= 400 and caught >= 0.97 * total
    total, caught = report.emergency()
    assert caught >= 0.95 * total
    assert report.false_red_flags <= 0.15 * report.not_red_flags


def test_red_flags_that_need_a_doctor_soon_are_caught_in_many_voices(matcher):
    """The written soon part: night pain, falls, age, cancer, fever, weight loss, steroids, failing
    legs and the organs, each told casually or buried in a long post, and the same words in
    healed falls, a relative's cancer, weight lost on purpose and a teenager fine the next day. A
    tuning part: floors under today's (148 of 150, 6 false alarms of 90)."""
    report = _report(matcher, "eval/written-soon.yaml")
    assert report.by["red_flag"][0] >= 140
    assert report.share("red_flag") >= 0.95
    assert report.false_red_flags <= 0.1 * report.not_red_flags


def test_dramatic_stories_of_ordinary_strains_mostly_get_no_alarm(matcher):
    """The written stories part: collapses, A&E visits that ended in "a muscle strain", nights
    after a strain, hyperbole and denials, and the same stories with one red-flag clause. A tuning
    part where the screen still raises too many alarms (27 of 110 today, 35 before it was read);
    this floor keeps that from growing while every hidden red flag stays caught."""
    report = _report(matcher, "eval/written-stories.yaml")
    assert report.share("red_flag") >= 0.93
    assert report.false_red_flags <= 0.27 * report.not_red_flags


def test_the_second_net_adds_catches_the_rules_miss_without_many_false_alarms(matcher):
    report = _report(matcher, "eval/real-dev.yaml")
    assert report.caught_by_net >= 3
    assert report.false_by_net <= 0.015 * report.not_red_flags


def _topic_share(name, **matcher_options):
    kb = load_knowledge(DEFAULT_KNOWLEDGE)
    items = [i for i in _items(name) if i.category == "topics"]
    return evaluate(Matcher(kb, **matcher_options), items).share("topics")


def test_meaning_adds_to_words_on_real_questions():
    # The static embedding model must earn its place: real questions answered with it and without
    # (the labelled questions' votes left out, since they come from this very set).
    with_model = _topic_share("eval/real-dev.yaml", examples=None)
    words_only = _topic_share("eval/real-dev.yaml", embedder=None)
    assert with_model > words_only + 0.02, (with_model, words_only)


def test_labelled_questions_help_on_a_set_they_never_saw():
    # The votes come from the real development questions; knowledge/eval.yaml is not among them.
    with_votes = _topic_share("eval.yaml")
    without = _topic_share("eval.yaml", examples=None)
    assert with_votes > without + 0.01, (with_votes, without)


def test_chatter_around_a_curated_question_keeps_its_answer(matcher):
    """A greeting before a question, or thanks, "pls help" or "lol" after it, or "long time
    lurker, first post", change nothing a person asked: every question of knowledge/eval.yaml the bot answers right keeps its answer."""
    changed = []
    for item in _items("eval.yaml"):
        plain = matcher.match(item.q)
        if not passes(item, plain):
            continue
        for dress in CHATTER:
            dressed = matcher.match(dress(item.q))
            if dressed.kind != plain.kind or (
                plain.kind != "no_match" and dressed.topic != plain.topic
            ):
                changed.append(
                    (dress(item.q), plain.kind, plain.topic, dressed.kind, dressed.topic)
                )
    assert not changed, changed
