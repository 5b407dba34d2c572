"""Each front end words its own commands: nothing the Discord front end says names a ``lowback``
command, and nothing the terminal says tells anyone to press a button or names a command only
Discord has (the terminal's replies are tested the same way in tests/terminal/test_render.py)."""

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
TERMINAL = sorted((ROOT / "terminal").rglob("*.py"))
TERMINAL_COMMAND = re.compile(r"\blowback [a-z]")
# Discord's words: a button to press, or a slash command the chat does not have.
DISCORD_WORDS = re.compile(
    r"\bbuttons?\b|\bpress \*|/routine start|/progress (?:show|set)|/mydata (?:show|delete)"
    r"|/ask\b|/admin\b",
    re.IGNORECASE,
)


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


def test_the_scans_find_what_they_look_for(tmp_path: Path) -> None:
    module = tmp_path / "words.py"
    module.write_text(
        '"""Try `lowback chat`."""\n'
        'HINT = "or `lowback mydata --delete`"\n'
        'TIP = "Press *Next*; the leg press is fine."\n'
        'MORE = "Use `/progress show`."\n'
    )
    assert [line for line, text in said(module) if TERMINAL_COMMAND.search(text)] == [2]
    assert [line for line, text in said(module) if DISCORD_WORDS.search(text)] == [3, 4]


def saying(paths: list[Path], words: re.Pattern[str]) -> list[str]:
    """Where the modules in ``paths`` say ``words``: ``file:line: text`` for each."""
    return [
        f"{path.relative_to(ROOT.parent)}:{line}: {text!r}"
        for path in paths
        for line, text in said(path)
        if words.search(text)
    ]


def test_the_discord_front_end_never_names_a_terminal_command() -> None:
    assert saying(DISCORD_FRONT_END, TERMINAL_COMMAND) == []


def test_the_terminal_never_words_a_discord_button_or_command() -> None:
    assert saying(TERMINAL, DISCORD_WORDS) == []
