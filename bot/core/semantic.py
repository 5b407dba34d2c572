"""Sentence embeddings from a static model: numpy and the ``tokenizers`` package, nothing more.

The bundled model (``bot/models/minilm-static``, see its ORIGIN.md) was distilled with model2vec
from all-MiniLM-L6-v2: one 256-number vector per word piece. A sentence's embedding is the mean of
its pieces' vectors, scaled to length one, so the cosine of two sentences is a dot product. There
is no neural network at run time: loading takes tens of milliseconds and a question costs well
under a millisecond, which is what lets the matcher use meaning as well as words.

The topics read a copy of it fitted to the full transformer's sentence vectors on this subject's
texts (``bot/models/minilm-topics``, ``default_topic_embedder``); the safety heads read the one they
were trained on (``default_embedder``). The model files are part of the package, like the default
knowledge base, each read once per process. Pass ``embedder=None`` to the matcher for the lexical
signal alone.
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
TOPICS_MODEL_DIR = MODEL_DIR.parent / "minilm-topics"  # the same model taught the meaning of
# this subject's questions (its ORIGIN.md): what the topics read; the safety heads read MODEL_DIR's
_DTYPES = {"F16": np.float16, "F32": np.float32, "F64": np.float64, "I8": np.int8}
_DEFAULT_MAX_LENGTH = 512
REGRESSION_SHARE = 0.35  # how much the topic examples' regression counts against their neighbours


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
        array = np.frombuffer(
            data,
            dtype=np.dtype(dtype).newbyteorder("<"),
            count=(end - start) // itemsize,
            offset=start,
        )
        tensors[name] = array.reshape(spec["shape"])
    return tensors


class StaticEmbedder:
    """Mean of static token vectors, L2-normalised (what model2vec's StaticModel.encode computes)."""

    def __init__(
        self, embeddings: np.ndarray, tokenizer: Any, max_length: int | None = _DEFAULT_MAX_LENGTH
    ):
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
        self.memo_dir: Path | None = None  # where encode_many may keep the vectors of long lists
        import hashlib

        sample = np.ascontiguousarray(embeddings[:: max(1, len(embeddings) // 512)]).tobytes()
        self.identity = f"{embeddings.shape}:{hashlib.blake2b(sample, digest_size=16).hexdigest()}"
        unk = getattr(tokenizer.model, "unk_token", None)
        self._unk_id = tokenizer.token_to_id(unk) if unk else None
        self._encode_batch = getattr(tokenizer, "encode_batch_fast", tokenizer.encode_batch)
        self._max_length = max_length
        # A BERT tokenizer cuts text at spaces before anything else and treats each word alone,
        # so a text's pieces are its words' pieces, which can be remembered word by word.
        self._word_pieces: dict[str, list[int]] | None = (
            {}
            if type(getattr(tokenizer, "pre_tokenizer", None)).__name__ == "BertPreTokenizer"
            and type(getattr(tokenizer, "normalizer", None)).__name__
            in ("BertNormalizer", "NoneType")
            else None
        )

    @classmethod
    def from_dir(cls, path: str | os.PathLike[str], tokenizer: Any = None) -> StaticEmbedder:
        """The model in ``path``; with ``tokenizer``, that one instead of the folder's (a model
        that shares another's vocabulary need not read the same tokenizer twice)."""
        from tokenizers import (
            Tokenizer,
        )  # imported here: only a matcher that uses meaning pays for it

        folder = Path(path)
        try:
            config_path = folder / "config.json"
            config = (
                json.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
            )
            tensors = _read_safetensors(folder / "model.safetensors")
            if tokenizer is None:
                tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot read the embedding model in {folder}: {exc}") from exc
        if "embeddings" not in tensors:
            raise ModelError(f"{folder}: model.safetensors has no 'embeddings' tensor")
        return cls(tensors["embeddings"], tokenizer, config.get("max_length", _DEFAULT_MAX_LENGTH))

    def encode_many(self, texts: Sequence[str]) -> np.ndarray:
        """``encode`` for a long, fixed list (a knowledge base's phrasings): read from ``memo_dir``
        when the same list was encoded before with this model, else encoded and kept there. The
        file's name is a hash of the model and every text, so it cannot be stale."""
        if self.memo_dir is None:
            return self.encode(texts)
        import hashlib

        digest = hashlib.blake2b(
            ("\0".join([self.identity, *texts])).encode("utf-8"), digest_size=16
        ).hexdigest()
        path = self.memo_dir / f"vectors.{digest}.npy"
        try:
            vectors: np.ndarray = np.load(path, allow_pickle=False)
            if vectors.shape == (len(texts), self.dim):
                return vectors
        except (OSError, ValueError, EOFError):  # EOFError: an empty file (power lost mid-write)
            pass
        vectors = self.encode(texts)
        try:
            self.memo_dir.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npy")
            np.save(temporary, vectors, allow_pickle=False)
            os.replace(temporary, path)
            for old in self.memo_dir.glob("vectors.*.npy"):
                if old != path and old.stat().st_mtime < path.stat().st_mtime - 3600:
                    old.unlink(
                        missing_ok=True
                    )  # a list from an older knowledge base, unused for an hour
        except OSError:
            pass
        return vectors

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """A (len(texts), dim) float32 array of unit rows (all zeros for a text with no known pieces)."""
        if isinstance(texts, str):
            raise TypeError("encode takes a list of strings")
        n = len(texts)
        if n > _CHUNK:
            # In pieces: each call into the tokenizer and numpy stays short, so a knowledge-base
            # reload building this in a worker thread never holds the interpreter for seconds
            # (the bot keeps answering meanwhile). Rows are independent: the result is the same.
            return np.concatenate([self.encode(texts[i : i + _CHUNK]) for i in range(0, n, _CHUNK)])
        return self.pool(self.pieces(texts), n)

    def pieces(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Every known word-piece id of the texts, flat, and the row (text) each belongs to."""
        n = len(texts)
        if n == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if n <= _FEW:
            # A question and its sentences: one by one, as the batch call hands even a few short
            # texts to a thread pool whose start-up costs more than the work.
            ids = [self._pieces(t) for t in texts]
        else:
            ids = [e.ids for e in self._encode_batch(list(texts), add_special_tokens=False)]
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=n)
        flat = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
        row_of = np.repeat(np.arange(n), lengths)
        if self._unk_id is not None:
            keep = flat != self._unk_id
            flat, row_of = flat[keep], row_of[keep]
        return flat, row_of

    def pool(self, pieces: tuple[np.ndarray, np.ndarray], n: int) -> np.ndarray:
        """The unit mean of each of ``n`` rows' piece vectors (``pieces``: what ``pieces`` gives)."""
        flat, row_of = pieces
        out = np.zeros((n, self.dim), dtype=np.float32)
        if flat.size:
            counts = np.bincount(row_of, minlength=n)
            rows = np.flatnonzero(counts)
            starts = np.concatenate(([0], np.cumsum(counts[rows])[:-1]))
            vectors = self.embeddings[flat].astype(np.float32)
            out[rows] = np.add.reduceat(vectors, starts, axis=0) / counts[rows, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    def _pieces(self, text: str) -> list[int]:
        """The text's word-piece ids, as the tokenizer gives them: for words separated by single
        spaces, each word's pieces from memory (a question's words recur in its sentences and in
        the next questions), else from the tokenizer."""
        memo = self._word_pieces
        if memo is None or text != " ".join(text.split()):
            ids: list[int] = self.tokenizer.encode(text, add_special_tokens=False).ids
            return ids
        out: list[int] = []
        for word in text.split(" "):
            pieces = memo.get(word)
            if pieces is None:
                if len(memo) >= _WORDS_REMEMBERED:
                    memo.clear()
                pieces = memo[word] = self.tokenizer.encode(word, add_special_tokens=False).ids
            out.extend(pieces)
        return out if self._max_length is None else out[: self._max_length]


_CHUNK = 2048  # texts per call in ``encode``
_WORDS_REMEMBERED = 50_000  # words whose pieces ``_pieces`` keeps (a few megabytes)
_FEW = 8  # up to this many texts are tokenized one by one

QUESTION_WORDS = 60  # of a long post, the first 20 and the last 40 words are embedded


def question_text(text: str, *, already_normalized: bool = False) -> str:
    """What of a message is embedded: its normalised words without the chatter around them
    (``chatter.without_chatter``), a long post cut to its start and end (forum posts put the
    question last)."""
    from bot.core.chatter import without_chatter
    from bot.core.text import normalize

    words = without_chatter(text if already_normalized else normalize(text)).split()
    if len(words) > QUESTION_WORDS:
        words = words[: QUESTION_WORDS // 3] + words[-(QUESTION_WORDS - QUESTION_WORDS // 3) :]
    return " ".join(words)


class TopicExamples:
    """Labelled questions (their embeddings and what answers them), from the development part of
    the real-question corpus: ``votes(vector)`` says, for each label, how much of the weight of the
    question's nearest labelled questions carries it. Written by scripts/train_topic_examples.py.

    With ``weights`` and ``bias`` (a softmax regression over the same questions, fitted by that
    script), a vote blends the neighbours' with the regression's probability (``REGRESSION_SHARE``):
    the neighbours know the wordings seen, the regression the directions in meaning that separate
    the labels, and together they reach questions from sites neither has seen better than either
    alone."""

    def __init__(
        self,
        vectors: np.ndarray,
        labels: np.ndarray,
        names: Sequence[str],
        weights: np.ndarray | None = None,
        bias: np.ndarray | None = None,
    ):
        if vectors.ndim != 2 or labels.shape != (len(vectors), len(names)):
            raise ModelError("topic examples: vectors, labels and names do not agree")
        if (weights is None) != (bias is None) or (
            weights is not None
            and bias is not None
            and (weights.shape != (vectors.shape[1], len(names)) or bias.shape != (len(names),))
        ):
            raise ModelError("topic examples: the regression's weights do not fit the labels")
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._vectors_t = np.ascontiguousarray(self.vectors.T)  # a faster product than .T
        self.labels = np.ascontiguousarray(labels, dtype=np.float32)
        self._labels64 = self.labels.astype(np.float64)
        self.names = list(names)
        self.dim = int(self.vectors.shape[1])
        self.weights = None if weights is None else np.asarray(weights, dtype=np.float64)
        self.bias = None if bias is None else np.asarray(bias, dtype=np.float64)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> TopicExamples:
        try:
            with np.load(path, allow_pickle=False) as data:
                fitted = "weights" in data.files
                return cls(
                    data["vectors"],
                    data["labels"],
                    [str(n) for n in data["names"]],
                    data["weights"] if fitted else None,
                    data["bias"] if fitted else None,
                )
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot read the topic examples in {path}: {exc}") from exc

    def votes(self, vector: np.ndarray, k: int, floor: float) -> np.ndarray:
        """Per label (``names``), the similarity-weighted share of the ``k`` nearest examples that
        carry it, scaled by how close they are (an example at or under cosine ``floor`` counts 0)."""
        row: np.ndarray = self.votes_many(vector[None, :], k, floor)[0]
        return row

    def votes_many(self, vectors: np.ndarray, k: int, floor: float) -> np.ndarray:
        """``votes`` for each row of ``vectors`` at once: a (rows, labels) array. ``floor`` is at
        least 0, so a row of zeros (no words the model knows) gets no vote."""
        n = len(self.vectors)
        if n == 0 or not len(vectors):
            return np.zeros((len(vectors), len(self.names)), dtype=np.float64)
        sims = vectors.astype(np.float32) @ self._vectors_t
        k = min(k, n)
        # the k nearest of each row; one at or under the floor weighs nothing
        near = (
            np.argpartition(-sims, k - 1, axis=1)[:, :k]
            if k < n
            else np.tile(np.arange(n), (len(sims), 1))
        )
        weight = np.take_along_axis(sims, near, axis=1).astype(np.float64) - floor
        np.clip(weight / max(1e-9, 1.0 - floor), 0.0, None, out=weight)
        votes: np.ndarray = np.einsum("rk,rkl->rl", weight, self._labels64[near]) / k
        if self.weights is not None and self.bias is not None:
            share = REGRESSION_SHARE
            votes = (1 - share) * votes + share * self.probabilities(vectors)
        return votes

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """The regression's probability of each label, per row (zero for a row of zeros)."""
        assert self.weights is not None and self.bias is not None
        z = vectors.astype(np.float64) @ self.weights + self.bias
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        p[~vectors.any(axis=1)] = 0.0
        return p


EXAMPLES_FILE = MODEL_DIR.parent / "topic_examples.npz"
_DEFAULT: StaticEmbedder | None = None
_TOPICS: StaticEmbedder | JointEmbedder | None = None
_EXAMPLES: TopicExamples | None = None


def default_examples() -> TopicExamples | None:
    """The labelled development questions shipped with the package, or None when there are none."""
    global _EXAMPLES
    if _EXAMPLES is None and EXAMPLES_FILE.exists():
        _EXAMPLES = TopicExamples.from_file(EXAMPLES_FILE)
    return _EXAMPLES


def default_embedder() -> StaticEmbedder:
    """The bundled model the safety heads were trained on, read once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = StaticEmbedder.from_dir(MODEL_DIR)
    return _DEFAULT


class JointEmbedder:
    """Two static models with one tokenizer read as one (the topics' meaning): each model's unit
    vector of a text, side by side, over the square root of two, so that a dot product of two such
    vectors is the mean of the two models' cosines. The text is cut into pieces once."""

    def __init__(self, first: StaticEmbedder, second: StaticEmbedder):
        if first.embeddings.shape[0] != second.embeddings.shape[0]:
            raise ModelError("the two models of a joint model must share one vocabulary")
        self.parts = (first, second)
        self.tokenizer = first.tokenizer  # (its vocabulary: the words the spelling menders know)
        self.dim = first.dim + second.dim
        self.identity = f"{first.identity}+{second.identity}"
        self.memo_dir: Path | None = None  # handed to the parts' ``encode_many``

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("encode takes a list of strings")
        if len(texts) > _CHUNK:
            return np.concatenate(
                [self.encode(texts[i : i + _CHUNK]) for i in range(0, len(texts), _CHUNK)]
            )
        pieces = self.parts[0].pieces(texts)
        return self._joined([p.pool(pieces, len(texts)) for p in self.parts])

    def encode_many(self, texts: Sequence[str]) -> np.ndarray:
        """``encode`` for a long, fixed list, each half kept as its model's ``encode_many`` keeps it."""
        for part in self.parts:
            part.memo_dir = self.memo_dir
        return self._joined([p.encode_many(texts) for p in self.parts])

    @staticmethod
    def _joined(halves: list[np.ndarray]) -> np.ndarray:
        joined: np.ndarray = np.hstack(halves).astype(np.float32) / np.float32(np.sqrt(2))
        return joined


def as_read_by(model: Any, embedder: Any, vector: np.ndarray | None) -> np.ndarray | None:
    """``vector`` (``embedder``'s embedding of a text) as ``model`` embeds the same text: itself
    when they are one, ``model``'s half of a joint vector when it is one of its parts, else None."""
    if vector is None or model is embedder:
        return vector
    parts = getattr(embedder, "parts", ())
    if parts and parts[0] is model:
        half: np.ndarray = vector[: model.dim] * np.float32(np.sqrt(2))
        return half
    return None


def default_topic_embedder() -> StaticEmbedder | JointEmbedder:
    """The bundled model the topics and the labelled examples are read with, once per process
    (the safety model where the package has no topic model)."""
    global _TOPICS
    if _TOPICS is None:
        _TOPICS = (
            JointEmbedder(
                default_embedder(),
                StaticEmbedder.from_dir(TOPICS_MODEL_DIR, default_embedder().tokenizer),
            )
            if TOPICS_MODEL_DIR.exists()
            else default_embedder()
        )
    return _TOPICS
