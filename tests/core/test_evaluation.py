"""``lowback eval``'s figures: Wilson intervals, per-outcome and per-kind recall, false red flags.

A stand-in matcher answers each question as the test says, so each figure is checked against
counts worked out by hand, whatever the real matcher does today.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.core.evaluation import EvalFileError, evaluate, parse_items, wilson
from bot.core.match_result import MatchResult
from bot.core.safety import RedFlag

TOPICS = ("booty-flex", "deadlifts")


class ScriptedMatcher:
    """Answers each question with the result the test gave for it."""

    def __init__(self, kb, results: dict[str, MatchResult]):
        self.kb = SimpleNamespace(topics={t: kb.topics[t] for t in TOPICS})
        self.results = results

    def match(self, question: str) -> MatchResult:
        return self.results[question]


def flagged(kb, kind: str = "saddle_numbness") -> MatchResult:
    group = next(g for g in kb.safety.groups if g.urgency == "emergency")
    return MatchResult("red_flag", None, 1.0, red_flag=RedFlag(group, "words", kind))


def topic(name: str) -> MatchResult:
    return MatchResult("answer", name, 0.9)


NOTHING = MatchResult("no_match", None, 0.1, words=("x",))


def run(kb, rows: list[tuple[dict, MatchResult]]):
    items = parse_items([item for item, _ in rows], "test.yaml")
    matcher = ScriptedMatcher(kb, {item["q"]: result for item, result in rows})
    return evaluate(matcher, items)


# -- the Wilson interval ----------------------------------------------------------------------------


def test_no_questions_promise_nothing():
    assert wilson(0, 0) == (0.0, 1.0)


def test_all_passed_reaches_one_but_its_lower_end_rises_with_the_count():
    lows = [wilson(n, n)[0] for n in (5, 50, 500)]
    assert [wilson(n, n)[1] for n in (5, 50, 500)] == pytest.approx([1.0, 1.0, 1.0])
    assert lows == sorted(lows) and lows[0] < 0.6 < lows[1] < 0.95 < lows[2] < 1.0


def test_none_passed_starts_at_zero_and_is_not_sure_of_it():
    low, high = wilson(0, 20)
    assert low == 0.0 and 0.1 < high < 0.2


def test_forty_nine_of_fifty_cannot_promise_ninety_eight_percent():
    low, high = wilson(49, 50)
    assert low == pytest.approx(0.895, abs=0.001) and high == pytest.approx(0.996, abs=0.001)


# -- counting ---------------------------------------------------------------------------------------


def test_per_kind_recall_counts_a_missed_red_flag(kb):
    report = run(
        kb,
        [
            ({"q": "groin numb", "expect": "red_flag", "kind": "saddle_numbness"}, flagged(kb)),
            ({"q": "groin tingly", "expect": "red_flag", "kind": "saddle_numbness"}, NOTHING),
            ({"q": "fell off a ladder", "expect": "red_flag", "kind": "trauma"}, flagged(kb)),
        ],
    )

    assert report.by_kind == {"saddle_numbness": [2, 1], "trauma": [1, 1]}
    assert report.emergency() == (2, 1), "trauma is not one of the kinds that cannot wait"
    assert report.by["red_flag"] == [3, 2]
    assert report.misses == [{"q": "groin tingly", "expect": ["red_flag"], "got": "no_match"}]
    table = report.table()
    assert "saddle_numbness *" in table and "50.0%" in table
    assert "MISS  expected red_flag; got no_match" in table


def test_a_false_red_flag_is_counted_against_the_questions_that_were_not_red_flags(kb):
    report = run(
        kb,
        [
            ({"q": "how do i do the booty flex", "expect": "booty-flex"}, flagged(kb)),
            ({"q": "can i deadlift", "expect": "deadlifts"}, topic("deadlifts")),
            ({"q": "ice or heat", "expect": "no_match"}, NOTHING),
            ({"q": "groin numb", "expect": "red_flag"}, flagged(kb)),
        ],
    )

    assert (report.false_red_flags, report.not_red_flags) == (1, 3)
    assert report.by == {"topics": [2, 1], "red_flag": [1, 1], "no_match": [1, 1]}
    assert (report.passed, report.total) == (3, 4)
    assert "not red flags: 1 of 3 (33.3%" in report.table()
    assert report.misses[0]["got"] == "red_flag"


def test_the_learned_net_is_credited_for_its_catches_and_charged_for_its_false_alarms(kb):
    report = run(
        kb,
        [
            ({"q": "saddle feels odd", "expect": "red_flag"}, flagged(kb, "net:emergency")),
            ({"q": "groin numb", "expect": "red_flag"}, flagged(kb)),
            ({"q": "booty flex", "expect": "booty-flex"}, flagged(kb, "net:soon")),
        ],
    )

    assert (report.caught_by_net, report.false_by_net) == (1, 1)
    assert (
        "by the second net (meaning and spelling, not rules): 1 red flags caught, 1 false alarms"
        in (report.table())
    )


def test_a_question_may_accept_several_topics_or_an_outcome(kb):
    report = run(
        kb,
        [
            ({"q": "deadlift or flex", "expect": ["booty-flex", "deadlifts"]}, topic("deadlifts")),
            ({"q": "maybe nothing", "expect": ["deadlifts", "no_match"]}, NOTHING),
            ({"q": "wrong topic", "expect": "booty-flex"}, topic("deadlifts")),
        ],
    )

    assert (report.passed, report.total) == (2, 3)
    assert report.misses == [
        {"q": "wrong topic", "expect": ["booty-flex"], "got": "answer:deadlifts"}
    ]


def test_the_json_report_carries_each_interval(kb):
    report = run(kb, [({"q": "can i deadlift", "expect": "deadlifts"}, topic("deadlifts"))])
    data = report.as_json()

    assert data["topics"] == {"total": 1, "passed": 1, "interval": [0.2065, 1.0]}
    assert data["red_flag"]["interval"] == [0.0, 1.0], "no red-flag questions: nothing known"
    assert data["accuracy"] == 1.0


# -- the question file ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ([], "expected a non-empty YAML list"),
        ([{"q": "hi", "expect": "help", "colour": "red"}], "item 1: unknown key(s) colour"),
        ([{"q": "ok", "expect": "help"}, {"q": " ", "expect": "help"}], "item 2: q must be"),
        ([{"q": "hi", "expect": []}], "expect must be a topic id"),
        ([{"q": "hi", "expect": "deadlifts", "kind": "trauma"}], "only for red_flag questions"),
    ],
)
def test_a_broken_question_file_names_the_item_and_the_problem(data, says):
    with pytest.raises(EvalFileError, match=r"^test\.yaml: ") as error:
        parse_items(data, "test.yaml")
    assert says in str(error.value)


def test_an_unknown_topic_id_is_named_with_its_question(kb):
    items = parse_items([{"q": "how do i plank", "expect": "plank"}], "test.yaml")

    with pytest.raises(
        EvalFileError, match=r"item 1 \('how do i plank'\): unknown topic id\(s\) plank"
    ):
        evaluate(ScriptedMatcher(kb, {}), items)
