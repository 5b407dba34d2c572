"""The static embedding model: unit vectors, and closeness that follows meaning, not shared words."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.semantic import MODEL_DIR, ModelError, StaticEmbedder, default_embedder


def test_vectors_are_unit_length_and_empty_text_is_zero():
    vectors = default_embedder().encode(["my lower back hurts after sitting", "", "🙂"])
    assert vectors.dtype == np.float32 and vectors.shape[0] == 3
    assert abs(float(np.linalg.norm(vectors[0])) - 1) < 1e-5
    assert not vectors[1].any()


def test_closeness_follows_meaning():
    a, b, c = default_embedder().encode([
        "my desk job is wrecking my back",
        "sitting at work all day makes my lower back ache",
        "what is the best graphics card for gaming",
    ])
    assert float(a @ b) > float(a @ c) + 0.1  # no shared content word, yet closer


def test_the_bundled_model_says_where_it_came_from():
    origin = (MODEL_DIR / "ORIGIN.md").read_text(encoding="utf-8")
    assert "all-MiniLM-L6-v2" in origin and "Apache-2.0" in origin
    assert (MODEL_DIR / "LICENSE").exists()


def test_a_missing_model_is_one_clear_error(tmp_path):
    with pytest.raises(ModelError, match="cannot read the embedding model"):
        StaticEmbedder.from_dir(tmp_path)
