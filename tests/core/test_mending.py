"""Misspelt warning signs are read as meant; real words, and words likelier meant as others, are not."""

from __future__ import annotations

import tracemalloc

import pytest

from bot.core.mending import Mender, concept_words


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("my legs r getting weeker and my back hurts", "leg_weakness"),
        ("my back hurts and i lost alot of wieght without trying", "weight_loss"),
        ("lower back pain and cant controll my bladder anymore", "bladder_bowel"),
        # a long word misspelt from one of the screen's stems ("osteopor...")
        ("i have osteoperosis and felt something give in my back", "steroids_osteoporosis"),
    ],
)
def test_a_misspelt_warning_sign_is_caught(matcher, message, kind):
    result = matcher.match(message)
    assert result.kind == "red_flag", result
    assert result.red_flag.kind in (kind, "pattern")


@pytest.mark.parametrize(
    "message",
    [
        "how long with back pain before seeing a dotor",
        "whn should i go to the docor about my back",
        "my back pain is constnt day and nght",
        # a letter typed twice
        "my lower back has been keepping me up",
        "Foutteen years old, a sprinter, and her back has ached after training for weeks",
        "had leukemmia as a kid, 24 now and getting new back pain. probably just the gym",
    ],
)
def test_a_warning_sign_with_a_letter_dropped_or_doubled_is_caught(matcher, message):
    assert matcher.match(message).kind == "red_flag"


@pytest.mark.parametrize("word", ["dived", "sacrum", "week", "clot", "diabetic", "numbness"])
def test_a_real_word_is_never_mended(matcher, word):
    """ "dived" is not "died", "sacrum" not "scrum": only words no dictionary knows are mended."""
    assert matcher.mender.word(word) is None


def test_a_near_miss_likelier_meant_as_another_word_is_left_alone(matcher):
    # "artic" is one edit from the screen's "aortic", but far likelier the misspelt "arctic"
    assert matcher.mender.word("artic") is None
    assert matcher.mender.word("weeker") == "weaker"


def test_a_message_is_read_again_with_its_misspelt_warning_signs_mended():
    mender = Mender(concept_words([r"(weaker|weight)", r"numb\w*"]), {"my", "legs", "are"})
    assert mender.mend_whole("My legs are fine. Lost wieght, legs weeker!") == (
        "My legs are fine. Lost weight, legs weaker!"
    )
    assert mender.mend_whole("My legs are fine.") == ""


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("dotor", "doctor"),
        ("nght", "night"),
        ("uine", "urine"),
        ("constnt", "constant"),
        ("knes", "knees"),
        ("chesst", "chest"),
        # a form of a word the screen knows, with a letter typed twice ("keeping me awake")
        ("keepping", "keeping"),
        # words the screen writes with a letter or a space that may be left out
        ("gallblaadder", "gallbladder"),
        ("leukemmia", "leukemia"),
        ("foutteen", "fourteen"),  # an age in words
        # a word of the topics' own that no English dictionary holds
        ("gkute", "glute"),
        ("glyte", "glute"),
        # a word the topics read as another of theirs ("strong")
        ("srengthen", "strengthen"),
        # an English word of the screen's before a misspelling a rule holds
        ("frver", "fever"),
        # of two slips as likely, the one the topics' corrector reads too ("pass" is a swap)
        ("psas", "psoas"),
        # a word of the topics' two edits away is the corrector's guess, not the word meant
        ("stregth", "strength"),
        # a key next to the right one before the topics' reading of a letter too many
        ("teying", "trying"),
        ("pusling", "pulsing"),
    ],
)
def test_a_misspelt_word_the_bot_speaks_of_is_put_right(matcher, typed, meant):
    assert matcher.respeller.word(typed) == meant


def test_a_word_the_screen_may_write_two_ways_is_known_both_ways():
    words = concept_words([r"leuka?emia|gall ?bladder", r"tumou?rs?"])
    assert {"leukemia", "leukaemia", "gallbladder", "bladder", "tumor", "tumours"} <= words


def test_the_likeliest_slip_is_taken_first():
    from bot.core.mending import slip

    assert slip("knes", "knees") < slip("knes", "knew")  # a letter left out, before a wrong key
    assert slip("chesst", "chest") == slip("chets", "chest") == 0  # typed twice; two swapped
    assert slip("pibch", "pinch") < slip("pibch", "pitch")  # "b" is next to "n", not to "t"


@pytest.mark.parametrize("word", ["sacrum", "week", "dived", "howzit", "soas", "nada"])
def test_real_words_slang_and_the_topics_own_typos_are_left_as_written(matcher, word):
    """ "howzit" is no typo of a word the bot knows; "soas" is the topics' "psoas", which no
    English word one edit away is."""
    assert matcher.respeller.word(word) is None


@pytest.mark.parametrize(
    ("typed", "right"),
    [
        ("how do i do the gluet bridge", "how do i do the glute bridge"),
        (
            "is it recomended to work out with back pain",
            "is it recommended to work out with back pain",
        ),
        ("can i do squats with a bad bakc", "can i do squats with a bad back"),
    ],
)
def test_a_typo_in_a_question_changes_no_answer(matcher, typed, right):
    want, got = matcher.match(right), matcher.match(typed)
    assert (got.kind, got.topic) == (want.kind, want.topic)


def test_without_its_dictionary_the_screen_reads_as_written(monkeypatch):
    """A missing or damaged pyspellchecker mends nothing; it never breaks an answer."""
    import sys

    from bot.core import mending

    monkeypatch.setitem(sys.modules, "spellchecker", None)  # "import spellchecker" now fails
    mending._english.cache_clear()
    mending.likeliest.cache_clear()
    try:
        mender = Mender(concept_words([r"(weaker|weight)"]), {"my", "legs"})
        assert mender.mend_whole("my legs weeker") == ""
    finally:
        mending._english.cache_clear()
        mending.likeliest.cache_clear()


@pytest.mark.parametrize(
    "message",
    [
        "my dad's legs just give up on him when he walks to the shop, and his back is bad",
        "she can't go up on her tiptoes on the left anymore since her back went",
        "my husband's bits feel numb since his back went two days ago",
    ],
)
def test_a_red_flag_told_of_someone_else_is_caught_by_the_rules(kb, message):
    from bot.core.matching import Matcher

    rules_only = Matcher(kb, heads=None)
    result = rules_only.match(message)
    assert result.kind == "red_flag", result


@pytest.mark.parametrize(
    "message",
    [
        "my toddler keeps wetting herself during potty training and my back hurts from lifting her",
        "he's killing himself with fast food and won't exercise, how do I get him to do the squeezes",
    ],
)
def test_someone_elses_ordinary_trouble_is_not_read_as_the_writers(kb, message):
    from bot.core.matching import Matcher

    result = Matcher(kb, heads=None).match(message)
    assert result.kind != "red_flag", result


@pytest.mark.parametrize(
    "word",
    [
        "ha" * 1990,  # a long laugh
        "asdfghjkl" * 440,  # a keyboard mashed
        "numb" + "qwop" * 990,
    ],
)
def test_a_word_longer_than_any_word_is_read_at_the_cost_of_a_short_one(matcher, word):
    """A message of one 4,000-letter word, typed or pasted, is no typo of an English word: the bot
    answers it without holding the memory of a thousand messages (it held some 800 MB, enough for
    a small server to stop the bot)."""
    tracemalloc.start()
    try:
        result = matcher.match(word)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.kind == "no_match"
    assert peak < 50_000_000, f"{peak / 1e6:.0f} MB"
    assert matcher.match(word + " and i want to kill myself").kind == "red_flag"
