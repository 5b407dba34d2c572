"""The one checker every YAML reader uses: problems named by file, item and field, never raised."""

from __future__ import annotations

import pytest

from bot.core.errors import KBIssue, KnowledgeError
from bot.core.knowledge.loading import build_knowledge
from bot.core.validation import ID_RE, Checker, read_yaml, type_name


def test_a_broken_yaml_file_is_one_issue_naming_its_line_and_column() -> None:
    issues: list[KBIssue] = []
    doc = read_yaml("gaps.yaml", "gaps:\n  - id: ice\n    subject: [ice\n", issues)
    assert doc is None
    assert len(issues) == 1
    # the wording after the place is libyaml's or PyYAML's, whichever loader is installed
    assert str(issues[0]).startswith("gaps.yaml: not valid YAML at line 4, column 1: ")
    assert "']'" in str(issues[0])


def test_a_broken_knowledge_file_is_reported_with_its_line_among_the_rest() -> None:
    with pytest.raises(KnowledgeError) as err:
        build_knowledge({"gaps.yaml": "gaps: [\n"})
    problems = [str(i) for i in err.value.issues]
    assert problems[0].startswith("gaps.yaml: not valid YAML at line 2")
    assert "sources.yaml: file is missing" in problems


def test_the_checker_collects_every_problem_and_goes_on() -> None:
    c = Checker("topics/x.yaml")
    item = {"id": "x", "title": "", "colour": "red", "patterns": ["ok", True, 7, "y" * 9]}
    c.keys(item, {"id", "title", "patterns"}, {"id", "title", "answer"}, "x")
    assert c.text(item, "title", "x", limit=10) is None
    assert c.text_list(item, "patterns", "x", limit=5, min_items=4) == ("ok", "7", "y" * 9)
    assert [str(i) for i in c.issues] == [
        "topics/x.yaml [x] colour: unknown key (allowed: id, patterns, title)",
        "topics/x.yaml [x] answer: missing required field",
        "topics/x.yaml [x] title: expected non-empty text, got empty text",
        "topics/x.yaml [x] patterns[1]: expected text, got true/false (YAML reads bare "
        "yes/no/on/off as true/false: put the word in quotes)",
        "topics/x.yaml [x] patterns[3]: is 9 characters; the limit is 5",
        "topics/x.yaml [x] patterns: has 3 entries; at least 4 are needed",
    ]


def test_one_line_texts_and_bounded_whole_numbers() -> None:
    c = Checker("routines.yaml")
    assert c.line(None, "r", "name", 10) is None
    assert c.line("two\nlines", "r", "cue", 20) == "two\nlines"
    assert c.whole_number(True, "r", "blocks[0].rounds", 1, 50) is None
    assert c.whole_number(3, "r", "blocks[0].rounds", 1, 50) == 3
    assert [str(i) for i in c.issues] == [
        "routines.yaml [r] name: is missing",
        "routines.yaml [r] cue: must be one line",
        "routines.yaml [r] blocks[0].rounds: must be a whole number from 1 to 50, not True",
    ]


@pytest.mark.parametrize("good", ["booty-flex", "a", "step-2"])
def test_ids_are_lowercase_words_joined_by_dashes(good: str) -> None:
    assert ID_RE.match(good)


@pytest.mark.parametrize("bad", ["Booty", "booty_flex", "-x", "x-", "a--b", "", "a b"])
def test_other_ids_are_refused(bad: str) -> None:
    assert not ID_RE.match(bad)


def test_type_names_read_as_words() -> None:
    assert [type_name(v) for v in (None, {}, [], "", "  ", "x", True, 1, 1.5)] == [
        "nothing",
        "a mapping",
        "a list",
        "empty text",  # not "expected non-empty text, got text"
        "only spaces",
        "text",
        "true/false",
        "a number",
        "a number",
    ]
