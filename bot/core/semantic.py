"""Sentence embeddings from a static model: numpy and the ``tokenizers`` package, nothing more.

The bundled model (``bot/models/minilm-static``, see its ORIGIN.md) was distilled with model2vec
from all-MiniLM-L6-v2: one 256-number vector per word piece. A sentence's embedding is the mean of
its pieces' vectors, scaled to length one, so the cosine of two sentences is a dot product. There
is no neural network at run time: loading takes tens of milliseconds and a question costs well
under a millisecond, which is what lets the matcher use meaning as well as words.

The model file is part of the package, like the default knowledge base; ``default_embedder``
reads it once per process. Pass ``embedder=None`` to the matcher for the lexical signal alone.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "minilm-static"
_DTYPES = {"F16": np.float16, "F32": np.float32, "F64": np.float64, "I8": np.int8}
_DEFAULT_MAX_LENGTH = 512


class ModelError(RuntimeError):
    """The embedding model is missing or unreadable."""


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a .safetensors file (a JSON header, then raw little-endian arrays)."""
    with open(path, "rb") as f:
        header_len = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(header_len))
        data = f.read()
    tensors: dict[str, np.ndarray] = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(spec["dtype"])
        if dtype is None:
            raise ModelError(f"{path}: tensor {name!r} has unsupported dtype {spec['dtype']}")
        start, end = spec["data_offsets"]
        itemsize = np.dtype(dtype).itemsize
        array = np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<"), count=(end - start) // itemsize,
                              offset=start)
        tensors[name] = array.reshape(spec["shape"])
    return tensors


class StaticEmbedder:
    """Mean of static token vectors, L2-normalised (what model2vec's StaticModel.encode computes)."""

    def __init__(self, embeddings: np.ndarray, tokenizer: Any, max_length: int | None = _DEFAULT_MAX_LENGTH):
        if embeddings.ndim != 2:
            raise ModelError("embeddings must be a 2-D array (vocabulary x dimensions)")
        self.embeddings = embeddings
        self.dim = int(embeddings.shape[1])
        self.tokenizer = tokenizer
        tokenizer.no_padding()
        if max_length is None:
            tokenizer.no_truncation()
        else:
            tokenizer.enable_truncation(max_length)
        unk = getattr(tokenizer.model, "unk_token", None)
        self._unk_id = tokenizer.token_to_id(unk) if unk else None
        self._encode_batch = getattr(tokenizer, "encode_batch_fast", tokenizer.encode_batch)

    @classmethod
    def from_dir(cls, path: str | os.PathLike[str]) -> StaticEmbedder:
        from tokenizers import Tokenizer  # imported here: only a matcher that uses meaning pays for it

        folder = Path(path)
        try:
            config_path = folder / "config.json"
            config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
            tensors = _read_safetensors(folder / "model.safetensors")
            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot read the embedding model in {folder}: {exc}") from exc
        if "embeddings" not in tensors:
            raise ModelError(f"{folder}: model.safetensors has no 'embeddings' tensor")
        return cls(tensors["embeddings"], tokenizer, config.get("max_length", _DEFAULT_MAX_LENGTH))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """A (len(texts), dim) float32 array of unit rows (all zeros for a text with no known pieces)."""
        if isinstance(texts, str):
            raise TypeError("encode takes a list of strings")
        n = len(texts)
        if n > _CHUNK:
            # In pieces: each call into the tokenizer and numpy stays short, so a knowledge-base
            # reload building this in a worker thread never holds the interpreter for seconds
            # (the bot keeps answering meanwhile). Rows are independent: the result is the same.
            return np.concatenate([self.encode(texts[i:i + _CHUNK]) for i in range(0, n, _CHUNK)])
        out = np.zeros((n, self.dim), dtype=np.float32)
        if n == 0:
            return out
        ids = [e.ids for e in self._encode_batch(list(texts), add_special_tokens=False)]
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=n)
        flat = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
        row_of = np.repeat(np.arange(n), lengths)
        if self._unk_id is not None:
            keep = flat != self._unk_id
            flat, row_of = flat[keep], row_of[keep]
        if flat.size:
            counts = np.bincount(row_of, minlength=n)
            rows = np.flatnonzero(counts)
            starts = np.concatenate(([0], np.cumsum(counts[rows])[:-1]))
            vectors = self.embeddings[flat].astype(np.float32)
            out[rows] = np.add.reduceat(vectors, starts, axis=0) / counts[rows, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


_CHUNK = 2048  # texts per call in ``encode``

_DEFAULT: StaticEmbedder | None = None


def default_embedder() -> StaticEmbedder:
    """The bundled model, read once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = StaticEmbedder.from_dir(MODEL_DIR)
    return _DEFAULT
