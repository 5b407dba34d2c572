"""The static embedding model: unit vectors, and closeness that follows meaning, not shared words."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.semantic import (
    MODEL_DIR,
    ModelError,
    StaticEmbedder,
    default_embedder,
    question_text,
)


def test_vectors_are_unit_length_and_empty_text_is_zero():
    vectors = default_embedder().encode(["my lower back hurts after sitting", "", "🙂"])
    assert vectors.dtype == np.float32 and vectors.shape[0] == 3
    assert abs(float(np.linalg.norm(vectors[0])) - 1) < 1e-5
    assert not vectors[1].any()


def test_closeness_follows_meaning():
    a, b, c = default_embedder().encode(
        [
            "my desk job is wrecking my back",
            "sitting at work all day makes my lower back ache",
            "what is the best graphics card for gaming",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.1  # no shared content word, yet closer


def test_the_bundled_model_says_where_it_came_from():
    origin = (MODEL_DIR / "ORIGIN.md").read_text(encoding="utf-8")
    assert "all-MiniLM-L6-v2" in origin and "Apache-2.0" in origin
    assert (MODEL_DIR / "LICENSE").exists()


def test_a_missing_model_is_one_clear_error(tmp_path):
    with pytest.raises(ModelError, match="cannot read the embedding model"):
        StaticEmbedder.from_dir(tmp_path)


def test_the_safety_heads_were_trained_on_the_shipped_model():
    # Retrain (scripts/train_safety_net.py) whenever the model changes: the heads read its vectors.
    import hashlib

    from bot.core.safety_net import HEADS_FILE

    with np.load(HEADS_FILE, allow_pickle=False) as data:
        recorded = str(data["model_sha256"])
    assert recorded == hashlib.sha256((MODEL_DIR / "model.safetensors").read_bytes()).hexdigest()


def test_a_crisis_in_words_no_rule_names_is_caught_by_meaning():
    from bot.core.knowledge.loading import load_knowledge
    from bot.core.matching import Matcher
    from bot.settings import DEFAULT_KNOWLEDGE

    kb = load_knowledge(DEFAULT_KNOWLEDGE)
    message = (
        "nobody would even notice. the pain has taken everything and I'm so tired of fighting it"
    )
    with_net = Matcher(kb).match(message)
    rules_only = Matcher(kb, heads=None).match(message)
    assert with_net.kind == "red_flag" and with_net.red_flag.group.urgency == "crisis"
    assert rules_only.kind != "red_flag" or rules_only.red_flag.group.urgency != "crisis"


def test_the_topic_examples_were_embedded_with_the_shipped_topic_model():
    # Rebuild (scripts/train_topic_examples.py) whenever the model or the development part changes.
    import hashlib

    from bot.core.semantic import EXAMPLES_FILE, TOPICS_MODEL_DIR

    with np.load(EXAMPLES_FILE, allow_pickle=False) as data:
        recorded = str(data["model_sha256"])
    shipped = (TOPICS_MODEL_DIR / "model.safetensors").read_bytes()
    assert recorded == hashlib.sha256(shipped).hexdigest()


def test_a_phrasing_is_as_close_as_the_two_models_say_on_average():
    from bot.core.semantic import JointEmbedder, default_topic_embedder

    joint = default_topic_embedder()
    assert isinstance(joint, JointEmbedder)
    texts = ["my glutes never switch on", "how do i wake up my butt muscles"]
    a, b = joint.encode(texts)
    each = [p.encode(texts) for p in joint.parts]
    mean = np.mean([float(x[0] @ x[1]) for x in each])
    assert float(a @ b) == pytest.approx(mean, abs=1e-5)
    assert np.linalg.norm(a) == pytest.approx(1.0, abs=1e-5)
    assert not joint.encode(["\u2063"]).any()  # nothing the model knows: no direction


def test_the_red_flag_net_reads_the_model_it_was_trained_on():
    # The topics read two models; the safety heads must still see the first model's vector of the
    # message, exactly, or the screen's figures would move with every change of the topics' model.
    from bot.core.knowledge.loading import load_knowledge
    from bot.core.matching import Matcher
    from bot.core.semantic import as_read_by
    from bot.settings import DEFAULT_KNOWLEDGE

    matcher = Matcher(load_knowledge(DEFAULT_KNOWLEDGE))
    text = "sudden pain down both legs and my feet feel weird"
    seen = as_read_by(matcher.safety_embedder, matcher.embedder, matcher.embedder.encode([text])[0])
    assert seen is not None
    np.testing.assert_allclose(seen, default_embedder().encode([text])[0], atol=1e-6)


def test_nearest_labelled_questions_vote_for_what_answered_them():
    from bot.core.semantic import TopicExamples

    embedder = default_embedder()
    questions = [
        "my back went out picking up my kid",
        "threw my back out lifting a box this morning",
        "will squats make my thighs bigger",
    ]
    labels = np.array([[1, 0], [1, 0], [0, 1]], dtype=np.uint8)
    examples = TopicExamples(embedder.encode(questions), labels, ["flare-up", "no_match"])
    near = examples.votes(
        embedder.encode(["my back just went out bending over"])[0], k=2, floor=0.3
    )
    assert near[0] > 0.3 and near[1] == 0
    # A question like none of them gets no vote at all.
    far = examples.votes(embedder.encode(["best graphics card for gaming"])[0], k=2, floor=0.5)
    assert not far.any()


def test_topic_examples_refuse_labels_that_do_not_fit():
    from bot.core.semantic import TopicExamples

    with pytest.raises(ModelError):
        TopicExamples(np.zeros((3, 4)), np.zeros((2, 2)), ["a", "b"])
    with pytest.raises(ModelError):  # a regression whose weights are for other labels
        TopicExamples(np.zeros((2, 4)), np.zeros((2, 2)), ["a", "b"], np.zeros((4, 3)), np.zeros(3))


def test_the_regression_reaches_a_question_whose_neighbours_are_elsewhere():
    """With a fitted regression, a vote blends the neighbours' with the regression's probability:
    a question nearest to no_match examples still hears the regression's topic, and the shipped
    examples carry a regression."""
    from bot.core import semantic
    from bot.core.semantic import TopicExamples

    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]], dtype=np.float32)
    labels = np.array([[1, 0], [1, 0], [0, 1]], dtype=np.uint8)
    weights = np.array([[-4.0, 4.0], [4.0, -4.0]])  # the regression says the opposite
    plain = TopicExamples(vectors, labels, ["t", "no_match"])
    fitted = TopicExamples(vectors, labels, ["t", "no_match"], weights, np.zeros(2))
    query = np.array([0.0, 1.0], dtype=np.float32)  # exactly the no_match example
    assert plain.votes(query, 1, 0.0)[0] == 0
    blended = fitted.votes(query, 1, 0.0)
    share = semantic.REGRESSION_SHARE
    assert blended[0] == pytest.approx(share * fitted.probabilities(query[None, :])[0, 0])
    assert blended[0] > 0.3 * share and blended[1] < 1
    assert not fitted.votes(np.zeros(2, dtype=np.float32), 1, 0.0).any()
    shipped = semantic.default_examples()
    assert shipped is not None and shipped.weights is not None


def test_votes_for_several_sentences_at_once_equal_the_votes_one_by_one():
    import numpy as np

    from bot.core.semantic import TopicExamples

    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(40, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = (rng.random((40, 5)) < 0.3).astype(np.uint8)
    examples = TopicExamples(vectors, labels, [f"t{i}" for i in range(5)])
    queries = rng.normal(size=(4, 8)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    together = examples.votes_many(queries, 7, 0.1)
    one_by_one = np.stack([examples.votes(q, 7, 0.1) for q in queries])
    assert np.allclose(together, one_by_one)
    for query, got in zip(queries, together, strict=True):  # the rule, written out plainly
        sims = [float(v @ query) for v in vectors]
        nearest = sorted(range(len(sims)), key=lambda i: -sims[i])[:7]
        expected = [
            sum(max(0.0, sims[i] - 0.1) / 0.9 * labels[i][label] for i in nearest) / 7
            for label in range(5)
        ]
        assert np.allclose(got, expected, atol=1e-6)


def test_a_few_texts_embed_exactly_as_in_a_large_batch():
    """A question and its sentences are tokenized one by one, the phrasings in one batch: the same
    text must get the same vector either way."""
    few = ["my back hurts after squats", "should i stop deadlifts", "glute squeeze how long"]
    many = few + [f"filler question number {i} about hip thrusts" for i in range(20)]
    embedder = default_embedder()
    assert np.allclose(embedder.encode(few), embedder.encode(many)[: len(few)])


def test_word_pieces_from_memory_are_the_tokenizers_own():
    """Few texts are cut into pieces word by word, from memory: for any text, normalised or not,
    the pieces must be exactly the tokenizer's."""
    import yaml

    from bot.core.text import normalize
    from bot.settings import DEFAULT_KNOWLEDGE

    embedder = StaticEmbedder.from_dir(MODEL_DIR)
    items = yaml.safe_load((DEFAULT_KNOWLEDGE / "eval" / "real-dev.yaml").read_text())
    raw = [item["q"] for item in items[:400]]
    texts = [normalize(q) for q in raw] + raw
    texts += [
        "numbness  down there",
        "ça fait mal au dos",
        "腰痛 back",
        "tab\there",
        "a\x1cb c",
        "café ümlaut naïve",
        " leading and trailing ",
        "word " * 600,  # more pieces than the model reads
    ]
    for text in texts:
        expected = embedder.tokenizer.encode(text, add_special_tokens=False).ids
        assert embedder._pieces(text) == expected, text
    assert embedder._word_pieces  # the memory was used


def test_a_greeting_or_quick_question_before_a_message_is_not_embedded():
    plain = question_text("my back hurts whenever I need to pee")
    for opening in ("hey bot, quick question: ", "Hi all! ", "morning everyone, random q: "):
        assert question_text(opening + "my back hurts whenever I need to pee") == plain
    assert question_text("hey bot quick question") == ""  # nothing but chatter
