"""A ``lowback`` command attached to a pseudo-terminal that is its controlling tty, as a person runs it."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

termios = pytest.importorskip("termios")
fcntl = pytest.importorskip("fcntl")
pty = pytest.importorskip("pty")

REPO = Path(__file__).resolve().parents[2]


class Terminal:
    """``python -m bot ARGS`` (or ``program`` ARGS) on a 100-column pseudo-terminal; ``extra_env``
    adds to its environment."""

    def __init__(
        self,
        args: list[str],
        cwd: Path,
        extra_env: dict[str, str] | None = None,
        program: list[str] | None = None,
    ):
        self.master, slave = pty.openpty()
        fcntl.ioctl(
            slave, termios.TIOCSWINSZ, b"\x18\x00\x64\x00\x00\x00\x00\x00"
        )  # 24 rows, 100 columns
        self.saved = termios.tcgetattr(slave)
        self.slave = slave
        env = dict(
            os.environ,
            TZ="UTC",
            PYTHONPATH=str(REPO),
            LOWBACK_DATABASE=str(cwd / "unused.db"),
            TERM="xterm",
        )
        env.pop("NO_COLOR", None)
        env.update(extra_env or {})
        self.proc = subprocess.Popen(
            [*(program or [sys.executable, "-m", "bot"]), *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=env,
            close_fds=True,
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        self.output = ""

    def read_until(self, marker: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while marker not in self.output:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"{marker!r} never appeared; output so far:\n{self.output[-2000:]}"
                )
            ready, _, _ = select.select([self.master], [], [], min(left, 0.05))
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the program exited and closed the terminal
                    chunk = b""
                if not chunk and self.proc.poll() is not None:
                    raise AssertionError(
                        f"exited before {marker!r}; output:\n{self.output[-2000:]}"
                    )
                self.output += chunk.decode("utf-8", "replace")
        return self.output

    def press(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait(self, timeout: float = 10.0) -> int:
        code = self.proc.wait(timeout=timeout)
        # Drain whatever the program wrote last.
        while select.select([self.master], [], [], 0.05)[0]:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.output += chunk.decode("utf-8", "replace")
        return code

    def settings_restored(self) -> bool:
        return termios.tcgetattr(self.slave) == self.saved

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self.slave)
