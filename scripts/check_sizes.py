"""House rule for bot/: no module over 500 lines, no function over 60 lines unless its docstring
says why (a line starting with "Long:"). Prints each offender; exits 1 if there is one.

    python scripts/check_sizes.py [FOLDER]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def offenders(root: Path) -> list[str]:
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n") + (not text.endswith("\n") and bool(text))
        if lines > MAX_MODULE_LINES:
            found.append(f"{path}: {lines} lines (at most {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(text, str(path))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            doc = ast.get_docstring(node) or ""
            reasoned = any(line.strip().startswith("Long:") for line in doc.splitlines())
            if length > MAX_FUNCTION_LINES and not reasoned:
                found.append(
                    f"{path}:{node.lineno}: {node.name}() is {length} lines "
                    f"(at most {MAX_FUNCTION_LINES}, or say why in a 'Long:' line of its docstring)"
                )
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "bot"
    found = offenders(root)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
