"""Files and folders made read-only for a test, and whether that binds the user running the tests
(the superuser may write anything, whatever the permission bits say)."""

from __future__ import annotations

import contextlib
import stat
from collections.abc import Iterator
from pathlib import Path

SUPERUSER = (
    "the tests run as a user who may write in read-only folders (the superuser), so SQLite refuses "
    "nothing here; tests/store/test_read_only.py checks the message for the driver's own error"
)


@contextlib.contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """``paths`` without write permission (folders keep r-x, files r--), put back afterwards."""
    modes = {path: stat.S_IMODE(path.stat().st_mode) for path in paths}
    try:
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def permissions_bind(folder: Path) -> bool:
    """Whether a read-only folder keeps the user running the tests from writing in it."""
    probe = folder / ".permission-probe"
    probe.mkdir()
    try:
        with read_only(probe):
            try:
                (probe / "file").touch()
            except PermissionError:
                return True
        return False
    finally:
        (probe / "file").unlink(missing_ok=True)
        probe.rmdir()
