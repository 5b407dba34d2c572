"""The process's standard streams as the ``lowback`` command uses them: unreadable input and
unwritable characters replaced rather than fatal, and output that can no longer be written to
(a reader gone, a full disk) put out of the way."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys

CLOSED_OUTPUT = (
    "Standard output is closed, so nothing could be shown: run it with its output to a terminal, "
    "a file or /dev/null."
)


def stdout_is_closed() -> bool:
    """Whether the process started with no standard output (``lowback ... >&-``). ``print`` then
    writes nowhere without a word, and everything else fails."""
    return sys.stdout is None


def stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def forgiving_stdin() -> None:
    """Unreadable bytes on standard input become U+FFFD whatever the locale: still answered."""
    if isinstance(sys.stdin, io.TextIOWrapper):
        with contextlib.suppress(ValueError, OSError):  # closed, or already read from
            sys.stdin.reconfigure(errors="replace")


# Writing the output failed: a full disk, a quota, a file too big, a terminal gone away.
WRITE_FAULTS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def forgiving_stdout() -> None:
    """A character the output's encoding lacks (an emoji under PYTHONIOENCODING=ascii or a Latin-1
    locale) is written as "?" instead of the whole answer being lost."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        with contextlib.suppress(ValueError, OSError):
            sys.stdout.reconfigure(errors="replace")


def quiet_stdout() -> None:
    """Standard output to nothing: flushing it into the closed pipe at exit raises no more."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
