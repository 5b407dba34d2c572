"""What the training scripts share: scikit-learn, asked for by name, and the labelled sets they read."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml


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
        for path in paths
        if path.exists()
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
