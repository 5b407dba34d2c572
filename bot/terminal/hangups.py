"""SIGTERM and SIGHUP in the terminal's long commands (``lowback chat``, ``lowback routine``).

The terminal window closed, an ssh connection lost (SIGHUP), ``kill`` or a shutdown (SIGTERM):
each ends the command as Ctrl-C does, not at once, so that a routine under way is recorded as
stopped (not left "running" for ever), reminders claimed by the chat are let go and the database
is closed. The exit status is then 128 + the signal's number, as the shell gives a process the
signal ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Awaitable

HANGUPS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


async def ended_like_ctrl_c(work: Awaitable[int]) -> int:
    """``work``'s exit status; 128 + the signal's number when SIGTERM or SIGHUP cancelled it."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    received: list[int] = []

    def on_signal(signum: int) -> None:
        if not received and task is not None:
            received.append(signum)
            task.cancel()

    installed = []
    if task is not None and threading.current_thread() is threading.main_thread():
        for sig in HANGUPS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, on_signal, int(sig))
                installed.append(sig)
    try:
        return await work
    except asyncio.CancelledError:
        if not received or task is None or task.cancelling() > 1:  # cancelled by more than us
            raise
        task.uncancel()
        return 128 + received[0]
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
