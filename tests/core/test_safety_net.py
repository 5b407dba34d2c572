"""The red-flag screen's second net: how it reads a message, and when it may speak."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.knowledge.loading import load_knowledge
from bot.core.matching import Matcher
from bot.core.safety import RedFlag
from bot.core.safety_net import (
    HEADS_FILE,
    NgramVectorizer,
    PhraseHead,
    SafetyHeads,
    char_ngrams,
    default_heads,
    second_net,
    without_figures,
)
from bot.core.semantic import ModelError, question_text
from bot.core.text import normalize
from bot.settings import DEFAULT_KNOWLEDGE


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(DEFAULT_KNOWLEDGE)


def test_a_word_is_read_as_its_padded_character_ngrams():
    assert char_ngrams("pee") == [
        " p",
        "pe",
        "ee",
        "e ",
        " pe",
        "pee",
        "ee ",
        " pee",
        "pee ",
        " pee ",
    ]
    assert char_ngrams("") == []
    # Words are read one by one: no n-gram spans two words.
    assert not any(" " in g.strip() for g in char_ngrams("numb groin"))


def test_a_message_becomes_unit_length_tf_idf_over_the_known_ngrams():
    vocabulary = [" n", "nu", "um", "mb", "b "]
    vec = NgramVectorizer(vocabulary, np.array([1.0, 2.0, 1.0, 1.0, 3.0]))
    idx, values = vec.transform("numb numb zzz")
    assert sorted(idx.tolist()) == [0, 1, 2, 3, 4]
    assert np.isclose(np.linalg.norm(values), 1.0)
    # "nu" twice, idf 2: (1 + log 2) * 2 against " n" (1 + log 2) * 1.
    by_index = dict(zip(idx.tolist(), values.tolist(), strict=True))
    assert np.isclose(by_index[1] / by_index[0], 2.0)
    assert vec.transform("zzz")[0].size == 0


def always_firing(dim: int, vocabulary_size: int) -> SafetyHeads:
    """Heads whose probability is 0.5 whatever the message, with thresholds below it."""
    return SafetyHeads(
        ["red_flag"],
        np.array([0.1]),
        (np.zeros((1, dim)), np.zeros(1)),
        (np.zeros((1, vocabulary_size)), np.zeros(1)),
        NgramVectorizer([f"g{i}" for i in range(vocabulary_size)], np.ones(vocabulary_size)),
        np.array([0.5]),
    )


def test_the_net_calls_a_message_a_red_flag_only_when_it_names_the_body(kb):
    heads = always_firing(4, 3)
    vector = np.ones(4, dtype=np.float32)

    def net(text):
        return second_net(heads, kb.safety, None, vector, normalize(text))

    assert net("who won the arsenal game last night") is None
    assert net("I had pizza last night and feel great") is None
    flagged = net("my legs feel strange since last night")
    assert flagged is not None and flagged.kind == "net:red_flag"
    assert flagged.group.urgency == "ask"


def test_the_shipped_net_reads_misspellings_the_rules_do_not_name(kb):
    # Legs giving way more and more, misspelt: no rule reads "giveing way", the net does.
    message = "legs giveing way more n more since my back went"
    assert Matcher(kb, heads=None).match(message).kind != "red_flag"
    result = Matcher(kb).match(message)
    assert result.kind == "red_flag" and result.red_flag.kind == "net:red_flag"
    # "weeker" the rules read themselves, once the screen has mended it (bot.core.mending)
    flag = Matcher(kb, heads=None).match("my legs r gettin weeker n weeker since my back went")
    assert flag.red_flag is not None and flag.red_flag.kind == "leg_weakness"
    # "givin" without its g is the rules' own "giving": they read it themselves.
    flag = Matcher(kb, heads=None).match("legs givin way more n more since my back went").red_flag
    assert flag is not None and flag.matched == "legs giving way"
    heads = default_heads()
    assert heads is not None
    calm = normalize("my glutes are sore after hip thrusts yesterday")
    vector = Matcher(kb).safety_embedder.encode([question_text(calm, already_normalized=True)])[0]
    assert heads.probabilities(vector, calm)["red_flag"] < 0.5


def test_a_textbook_question_about_causes_is_left_to_the_topics(kb):
    """ "what causes low back pain?" tells of nobody's body: the coach's explanation answers it, not
    the see-a-doctor reply; the same question about the asker's own night pain still alarms."""
    matcher = Matcher(kb)
    assert matcher.match("what causes low back pain").kind == "answer"
    assert matcher.match("what causes my lower back pain at night").kind == "red_flag"


def test_a_figure_of_speech_about_dying_is_not_a_crisis_to_the_net(kb):
    # Each of these read like a crisis to the net through its figure of speech alone.
    for message in (
        "This spreadsheet is going to be the death of me",
        "I'm dying to know who wins Bake Off tonight",
        "I swear this printer wants me dead",
        "I'd rather die than do another plank",
        "what's the point of stretching if it doesn't help",
        # a question passed on for someone else, and the glute bridge
        "my wife wants to know how long to hold the bridge",
        "Asking for my husband: how many sets of bridges should he do?",
    ):
        assert without_figures(kb.safety, normalize(message)) != normalize(message)
        assert Matcher(kb).match(message).kind != "red_flag"
    # What is said beside the figure is still read: the crisis reply stands.
    result = Matcher(kb).match(
        "my back is killing me and honestly I don't want to be here anymore, what is the point"
    )
    assert result.kind == "red_flag" and result.red_flag.group.urgency == "crisis"
    for message in (
        "id rather die than live like this",
        "whats the point of it all",
        "asking for my husband, he says he doesnt want to be alive anymore because of the pain",
    ):
        result = Matcher(kb).match(message)
        assert result.kind == "red_flag" and result.red_flag.group.urgency == "crisis", message


@pytest.mark.parametrize("key", ["net_needs", "net_skips", "net_quiet"])
def test_unknown_concepts_in_the_nets_lists_are_reported(tmp_path, key):
    import shutil

    folder = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE, folder)
    path = folder / "safety.yaml"
    text = path.read_text(encoding="utf-8")
    assert f"\n{key}: [" in text
    path.write_text(text.replace(f"\n{key}: [", f"\n{key}: [bak, "), encoding="utf-8")
    from bot.core.knowledge.loading import KnowledgeError

    with pytest.raises(KnowledgeError, match="unknown concept 'bak'"):
        load_knowledge(folder)


def test_heads_that_do_not_fit_their_vocabulary_are_one_clear_error(tmp_path):
    with pytest.raises(ModelError):
        SafetyHeads(
            ["red_flag"],
            np.array([0.5]),
            (np.zeros((1, 4)), np.zeros(1)),
            (np.zeros((1, 7)), np.zeros(1)),
            NgramVectorizer(["a", "b"], np.ones(2)),
            np.array([0.5]),
        )
    broken = tmp_path / "heads.npz"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="cannot read the safety heads"):
        SafetyHeads.from_file(broken)


@pytest.mark.parametrize(
    "message",
    [
        "I want to get rid of this pain for good",
        "this back pain makes me want to scream",
        "these deadlifts are killing me",
        "I'm dying here, how long does a flare last",
        "im literally dying from doms after leg day, is my back ok",
        "I'd kill for a day without back pain",
        # how long healing takes
        "how long will it take for the pain to go away",
        "how long should it take for my back to stop hurting after a tweak",
    ],
)
def test_wishes_and_hyperbole_about_pain_do_not_get_the_crisis_reply(kb, message):
    result = Matcher(kb).match(message)
    assert result.kind != "red_flag" or result.red_flag.group.urgency != "crisis", result


@pytest.mark.parametrize(
    "message",
    [
        "I've been a runner for 10 years",
        "I've been doing this for years",
        "ive had back pain for 10 years",
    ],
)
def test_a_short_line_of_how_long_is_not_a_crisis(kb, message):
    """Crisis messages often say "for years"; a line of a few words that says little else gives
    the phrase head nothing more to read, so it does not read lines that short."""
    result = Matcher(kb).match(message)
    assert result.kind != "red_flag" or result.red_flag.group.urgency != "crisis", result


@pytest.mark.parametrize(
    "message",
    [
        "sold my bike, gave my guitar to my nephew, paid off the credit card. feels good to have "
        "everything in order before the end of the month",
        "the pills are in a shoebox under the bed, I counted them again tonight",
        "set a date. not telling anyone. just wanted to write it down somewhere",
        "I've stopped making plans past next week, there's no need to",
    ],
)
def test_the_phrase_head_reads_plans_means_and_goodbyes_that_name_no_death(kb, message):
    without = Matcher(kb, heads=SafetyHeads.from_file(HEADS_FILE)).match(message)
    assert without.kind != "red_flag", "the rules and the meaning head miss it"
    result = Matcher(kb).match(message)
    assert result.kind == "red_flag" and result.red_flag.group.urgency == "crisis"


def test_the_phrase_head_leaves_the_rules_emergency_its_own_reply(kb):
    heads = always_firing(4, 3)
    heads.phrases = PhraseHead(
        ["a"], np.ones(1), NgramVectorizer(["b"], np.ones(1)), np.zeros(2), 5.0, 0.5
    )
    vector = np.ones(4, dtype=np.float32)
    by_group = {g.urgency: g for g in kb.safety.groups}
    text = normalize("my groin is numb and I've had enough of everything")
    emergency = RedFlag(by_group["emergency"], "groin numb", "saddle_numbness")
    assert second_net(heads, kb.safety, emergency, vector, text) is emergency
    soon = RedFlag(by_group["soon"], "fell", "trauma")
    crisis = second_net(heads, kb.safety, soon, vector, text)
    assert crisis is not None and crisis.group.urgency == "crisis"
    assert crisis.also is by_group["soon"], "the crisis reply still says to see a doctor"
    assert second_net(heads, kb.safety, None, vector, text).group.urgency == "crisis"


@pytest.mark.parametrize(
    "message",
    [
        "can i still deadlift? no numbness or tingling, no bladder problems.",
        "is some back pain normal? no pain down my legs, no weakness.",
        "can the leg press hurt your back? (no fever, didn't fall, legs are fine)",
    ],
)
def test_a_list_of_absent_warning_signs_is_not_read_as_a_red_flag(kb, message):
    result = Matcher(kb).match(message)
    assert result.kind != "red_flag", result


def test_the_want_of_something_that_is_the_complaint_is_still_read(kb):
    """Only denied warning signs are set aside: "haven't slept" is the complaint itself."""
    from bot.core.safety import without_denials

    text = normalize("haven't slept through the night in a month because of my back")
    assert without_denials(kb.safety, text) == text
    assert without_denials(kb.safety, normalize("no numbness, no fever, just sore")) == "just sore"
    # a question's own "not" before a list of denied signs stays
    asked = normalize("is my back just not strong enough? (no fever, didn't fall)")
    assert without_denials(kb.safety, asked) == "is my back just not strong enough"


def test_a_warning_sign_said_to_be_fine_is_set_aside_like_a_denied_one(kb):
    """ "legs are fine" says as much as "no leg trouble": the topics read the question without it."""
    from bot.core.safety import without_denials

    said = normalize("what moves make a tight psoas worse (no fever, legs are fine)")
    assert without_denials(kb.safety, said) == "what moves make a tight psoas worse"
    said = normalize("can i squat? bladder is fine, peeing normally")
    assert without_denials(kb.safety, said) == "can i squat"
    kept = normalize("my legs are weak and my bladder is not fine")
    assert "bladder" in without_denials(kb.safety, kept)
    matcher = Matcher(kb)
    for question in [
        "can u walk me through the whole program start to finish",
        "Why do doctors tell you to exercise if your lower back hurts?",
        "what moves make a tight psoas worse",
    ]:
        plain = matcher.match(question)
        for fine in [" (legs are fine)", " bladder is fine", " (legs feel fine, peeing normally)"]:
            dressed = matcher.match(question + fine)
            assert (dressed.kind, dressed.topic) == (plain.kind, plain.topic), fine
