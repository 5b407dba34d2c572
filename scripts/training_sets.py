"""What the training scripts share: scikit-learn, asked for by name, and the labelled sets they read."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED_DEV = Path(os.environ.get("LOWBACK_SHARED", ROOT.parent / "shared")) / "eval" / "dev.yaml"
"""The shared development set: ``../shared`` beside the checkout, or the folder LOWBACK_SHARED
names (a worktree elsewhere)."""


def existing(paths: Iterable[Path]) -> list[Path]:
    """The sets that exist; each one missing is named on standard error, so that figures made
    without it are never taken for figures made with it."""
    found = []
    for path in paths:
        if path.exists():
            found.append(path)
        else:
            print(
                f"not found, left out: {path} (set LOWBACK_SHARED for the shared set)",
                file=sys.stderr,
            )
    return found


def require_sklearn() -> None:
    """Exit with how to install scikit-learn when it is missing (it is for training only)."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        sys.exit("Training needs scikit-learn: .venv/bin/pip install -e '.[train]'")


def read_sets(paths: Iterable[Path]) -> list[tuple[str, dict]]:
    """Every question of the sets that exist, with the name of its file."""
    return [
        (path.name, item)
        for path in existing(paths)
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))
    ]


def start(
    description: str, paths: Iterable[Path]
) -> tuple[argparse.Namespace, list[tuple[str, dict]]]:
    """A training script's opening: its arguments (``--no-write`` prints the figures only), then
    scikit-learn, then its sets."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--no-write", action="store_true", help="print the figures only")
    args = ap.parse_args()
    require_sklearn()
    return args, read_sets(paths)
