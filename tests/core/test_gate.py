"""Gated expressions must find exactly what the plain expression finds: a gate only saves time."""

from __future__ import annotations

import random
import re

import pytest
import yaml

from bot.core.gate import Gated, Literals, leading_literals, required_literals, scan_source
from bot.core.knowledge.loading import load_knowledge
from bot.settings import DEFAULT_KNOWLEDGE


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        (r"numb\w*", {"numb"}),
        (r"(fell|fallen|falling) (\w+ )?(down|over)", {"fell", "fallen", "falling"}),
        (r"abc\w*|xyz", None),  # an alternative at the top level: no one literal is needed
        # ...nor inside a group the expression opens with: it may start with either branch
        (r"(?:(diagnosis|verdict) was|turned out)(?!.{0,9}but)", None),
        (r"\b(?:(abc|def) x|ghi)", None),
        (r"(\w+ ){0,3}foo", None),
        (r"an?a?esthesia", None),
    ],
)
def test_leading_literals(pattern, needs):
    assert leading_literals(pattern) == (frozenset(needs) if needs else None)


def test_an_expression_opening_with_a_choice_finds_its_later_branch():
    g = Gated(r"(?:(diagnosis|verdict) (\w+ )?was muscle|turned out (to be )?a spasm)", wrap=True)
    text = "ended up in urgent care it turned out to be a spasm"
    present = Literals([g]).present_in(text)
    assert [m.group(0) for m in g.finditer(text, present)] == ["turned out to be a spasm"]


def test_required_literals_looks_inside_the_expression():
    assert required_literals(r"(\w+ ){0,3}foo") == {"foo"}
    assert required_literals(r"(a|bb) x") is None


def test_a_short_run_of_letters_carries_into_the_choice_after_it():
    # "at " and the shared "ni" are too short alone; together with each branch they gate
    assert required_literals(r"at (night|nite)") == {"at night", "at nite"}
    assert required_literals(r"(keeps?|kept) me (up|awake)") == {" me up", " me awake"}
    # a class of a few letters is followed letter by letter
    assert required_literals(r"d[óo]i") == {"dói", "doi"}
    assert required_literals(r"d[a-z]i") is None
    gated = Gated(r"at (night|nite)", wrap=True)
    assert gated.search("hurts at nite") is not None
    assert gated.search("hurts at noon") is None


def test_every_bundled_expression_finds_the_same_with_and_without_its_gate():
    kb = load_knowledge(DEFAULT_KNOWLEDGE)
    gated = [p for c in kb.safety.concepts.values() for p in c.parts] + [
        p for g in kb.safety.groups for p in g.patterns
    ]
    literals = Literals(gated)
    eval_file = DEFAULT_KNOWLEDGE / "eval" / "real-dev.yaml"
    raw = [item["q"] for item in yaml.safe_load(eval_file.read_text())]
    # every third question as the screen reads it (a third of the part is some 650 real questions)
    texts = [" ".join(re.findall(r"[a-z0-9]+", q.lower())) for q in raw[::3]]
    rng = random.Random(3)
    words = " ".join(re.findall(r"[a-z0-9]+", " ".join(raw).lower())).split()
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(3, 60))) for _ in range(200)]
    # Word boundaries as re draws them: inside words, after "_", digits and accented letters.
    texts += [q.lower() for q in raw[:300]]
    texts += [rng.choice(["_", "é", "1", "x", "-"]).join(rng.sample(words, 8)) for _ in range(200)]
    plain_of = {g.source: re.compile(g.source) for g in gated}  # more than re's cache holds
    checked = 0
    for text in texts:
        present = literals.present_in(text)
        for g in gated:
            plain = [m.span() for m in plain_of[g.source].finditer(text)]
            assert [m.span() for m in g.finditer(text, present)] == plain, (g.source, text)
            checked += bool(plain)
    assert checked > 100  # the texts really exercise the expressions


def test_a_gate_skips_texts_without_its_literal():
    g = Gated(r"numb\w* (\w+ ){0,3}groin")
    assert not g.possible("my knee hurts")
    assert g.possible("numbness in my groin")


def test_a_whole_word_expression_is_scanned_without_its_leading_assertions():
    assert scan_source(r"\b(?:numb\w*)\b") == r"(?:numb\w*)\b"
    assert (
        scan_source(r"\b(?:(?<!not )(?<!cant )(stomach|belly) pain)\b")
        == r"(?:(stomach|belly) pain)\b"
    )
    assert scan_source(r"numb\w*") is None
    g = Gated(r"(?<!not )numb\w*", wrap=True)
    text = "benumbed not numb but numbness"
    assert [m.group(0) for m in g.matches(text)] == ["numbness"]
    assert [m.span() for m in g.matches(text)] == [m.span() for m in g.regex.finditer(text)]


def test_an_expression_is_not_run_on_a_text_missing_a_word_it_needs():
    g = Gated(r"numb\w* (\w+ ){0,3}(groin|crotch)", wrap=True)
    g.regex  # noqa: B018 - compiling works out what it needs
    assert ("crotch", "groin") in g._needs
    assert list(g.matches("numb toes and a sore back")) == []
    assert [m.group(0) for m in g.matches("numb in my groin")] == ["numb in my groin"]


def test_letters_under_a_case_flag_are_not_needed_as_written():
    g = Gated(r"numb (?i:GROIN)", wrap=True)
    assert [m.group(0) for m in g.matches("numb groin")] == ["numb groin"]
    assert required_literals(r"numb (?i:GROIN)") == {"numb "}
    assert required_literals(r"(?i)numb groin") is None
    assert [m.group(0) for m in Gated(r"(?i)numb groin").matches("NUMB GROIN")] == ["NUMB GROIN"]
