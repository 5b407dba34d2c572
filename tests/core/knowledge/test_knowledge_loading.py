"""The knowledge base loads, and every kind of mistake a curator can make is caught and named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import KnowledgeError
from bot.core.knowledge.loading import load_knowledge
from bot.core.replies import DESCRIPTION_LIMIT, FIELD_VALUE_LIMIT, TITLE_LIMIT, TOTAL_LIMIT
from bot.core.safety import screen
from bot.settings import DEFAULT_KNOWLEDGE
from bot.terminal.cli import main
from tests.support.knowledge_files import edit

CONTRACT_TOPICS = {
    "booty-flex": 1,
    "glute-stretch": 2,
    "hamstring-curl-stability": 3,
    "hip-thrust": 4,
    "psoas-and-back-pain": None,
    "glutes-vs-psoas": None,
    "sitting": None,
    "strengthen-low-back": None,
    "rest": None,
    "how-common": None,
    "avoid-hip-flexor-work": None,
    "stretching": None,
    "core-strength": None,
    "imbalances": None,
    "mind-muscle-connection": None,
    "flare-up": None,
    "daily-routine": None,
    "exercises-to-avoid": None,
    "leg-press": None,
    "deadlifts": None,
    "machine-setup": None,
    "squats": None,
    "help": None,
}


def topic_in(data: dict, topic_id: str) -> dict:
    return next(t for t in data["topics"] if t["id"] == topic_id)


def problems(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(directory)
    return [str(i) for i in err.value.issues]


def test_bundled_knowledge_base_covers_the_contract():
    kb = load_knowledge(DEFAULT_KNOWLEDGE)
    for topic_id, step in CONTRACT_TOPICS.items():
        assert topic_id in kb.topics, topic_id
        assert kb.topics[topic_id].step == step
    assert set(kb.sources) >= {"psoas-glutes", "not-your-back"}
    assert kb.progression.move_up and kb.progression.go_back
    for topic in kb.topics.values():
        assert len(topic.patterns) >= 8, f"{topic.id} has too few phrasings"


def test_every_topic_names_a_real_source_and_fits_discord():
    kb = load_knowledge(DEFAULT_KNOWLEDGE)
    for topic in kb.topics.values():
        assert topic.sources and all(s in kb.sources for s in topic.sources)
        assert len(topic.title) <= TITLE_LIMIT
        assert len(topic.answer) <= DESCRIPTION_LIMIT
        for bullets in (topic.dose, topic.cues, topic.mistakes):
            assert sum(len(b) + 3 for b in bullets) <= FIELD_VALUE_LIMIT


def test_step_topics_carry_dose_cues_and_a_routine_for_home_moves():
    kb = load_knowledge(DEFAULT_KNOWLEDGE)
    for step in (1, 2, 3, 4):
        topic = kb.step_topic(step)
        assert topic.dose and topic.cues
    assert kb.step_topic(1).routine and kb.routines.get(kb.step_topic(1).routine)
    assert kb.step_topic(2).routine and kb.routines.get(kb.step_topic(2).routine)


def test_unknown_key_is_named(kb_copy):
    edit(kb_copy / "topics/avoid.yaml", lambda d: topic_in(d, "deadlifts").update(colour="blue"))
    assert any("topics/avoid.yaml [deadlifts] colour: unknown key" in p for p in problems(kb_copy))


def test_missing_field_is_named(kb_copy):
    edit(kb_copy / "topics/avoid.yaml", lambda d: topic_in(d, "squats").pop("answer"))
    assert any("[squats] answer: missing required field" in p for p in problems(kb_copy))


def test_duplicate_id_is_named(kb_copy):
    def dup(d):
        copy = dict(topic_in(d, "squats"))
        copy["patterns"] = [
            "a completely different phrasing about squatting low",
            "another squat phrase here",
            "squat one more",
            "squat four",
            "squat five",
        ]
        d["topics"].append(copy)

    edit(kb_copy / "topics/avoid.yaml", dup)
    assert any("[squats] id: duplicate topic id" in p for p in problems(kb_copy))


def test_unknown_source_is_named(kb_copy):
    edit(
        kb_copy / "topics/avoid.yaml",
        lambda d: topic_in(d, "leg-press").update(source="a-random-blog"),
    )
    assert any("[leg-press] source: unknown source 'a-random-blog'" in p for p in problems(kb_copy))


def test_dangling_related_is_named(kb_copy):
    edit(
        kb_copy / "topics/avoid.yaml",
        lambda d: topic_in(d, "leg-press").update(related=["no-such-topic"]),
    )
    assert any(
        "[leg-press] related: refers to unknown topic 'no-such-topic'" in p
        for p in problems(kb_copy)
    )


def test_step_numbers_must_run_without_gaps(kb_copy):
    edit(
        kb_copy / "topics/progression.yaml",
        lambda d: topic_in(d, "hamstring-curl-stability").pop("step"),
    )
    assert any(
        "steps must run 1, 2, 3... without gaps; found [1, 2, 4]" in p for p in problems(kb_copy)
    )


def test_a_broken_mark_of_an_uncovered_subject_is_named(kb_copy):
    def broken(doc):
        gap = next(g for g in doc["gaps"] if g["id"] == "pregnancy")
        gap["marks"] = ["pregnan(t"]

    edit(kb_copy / "gaps.yaml", broken)
    assert any(
        "pregnancy" in p and "not a valid regular expression" in p for p in problems(kb_copy)
    )


def test_step_out_of_range_is_named(kb_copy):
    edit(kb_copy / "topics/progression.yaml", lambda d: topic_in(d, "hip-thrust").update(step=7))
    assert any("[hip-thrust] step: expected a step number 1 to 4" in p for p in problems(kb_copy))


def test_text_over_discord_limits_is_named(kb_copy):
    edit(kb_copy / "topics/why.yaml", lambda d: topic_in(d, "sitting").update(title="x" * 300))
    edit(
        kb_copy / "topics/progression.yaml",
        lambda d: topic_in(d, "booty-flex").update(dose=["y" * 290] * 4),
    )
    found = problems(kb_copy)
    assert any("[sitting] title: is 300 characters; the limit is 256" in p for p in found)
    assert any(
        "[booty-flex] dose: the bullets together must fit one embed field" in p for p in found
    )


def test_pattern_shared_by_two_topics_is_named(kb_copy):
    edit(
        kb_copy / "topics/avoid.yaml",
        lambda d: topic_in(d, "squats")["patterns"].append("can i still do rdls"),
    )
    edit(
        kb_copy / "topics/avoid.yaml",
        lambda d: topic_in(d, "deadlifts")["patterns"].append("can i still do rdls"),
    )
    assert any("is also a pattern of" in p for p in problems(kb_copy))


def test_broken_yaml_names_file_and_line(kb_copy):
    (kb_copy / "topics/why.yaml").write_text(
        "topics:\n  - id: sitting\n    title: [unclosed\n", encoding="utf-8"
    )
    assert any(p.startswith("topics/why.yaml: not valid YAML at line") for p in problems(kb_copy))


@pytest.mark.parametrize(
    "name",
    [
        "gaps.yaml",
        "progression.yaml",
        "routines.yaml",
        "safety.yaml",
        "scope.yaml",
        "sources.yaml",
        "synonyms.yaml",
    ],
)
def test_a_broken_section_file_is_one_problem_not_a_cascade(kb_copy, name):
    """Its contents cannot be read, so "expected a mapping" or "file is missing" would only repeat
    the one thing to fix."""
    (kb_copy / name).write_text("entries: [unclosed\n", encoding="utf-8")
    found = problems(kb_copy)
    assert len(found) == 1 and found[0].startswith(f"{name}: not valid YAML at line"), found


def test_a_broken_topic_file_is_one_problem_not_a_cascade(kb_copy):
    # Other files refer to topics in it and it may hold a step: those would only repeat the problem.
    with (kb_copy / "topics/avoid.yaml").open("a", encoding="utf-8") as f:
        f.write("id: [unclosed\n")
    found = problems(kb_copy)
    assert len(found) == 1 and found[0].startswith("topics/avoid.yaml: not valid YAML at line"), (
        found
    )


def test_every_problem_is_reported_not_just_the_first(kb_copy):
    edit(kb_copy / "topics/avoid.yaml", lambda d: topic_in(d, "squats").update(colour="red"))
    edit(kb_copy / "topics/why.yaml", lambda d: topic_in(d, "rest").update(source="nowhere"))
    found = problems(kb_copy)
    assert any("[squats] colour" in p for p in found) and any("[rest] source" in p for p in found)


def _group(doc, gid):
    return next(g for g in doc["groups"] if g["id"] == gid)


def test_bad_red_flag_regex_is_named(kb_copy):
    edit(kb_copy / "safety.yaml", lambda d: _group(d, "emergency")["patterns"].append("numb(ness"))
    assert any(
        "safety.yaml" in p and "not a valid regular expression" in p for p in problems(kb_copy)
    )


def test_bad_concept_regex_and_unknown_concept_are_named(kb_copy):
    def damage(d):
        d["concepts"]["saddle"].append("groin(al")
        _group(d, "soon")["rules"].append({"kind": "typo", "all": ["numbnes", "leg"]})

    edit(kb_copy / "safety.yaml", damage)
    found = problems(kb_copy)
    assert any("concepts.saddle" in p and "not a valid regular expression" in p for p in found), (
        found
    )
    assert any("[soon] rules[" in p and "unknown concept 'numbnes'" in p for p in found), found


def test_a_rule_cancelled_anywhere_in_the_message_names_a_known_concept(kb_copy):
    def damage(d):
        rule = {"kind": "night_pain", "all": ["night"], "unless_anywhere": ["strian"]}
        _group(d, "soon")["rules"].append(rule)

    edit(kb_copy / "safety.yaml", damage)
    found = problems(kb_copy)
    assert any("unless_anywhere" in p and "unknown concept 'strian'" in p for p in found), found


def test_unless_anywhere_cancels_a_rule_from_another_sentence():
    """A night-pain rule reads one sentence, but a back that was thrown out lifting, told in the
    sentence before, still explains the bad night."""
    kb = load_knowledge(DEFAULT_KNOWLEDGE)
    night = "the pain in my lower back was so bad in bed last night i barely slept"
    assert screen(kb.safety, f"My back has been aching for a few days. {night}") is not None
    assert screen(kb.safety, f"I threw my back out lifting a sofa on Sunday. {night}") is None


def test_kb_check_command_exit_codes(kb_copy, capsys):
    assert main(["--knowledge", str(DEFAULT_KNOWLEDGE), "kb", "check"]) == 0
    assert "topics" in capsys.readouterr().out
    edit(kb_copy / "topics/avoid.yaml", lambda d: topic_in(d, "squats").update(colour="red"))
    edit(kb_copy / "topics/why.yaml", lambda d: topic_in(d, "rest").update(source="nowhere"))
    assert main(["--knowledge", str(kb_copy), "kb", "check"]) == 1
    err = capsys.readouterr().err
    assert "[squats] colour" in err and "[rest] source" in err


def test_whole_reply_for_every_topic_fits_an_embed():
    from bot.core.compose import topic_reply

    kb = load_knowledge(DEFAULT_KNOWLEDGE)
    for topic in kb.topics.values():
        for step in (1, 2, 3, 4):
            reply = topic_reply(kb, topic, person_step=step, known_person=True)
            assert not reply.limit_problems(), (topic.id, reply.limit_problems())
            assert reply.total_length() <= TOTAL_LIMIT


def test_a_key_given_twice_in_a_mapping_is_named_with_its_line(kb_copy, capsys):
    """YAML alone keeps the second name and says nothing: the routine would be renamed unseen."""
    path = kb_copy / "routines.yaml"
    text = path.read_text(encoding="utf-8")
    line = text.splitlines().index("    name: Booty flexes") + 2  # the line of the repeat
    path.write_text(
        text.replace("    name: Booty flexes\n", "    name: Booty flexes\n    name: Twice\n", 1),
        encoding="utf-8",
    )
    assert problems(kb_copy) == [
        f"routines.yaml: line {line}: 'name' is given again in the same mapping, which would "
        "silently replace the earlier one; keep one"
    ]
    assert main(["--knowledge", str(kb_copy), "kb", "check"]) == 1
    assert f"routines.yaml: line {line}: 'name' is given again" in capsys.readouterr().err


def test_merge_keys_and_repeated_values_are_not_repeated_keys():
    from bot.core.validation import parse_yaml

    doc = parse_yaml("x.yaml", "base: &b {a: 1, b: 2}\nmore:\n  <<: *b\n  b: 3\nlist: [1, 1]\n")
    assert doc == {"base": {"a": 1, "b": 2}, "more": {"a": 1, "b": 3}, "list": [1, 1]}


def test_editor_lock_backup_and_hidden_files_are_not_read(kb_copy):
    """Emacs keeps a lock beside a file it has open: a link to nowhere named .#why.yaml."""
    topics = kb_copy / "topics"
    (topics / ".#why.yaml").symlink_to("someone@host.1234:1700000000")
    (topics / "#why.yaml#").write_text("topics: [unclosed\n", encoding="utf-8")
    (topics / "why.yaml~").write_text("topics: [unclosed\n", encoding="utf-8")
    (topics / ".draft.yaml").write_text("topics: [unclosed\n", encoding="utf-8")
    (kb_copy / ".git").mkdir()
    (kb_copy / ".git" / "old.yaml").write_text("topics: [unclosed\n", encoding="utf-8")

    kb = load_knowledge(kb_copy)

    assert kb.topics.keys() == load_knowledge(DEFAULT_KNOWLEDGE).topics.keys()


def _negative_lookaheads(pattern: str) -> list[str]:
    """The bodies of the "(?!...)" groups of an expression, outermost and nested alike."""
    bodies = []
    for start in (i for i in range(len(pattern)) if pattern.startswith("(?!", i)):
        depth, i = 0, start
        while i < len(pattern):
            if pattern[i] == "\\":
                i += 2
                continue
            depth += {"(": 1, ")": -1}.get(pattern[i], 0)
            if depth == 0:
                bodies.append(pattern[start + 3 : i])
                break
            i += 1
    return bodies


def test_an_exception_written_as_words_stops_at_a_word_end():
    """ "im 67(?! ...|m|...)" was meant to skip "67 m" (metres), and skipped "im 67 my back hurts"
    too: every exception an expression makes for the words after it ends at a word boundary."""
    kb = load_knowledge(DEFAULT_KNOWLEDGE)
    open_ended = [
        (gated.source, body)
        for gated in kb.expressions()
        for body in _negative_lookaheads(gated.source)
        if not body.endswith(("\\b", "\\w", "\\w*", "\\w+"))
        and body.rstrip(")?")[-1:].isalpha()
        and not body.rstrip(")?").endswith(("\\b", "\\w"))
    ]
    assert not open_ended, open_ended[:5]
    assert screen(kb.safety, "Im 72 my back started aching a few weeks ago") is not None


def test_the_flare_up_routine_the_bot_offers_by_name_must_be_there(kb_copy, capsys):
    """At step 1 "it hurts" offers "Start flare-up routine"; without that routine the person in
    pain was told there is no routine called 'flare-up', and kb check had said OK."""

    def without_flare_up(doc):
        doc["routines"] = [r for r in doc["routines"] if r["id"] != "flare-up"]

    edit(kb_copy / "routines.yaml", without_flare_up)
    edit(kb_copy / "topics/routine.yaml", lambda d: topic_in(d, "flare-up").pop("routine"))
    assert main(["--knowledge", str(kb_copy), "kb", "check"]) == 1
    named = [line.strip() for line in capsys.readouterr().err.splitlines() if "routines" in line]
    assert len(named) == 1 and named[0].startswith(
        "routines.yaml [flare-up]: routine is missing: the bot offers it to a person whose back "
        "hurts on step 1"
    ), named


def test_a_broken_routine_is_named_once(kb_copy):
    """Its own problem, not also "routine is missing" or "refers to unknown routine" from the
    topic that names it."""

    def broken(doc):
        next(r for r in doc["routines"] if r["id"] == "flare-up")["blocks"][0]["rounds"] = -1

    edit(kb_copy / "routines.yaml", broken)
    found = problems(kb_copy)
    assert found == [
        "routines.yaml [flare-up] blocks[0].rounds: must be a whole number from 1 to 50, not -1"
    ]


def test_an_emptied_topic_file_is_named_not_its_topics_silently_gone(kb_copy, capsys):
    (kb_copy / "topics/why.yaml").write_text("# rewriting these\n", encoding="utf-8")
    (kb_copy / "topics/extra.yaml").write_text("topics: []\n", encoding="utf-8")
    assert main(["--knowledge", str(kb_copy), "kb", "check"]) == 1
    lines = [line.strip() for line in capsys.readouterr().err.splitlines()[1:-1]]
    assert lines == [
        "topics/extra.yaml topics: holds no topics; add some, or remove the file",
        "topics/why.yaml: the file is empty: a topic file holds `topics:` and a list of topics",
    ]


def test_an_emptied_section_file_says_so(kb_copy):
    (kb_copy / "gaps.yaml").write_text("", encoding="utf-8")
    assert problems(kb_copy) == ["gaps.yaml: the file is empty"]


def test_a_file_that_is_not_utf8_is_named_with_its_line_and_column(kb_copy, capsys):
    path = kb_copy / "topics/avoid.yaml"
    lines = path.read_bytes().split(b"\n")
    lines[4] = lines[4].replace(b"a", "\u00e9".encode("latin-1"), 1)  # saved as Latin-1
    path.write_bytes(b"\n".join(lines))
    column = lines[4].index(b"\xe9") + 1
    assert main(["--knowledge", str(kb_copy), "kb", "check"]) == 1
    assert f"  topics/avoid.yaml: not UTF-8 text at line 5, column {column} (byte 0xe9): " in (
        capsys.readouterr().err
    )
