"""What the training scripts share: scikit-learn, asked for by name, and the labelled sets they read."""

from __future__ import annotations

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
