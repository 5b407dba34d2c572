"""Sending claimed reminders: composed, paced, sent concurrently, and what became of each recorded.

The :class:`~bot.services.reminders.dispatcher.Dispatcher` claims; :class:`Sends` sends what it
claimed, holding one of ``max_in_flight`` slots per send until its outcome is recorded.

Just before a send starts (after its wait for the pace, which a global rate limit can make
long) the claim is looked at once more: a person who deleted their data meanwhile gets nothing.
In the same write the send's start is recorded, so that a process taking the claim over after a
crash knows the reminder may have gone out (see ``why_not_resend`` in ``outcomes.py``).

A claim is never left behind by a failure: one before the send (composing, the pace, the
database) hands the claim back for a retry at once (:meth:`Sends.give_back`); after the send, the
outcome is recorded again and again while the database cannot be reached, the claim kept renewed
meanwhile, so a reminder that went out is marked sent rather than sent twice. Whatever still
escapes (the database down for longer than the lease) is taken over when the lease runs out.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.core.clock import Sleep
from bot.core.schedule import Occurrence
from bot.services.reminders.delivery import Compose, DeliveryResult, Sender
from bot.services.reminders.messages import (
    MAYBE_TWICE,
    SKIPPED_DONE,
    ReminderMessage,
    Skip,
)
from bot.services.reminders.outcomes import Settler, may_show_again
from bot.services.zones import person_zone, zone_note
from bot.store.errors import DatabaseError
from bot.store.reminders import SKIPPED, DeliveryRow, ReminderStore

log = logging.getLogger("lowback.reminders")


class Pace(Protocol):
    """What paces the sends: a :class:`TokenBucket`, or the processes' shared budget
    (:class:`bot.store.shared.SharedBudget`)."""

    async def acquire(self) -> None: ...


@dataclass
class Claim:
    delivery: DeliveryRow
    timezone: str
    channel_id: int | None = None  # the person's DM channel, if known


class Sends:
    """The reminders being sent: at most ``max_in_flight`` at once, started no faster than
    ``bucket`` allows. ``report`` logs a failure the way the dispatcher does (once, then counted)."""

    def __init__(
        self,
        store: ReminderStore,
        sender: Sender,
        compose: Compose,
        clock: Callable[[], datetime],
        settler: Settler,
        bucket: Pace,
        max_in_flight: int,
        report: Callable[[BaseException, str], None],
        sleep: Sleep,
        on_send: Callable[[], None] = lambda: None,
    ):
        self.store = store
        self.sender = sender
        self.compose = compose
        self.clock = clock
        self.settler = settler
        self.stats = settler.stats
        self.bucket = bucket
        self.max_in_flight = max_in_flight
        self.report = report
        self.sleep = sleep
        self.on_send = on_send  # a send started: keep its claim renewed (see leases.py)
        self.stamp = clock  # the clock leases are judged by (see leases.py)
        self.set_zone: str | None = None  # how to set one's zone (see zones.zone_note)
        self.slots = asyncio.Semaphore(max_in_flight)
        self._tasks: set[asyncio.Task[None]] = set()
        self._inflight: set[int] = set()
        self._aborted: list[BaseException] = []

    def held(self) -> set[int]:
        """The deliveries whose sends are in progress (their outcome not yet recorded)."""
        return set(self._inflight)

    @property
    def room(self) -> int:
        """How many more sends may start now."""
        return self.max_in_flight - len(self._inflight)

    async def finish(self, timeout: float) -> None:
        """Give the sends in flight up to ``timeout`` seconds, then cancel the rest."""
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    async def drain(self) -> None:
        """Wait for every send in flight; re-raise a send's fatal error (the process is going down)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._aborted:
            exc = self._aborted.pop(0)
            self._aborted.clear()
            raise exc

    async def dispatch(self, claim: Claim) -> None:
        """Compose and start sending a claimed reminder. Holds one slot, released when done."""
        delivery = claim.delivery
        started = False
        self._inflight.add(delivery.id)
        try:
            message = await self._compose(claim)
            if message is None:
                return
            await self.bucket.acquire()
            if not await self.store.begin_send(delivery, self.stamp()):
                log.info(
                    "reminder %s for user %s not sent: its claim ended while it waited for its turn"
                    " (the person deleted their data, or another process took it over)",
                    delivery.occurrence_key,
                    delivery.user_id,
                )
                return
            task = asyncio.get_running_loop().create_task(self._send(delivery, message))
            started = True
            self._tasks.add(task)
            task.add_done_callback(self._sent_done)
        except Exception as exc:  # the pace or the database failed: try again later, not never
            self.report(
                exc,
                f"reminder {delivery.occurrence_key} for user {delivery.user_id} could not be sent now",
            )
            await self.give_back(delivery, exc)
        finally:
            if not started:
                self._inflight.discard(delivery.id)
                self.slots.release()
        if started:
            self.on_send()

    async def _compose(self, claim: Claim) -> ReminderMessage | None:
        """The message for a claimed reminder; None when there is nothing to send (recorded).
        Its times are in the person's zone; when that is no longer known, in the fallback, and
        the message starts by saying so. A reminder sent again after a send nobody recorded, too
        long after it for the transport to drop the repeat by its nonce, says it may be one."""
        delivery = claim.delivery
        where = person_zone(delivery.user_id, claim.timezone)
        occurrence = Occurrence.from_key(delivery.occurrence_key, delivery.due_at, where.name)
        try:
            message = self.compose(delivery.user_id, occurrence)
            if inspect.isawaitable(message):
                message = await message
        except Exception as exc:
            log.exception(
                "composing reminder %s for user %s failed",
                delivery.occurrence_key,
                delivery.user_id,
            )
            await self.settler.settle(delivery, DeliveryResult.retry(f"composing failed: {exc}"))
            return None
        if message is None or isinstance(message, Skip):
            reason = message.reason if message is not None else SKIPPED_DONE
            if await self.store.finish(delivery, SKIPPED, self.clock(), error=reason):
                self.stats.skipped += 1
            return None
        note = zone_note(where, self.set_zone)
        if may_show_again(delivery.doubt_first_at, self.stamp()):
            note = f"{note}\n\n{MAYBE_TWICE}" if note else MAYBE_TWICE
        return replace(
            message,
            body=f"{note}\n\n{message.body}" if note else message.body,
            user_id=delivery.user_id,
            occurrence_key=delivery.occurrence_key,
            channel_id=claim.channel_id,
        )

    async def give_back(self, delivery: DeliveryRow, exc: BaseException) -> None:
        """A claimed reminder could not be sent because of ``exc``: release its claim for a retry
        (with back-off, within grace and the attempts allowed). If even that fails, the claim is
        left to its lease, which this dispatcher no longer renews."""
        try:
            await self.settler.settle(
                delivery, DeliveryResult.retry(f"{type(exc).__name__}: {exc}")
            )
        except Exception as again:
            self.report(
                again,
                f"reminder {delivery.occurrence_key} for user {delivery.user_id} could not be handed"
                " back; it is taken over when its claim runs out",
            )

    def _sent_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        if isinstance(exc, Exception):
            self.report(exc, "a reminder send ended abnormally")
        else:
            self._aborted.append(exc)  # the process is going down: run_pending re-raises it

    async def _send(self, delivery: DeliveryRow, message: ReminderMessage) -> None:
        try:
            try:
                result = await self.sender.send(delivery.user_id, message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "sending reminder %s to user %s raised %r",
                    delivery.occurrence_key,
                    delivery.user_id,
                    exc,
                )
                result = DeliveryResult.retry(f"{type(exc).__name__}: {exc}")
            await self._record(delivery, result, message)
        finally:
            self._inflight.discard(delivery.id)
            self.slots.release()

    async def _record(
        self, delivery: DeliveryRow, result: DeliveryResult, message: ReminderMessage
    ) -> None:
        """Record what became of a send; while the database cannot take it, try again (1 s,
        doubling to 30 s), the claim still held, so that a reminder that went out is not sent twice."""
        delay = 1.0
        while True:
            try:
                await self.settler.settle(
                    delivery,
                    result,
                    routine_id=message.routine_id,
                    known_channel=message.channel_id,
                )
                return
            except DatabaseError as exc:
                self.report(
                    exc,
                    f"recording what became of reminder {delivery.occurrence_key} for user"
                    f" {delivery.user_id} failed (trying again)",
                )
            await self.sleep(delay)
            delay = min(delay * 2, 30.0)
