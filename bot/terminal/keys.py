"""Key presses on the terminal for the routine runner: one key at a time, without Enter or echo,
and the terminal as it was whenever the runner is not in front: on the way out (Ctrl-C too) and
while it is suspended with Ctrl-Z.

Ctrl-Z is a shell's job control: the runner is told first (it pauses the routine and puts its
live display away, so the shell gets its cursor back), the terminal's settings are put back and
the process stops as usual; ``fg`` brings it back in keys mode, its display drawn again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TextIO

Suspend = Callable[[], Awaitable[None]]  # before the process stops
Resume = Callable[[], None]  # when it is back in the foreground


class KeysMode:
    """Single key presses without Enter and without echo on the terminal ``fd`` while on; the
    settings it found come back when off. Ctrl-C and Ctrl-Z still act (ISIG stays on)."""

    def __init__(self, fd: int) -> None:
        import termios

        self.fd = fd
        self.saved: list[Any] = termios.tcgetattr(fd)

    def on(self) -> None:
        import termios

        new = termios.tcgetattr(self.fd)
        new[3] &= ~(termios.ICANON | termios.ECHO)  # lflags
        new[6][termios.VMIN] = 1
        new[6][termios.VTIME] = 0
        termios.tcsetattr(self.fd, termios.TCSANOW, new)

    def off(self) -> None:
        import termios

        termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)


@contextlib.contextmanager
def keys_mode(fd: int) -> Iterator[KeysMode]:
    """:class:`KeysMode` on inside the block; the old settings come back on exit, however it ends."""
    mode = KeysMode(fd)
    mode.on()
    try:
        yield mode
    finally:
        mode.off()


def is_tty(stream: TextIO) -> bool:
    try:
        return os.isatty(stream.fileno())
    except (AttributeError, ValueError, OSError):
        return False


@contextlib.contextmanager
def key_presses(
    stdin: TextIO, *, suspend: Suspend | None = None, resume: Resume | None = None
) -> Iterator[asyncio.Queue[str]]:
    """The keys pressed on ``stdin`` (a terminal), one character at a time, while inside the block;
    the terminal's settings come back on the way out. Ctrl-Z meanwhile: ``suspend``, the old
    settings, the process stopped; back in the foreground, keys mode and ``resume``."""
    loop = asyncio.get_running_loop()
    pressed: asyncio.Queue[str] = asyncio.Queue()
    fd = stdin.fileno()

    def on_readable() -> None:
        try:
            data = os.read(fd, 64)
        except OSError:
            data = b""
        if not data:  # end of input: no more keys
            loop.remove_reader(fd)
            return
        for ch in data.decode("utf-8", "replace"):
            pressed.put_nowait(ch)

    with keys_mode(fd) as mode, _job_control(mode, suspend, resume):
        loop.add_reader(fd, on_readable)
        try:
            yield pressed
        finally:
            loop.remove_reader(fd)


@contextlib.contextmanager
def _job_control(mode: KeysMode, suspend: Suspend | None, resume: Resume | None) -> Iterator[None]:
    """Ctrl-Z (SIGTSTP) handled as described in the module's docstring, while inside the block."""
    loop = asyncio.get_running_loop()
    stopping: set[asyncio.Task[None]] = set()

    async def stop_here() -> None:
        if suspend is not None:
            await suspend()
        with contextlib.suppress(OSError, ValueError):
            mode.off()
        loop.remove_signal_handler(signal.SIGTSTP)
        os.kill(os.getpid(), signal.SIGTSTP)  # stopped here, as a job of the shell, until `fg`
        _listen()
        with contextlib.suppress(OSError, ValueError):
            mode.on()
        if resume is not None:
            resume()

    def on_ctrl_z() -> None:
        if not stopping:
            task = loop.create_task(stop_here())
            stopping.add(task)
            task.add_done_callback(stopping.discard)

    def _listen() -> bool:
        try:
            loop.add_signal_handler(signal.SIGTSTP, on_ctrl_z)
        except (AttributeError, NotImplementedError, RuntimeError, ValueError):
            return False  # no job control here (or not the main thread): Ctrl-Z does what it did
        return True

    listening = _listen()
    try:
        yield
    finally:
        if listening:
            loop.remove_signal_handler(signal.SIGTSTP)
        for task in stopping:
            task.cancel()
