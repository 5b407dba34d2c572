"""A regular expression of the screen, the scope or an uncovered subject that can never fire, or
that fires on every message, is refused by name when the knowledge base loads: both compile, so
nothing else would tell the curator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.errors import KnowledgeError
from bot.core.knowledge.expressions import expression_problem
from bot.core.knowledge.loading import load_knowledge
from bot.core.safety import screen
from bot.terminal.cli import main
from tests.support.knowledge_files import edit


def add_red_flag(pattern: str):
    def change(doc):
        next(g for g in doc["groups"] if g["id"] == "emergency")["patterns"].append(pattern)

    return change


def problems(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(directory)
    return [str(i) for i in err.value.issues]


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        ("Zebra stripes down my legs", "'Z', a capital letter"),
        ("can't feel my zebra stripes", "an apostrophe"),
        ("zebra-stripe numbness", "'-', which questions never hold"),
        ("are these zebra stripes\\?", "'?', which questions never hold"),
        ("zebra stripes sooo bad", "'ooo'"),
    ],
)
def test_a_red_flag_written_as_people_spell_it_is_refused_not_silently_dead(
    kb_copy: Path, pattern: str, said: str
) -> None:
    edit(kb_copy / "safety.yaml", add_red_flag(pattern))
    found = problems(kb_copy)
    assert len(found) == 1, found
    assert found[0].startswith("safety.yaml [emergency] patterns[")
    assert said in found[0] and "never" in found[0]


def test_the_same_red_flag_written_as_questions_are_read_loads_and_fires(kb_copy: Path) -> None:
    message = "Can't see the Zebra-stripes any more"
    assert screen(load_knowledge(kb_copy).safety, message) is None
    edit(kb_copy / "safety.yaml", add_red_flag("cant see (the )?zebra stripes"))
    assert screen(load_knowledge(kb_copy).safety, message) is not None


def test_a_capital_in_one_alternative_of_a_concept_is_named(kb_copy: Path) -> None:
    """The rest of the line still matches, so only the loader can tell that 'Tingly' never will."""
    edit(kb_copy / "safety.yaml", lambda d: d["concepts"]["numbness"].append("prickl\\w*|Tingly"))
    assert any(
        p.startswith("safety.yaml concepts.numbness[") and "'T', a capital letter" in p
        for p in problems(kb_copy)
    )


@pytest.mark.parametrize(
    ("file", "change", "where"),
    [
        ("safety.yaml", add_red_flag(".*"), "safety.yaml [emergency] patterns["),
        ("safety.yaml", add_red_flag("numb|"), "safety.yaml [emergency] patterns["),
        (
            "safety.yaml",
            lambda d: d["concepts"]["saddle"].append("\\w+"),
            "safety.yaml concepts.saddle[",
        ),
        (
            "gaps.yaml",
            lambda d: next(g for g in d["gaps"] if g["id"] == "ice-heat")["marks"].append("x?"),
            "gaps.yaml ice-heat.marks[",
        ),
        ("scope.yaml", lambda d: d["elsewhere"].append("(knees?)?"), "scope.yaml scope.elsewhere["),
    ],
)
def test_an_expression_that_fires_on_every_message_is_refused(
    kb_copy: Path, file: str, change, where: str
) -> None:
    edit(kb_copy / file, change)
    found = problems(kb_copy)
    assert len(found) == 1 and found[0].startswith(where), found
    assert "would fire on every message" in found[0]


def test_kb_check_names_a_dead_red_flag_in_one_line(
    kb_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(kb_copy / "safety.yaml", add_red_flag("Cauda Equina"))
    assert main(["--knowledge", str(kb_copy), "kb", "check"]) == 1
    lines = [line.strip() for line in capsys.readouterr().err.splitlines()]
    named = [line for line in lines if line.startswith("safety.yaml")]
    assert len(named) == 1 and re.fullmatch(
        r"safety\.yaml \[emergency\] patterns\[\d+\]: never matches where it has 'C', a capital "
        r"letter, which questions never hold \(they are read in lower case\): write 'c'",
        named[0],
    ), lines


@pytest.mark.parametrize(
    "pattern",
    [
        "(?i)Zebra",  # told to ignore case
        "slip (and|n|&) fall",  # one alternative can never match, the others can
        "hurt\\w*,? (to )?move",  # an optional comma
        "(?<!dont )numb",  # a lookbehind that never holds is no loss
        "dormência|formigamento",  # lower-case letters beyond ASCII
        "[a-z]+ing pain",
    ],
)
def test_expressions_that_can_match_are_left_alone(pattern: str) -> None:
    assert expression_problem(pattern) is None
    assert expression_problem(pattern, True) is None
