"""Each front end words its own commands: nothing the Discord front end says names a ``lowback``
command (the terminal's side, that it never tells anyone to press a button or to use a Discord
command, is tested on its replies in tests/terminal/test_render.py)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import bot

ROOT = Path(bot.__file__).parent
DISCORD_FRONT_END = [
    *sorted((ROOT / "exts").rglob("*.py")),
    *sorted((ROOT / "discord_ui").rglob("*.py")),
    ROOT / "app.py",
]
TERMINAL_COMMAND = re.compile(r"\blowback [a-z]")


def said(path: Path) -> Iterator[tuple[int, str]]:
    """Every string in ``path`` except docstrings: what the module may say to someone."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and id(node) not in docstrings:
            yield node.lineno, node.value


def test_the_scan_finds_a_terminal_command(tmp_path: Path) -> None:
    module = tmp_path / "cog.py"
    module.write_text('"""Try `lowback chat`."""\nHINT = "or `lowback mydata --delete`"\n')
    assert [line for line, text in said(module) if TERMINAL_COMMAND.search(text)] == [2]


def test_the_discord_front_end_never_names_a_terminal_command() -> None:
    found = [
        f"{path.relative_to(ROOT.parent)}:{line}: {text!r}"
        for path in DISCORD_FRONT_END
        for line, text in said(path)
        if TERMINAL_COMMAND.search(text)
    ]
    assert found == []
