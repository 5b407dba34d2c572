"""What people type is brought to one comparable form."""

from bot.core.text import Canonicalizer, normalize, stem


def test_normalize_strips_discord_markup_emoji_and_invisible_characters():
    raw = "Hey <@123456789012345678> @everyone my **BUTT** is sooo weak 😭 can\u2019t squ\u200beeze <:pepe:1234> https://x.y/z"
    assert normalize(raw) == "hey my butt is soo weak cant squeeze"


def test_normalize_is_total_on_junk():
    assert normalize("") == ""
    assert normalize("   \n\t ") == ""
    assert normalize("🙂🙂🙂") == ""
    assert normalize(None) == ""  # type: ignore[arg-type]
    assert normalize(b"\xff\xfe binary") == "binary"  # type: ignore[arg-type]
    assert normalize("\x00\x01\x02") == ""


def test_normalize_bounds_the_work_on_huge_input():
    assert len(normalize("back " * 20000)) <= 4000


def test_nfkc_folds_lookalike_characters():
    assert normalize("ｄｅａｄｌｉｆｔ") == "deadlift"


def test_stems_agree_between_singular_plural_and_ing_forms():
    assert stem("glutes") == stem("glute")
    assert stem("squeezes") == stem("squeeze")
    assert stem("squatting") == stem("squat")
    assert stem("stretches") == stem("stretching") == "stretch"
    assert stem("press") == "press"


def test_synonyms_map_variants_to_one_word_after_stemming():
    canon = Canonicalizer({"glute": ["butt", "booty"], "deadlift": ["rdl", "romanian deadlift"]})
    assert canon.content_words("Can I do Romanian deadlifts or RDLs with a sore butt?") == [
        "deadlift",
        "deadlift",
        "sore",
        "glute",
    ]


def test_number_words_become_digits():
    assert Canonicalizer({}).content_words("what is step three") == ["step", "3"]


def test_numbers_written_as_words_are_read_in_digits():
    from bot.core.number_words import counts_in_digits

    assert normalize("I'm sixty-seven, my son is fifteen") == "im 67 my son is 15"
    assert normalize("the twenty minute walk") == "the 20 minute walk"
    # two to ten only before a unit, and only for the red-flag rules
    assert counts_in_digits("after five minutes of walking") == "after 5 minutes of walking"
    assert counts_in_digits("the two of us one day") == "the two of us one day"


def test_sentences_that_run_together_without_a_space_are_still_two():
    from bot.core.text import SENTENCE_BREAK

    assert SENTENCE_BREAK.split("I lift.It hurts...Now what?Help") == [
        "I lift.",
        "It hurts...",
        "Now what?",
        "Help",
    ]
    assert SENTENCE_BREAK.split("e.g. 3.5 kg on reddit.com") == ["e.g.", "3.5 kg on reddit.com"]


def test_a_long_message_keeps_its_start_and_the_end_that_asks():
    post = "i sit at a desk all day and my hips are tight. " * 200 + "should i drop the leg press?"
    text = normalize(post)
    assert len(text) <= 4000
    assert text.startswith("i sit at a desk") and text.endswith("should i drop the leg press")


def test_chat_spellings_of_ordinary_words_are_written_out():
    assert normalize("is it smth serious? ppl say its nothing") == (
        "is it something serious people say its nothing"
    )
    assert normalize("deep ache in ur belly, r u ok w/ that") == (
        "deep ache in your belly are you ok with that"
    )
    assert normalize("squats w/o weight") == "squats without weight"
    assert normalize("my legs feel kinda numb ngl") == "my legs feel numb"  # fillers left out
    assert normalize("cant feal my groin, legs paralised") == "cant feel my groin legs paralysed"
    assert normalize("both my 🦵 feel weak, my 🍑 too") == "both my leg feel weak my butt too"
    assert normalize("sat 10 hrs a day for 3 wks, back pain til bedtime") == (
        "sat 10 hours a day for 3 weeks back pain until bedtime"
    )


def test_a_short_span_of_time_reads_as_the_long_one(matcher):
    """A span of time written short ("for 2 yrs", "til") reads as written out, for every reader."""
    assert matcher.match("should i just lie in bed til it stops hurting").topic == "rest"
    assert matcher.match("had lbp for 10 yrs, is the booty flex ok").topic == "booty-flex"


def test_the_chatter_around_a_message_is_set_apart():
    from bot.core.chatter import without_chatter

    assert without_chatter("hey bot quick question my back hurts when i sit thanks") == (
        "my back hurts when i sit"
    )
    assert without_chatter("can i still deadlift pls help lol") == "can i still deadlift"
    assert without_chatter("hi all thanks") == ""  # only chatter
    assert without_chatter("back thanks") == "back thanks"  # one word would be left


def test_a_sentence_about_the_post_or_its_writer_is_set_apart():
    from bot.core.chatter import without_chatter, without_meta, without_title

    assert without_meta("Long time lurker, first post. My back hurts after squats?") == (
        "My back hurts after squats?"
    )
    assert without_meta("Hi all, 45F here. Sore back.\nOn mobile, sorry for formatting.") == (
        "Sore back."
    )
    assert without_meta("Hi. Sorry for the long post!") == ""  # nothing else
    assert without_meta("Can I squat?\nEdit: typo") == "Can I squat?"
    assert without_meta("Can I squat? Sorry if this is a dumb question.") == "Can I squat?"
    assert without_meta("Update: thanks for the replies so far. Still sore.") == "Still sore."
    # a title that only names the subject, when the post says more
    assert without_title("Back pain question\n\nCan I squat?") == "Can I squat?"
    assert without_title("Lower back help - can I squat?") == "can I squat?"
    assert without_title("Back pain help?") == "Back pain help?"
    assert without_title("Back pain: can I squat?") == "Back pain: can I squat?"
    # thanks for the help is chatter; thanks "for everything" may be a goodbye, and is read
    assert without_chatter("thanks for all the replies so far its still sore") == "its still sore"
    assert without_chatter("thank you so much for everything") == "thank you so much for everything"
    # a question passed on for someone else asks what follows; whose body it is stays there
    assert without_chatter("asking for my wife should you work through back pain") == (
        "should you work through back pain"
    )
    assert (
        without_chatter("can he still deadlift asking for a friend lol") == "can he still deadlift"
    )
    assert without_chatter("my dad wants to know can he still deadlift") == "can he still deadlift"
    assert without_meta("Asking for my mum. She is 78 and fell.") == "She is 78 and fell."
    assert without_chatter("my wife fell on the ice") == "my wife fell on the ice"
    # an apology on its own is kept: in a message of despair it is no chatter
    assert without_meta("Sorry. I can't do this anymore.") == "Sorry. I can't do this anymore."
    # what a sentence says of the body stays
    kept = "First post, my legs went numb. Help?"
    assert without_meta(kept) == kept
    # (an age on its own is a bio line here; the red-flag rules read the whole message)
    assert without_meta("I am 67. My back hurts at night.") == "My back hurts at night."


def test_a_quoted_line_is_not_what_the_message_asks(matcher):
    from bot.core.chatter import without_quotes

    assert without_quotes("> can i deadlift\nwhat about squats?") == "what about squats?"
    assert (
        without_quotes("> elevate your heels\nwhat?") == "> elevate your heels\nwhat?"
    )  # no words
    assert without_quotes("is 5 > 3?") == "is 5 > 3?"
    assert matcher.match("> can i deadlift\nwhat about squats then?").topic == "squats"
    # what it quotes is still screened: a warning sign quoted and owned is one
    assert matcher.match("> my legs went numb\nsame here, should i worry?").kind == "red_flag"


def test_a_message_of_thanks_or_acknowledgement_alone_holds_nothing_to_answer():
    from bot.core.chatter import only_chatter

    for said in ("thanks!", "👍", "ok", "lol", "thank you so much, that helped", "got it, cheers"):
        assert only_chatter(said), said
    for asked in (
        "thanks, can I still deadlift?",
        "help?",
        "pls help",
        "any advice?",
        "what can you do",
        "thanks. my leg went numb",
        "thanks for everything, goodbye",  # may be a goodbye: read
        "sorry",
    ):
        assert not only_chatter(asked), asked
    assert not only_chatter("ok all guys " * 8 + "x")  # (and at once: each phrase is read once)


def test_thanks_and_other_acknowledgements_are_told_apart_from_a_greeting():
    from bot.core.chatter import acknowledged

    for said in ("thanks!", "thank you so much, that helped", "tysm!!", "cool thanks", "thx bot"):
        assert acknowledged(said) == "thanks", said
    for said in ("ok", "got it", "lol", "👍", "nice"):
        assert acknowledged(said) == "ok", said
    for said in ("hi", "hey bot", "good morning all", "?", "", "thanks, can I still deadlift?"):
        assert acknowledged(said) is None, said
