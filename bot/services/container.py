"""Everything a front end needs, opened and closed together.

    services = await Services.open(settings, clock=clock, sleep=sleep)
    reply = await services.ask.ask(user_id, "can i still deadlift?")
    ...
    await services.close()

No discord import here: the Discord front end and the terminal share this.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.clock import Clock, Sleep, utcnow
from bot.core.errors import KBIssue
from bot.core.knowledge.model import KnowledgeBase
from bot.services.ask import AskService
from bot.services.data import DataService
from bot.services.knowledge import KnowledgeHolder, open_knowledge
from bot.services.progress import ProgressService
from bot.services.routine_spool import record_kept, spool_files
from bot.settings import Settings, SettingsError
from bot.store.db import Database, open_database
from bot.store.people import LOCAL_USER_ID, PeopleStore
from bot.store.restored import restored_window
from bot.store.unanswered import UnansweredStore

if (
    TYPE_CHECKING
):  # the reminder and routine services load when first used: `lowback ask` needs neither
    from bot.services.reminders import Dispatcher, ReminderService, Sender
    from bot.services.reminders.messages import ReminderComposer
    from bot.services.routines import RoutineService
    from bot.services.unanswered import UnansweredService
    from bot.store.shared import ChangeFeed, SharedBudget

log = logging.getLogger("lowback.services")

IDENTIFY_INTERVAL = 5.0  # Discord: one gateway IDENTIFY per 5 s per bot (max_concurrency 1)


class Services:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        knowledge: KnowledgeHolder,
        clock: Clock,
        sleep: Sleep,
    ):
        self.settings = settings
        self.db = db
        self.knowledge = knowledge
        self.clock = clock
        self.sleep = sleep
        self.people = PeopleStore(db)
        self.unanswered = UnansweredStore(db)
        self.ask = AskService(
            knowledge,
            self.people,
            self.unanswered,
            clock,
            retention_days=settings.unanswered_retention_days,
        )
        self.data = DataService(db, stop_routine=self._stop_routine_for_deletion)
        self.progress = ProgressService(
            knowledge,
            self.people,
            clock,
            streaks=lambda user_id: self.routines.person_streaks(user_id),
            set_timezone=lambda user_id, text: self.reminders.set_timezone(user_id, text),
        )
        self.dispatcher: Dispatcher | None = None
        self.peers: ChangeFeed | None = None  # the other processes sharing a PostgreSQL store
        self.budget: SharedBudget | None = None  # their one rate budget for reminders
        self.identify_budget: SharedBudget | None = None  # one gateway IDENTIFY every 5 s, for all
        self._background: set[asyncio.Task[None]] = set()
        # A restored backup: when it was taken and put back (bot/store/restored.py), or None.
        self.restored: tuple[datetime, datetime] | None = None

    @cached_property
    def routines(self) -> RoutineService:
        from bot.services.routines import RoutineService

        service = RoutineService(self.db, self.knowledge.kb.routines, self.clock, self.sleep)
        service.spool = self.spool_base
        self.knowledge.subscribe(lambda kb: service.set_book(kb.routines))
        return service

    @cached_property
    def spool_base(self) -> Path | None:
        """What the files keeping routine ends the database could not take are named after
        (beside the heartbeat: bot/services/routine_spool.py); None without such a place."""
        if str(self.settings.database) == ":memory:":
            return None
        try:
            return self.settings.state_base
        except SettingsError:  # PostgreSQL, no LOWBACK_STATE_DIR and no home folder
            return None

    async def _stop_routine_for_deletion(self, user_id: int) -> bool:
        """Before a person's data is deleted: stop their running routine (none runs before the
        routine service is first used)."""
        if "routines" not in self.__dict__:
            return False
        return await self.routines.stop_for_deletion(user_id)

    @cached_property
    def reminders(self) -> ReminderService:
        from bot.services.reminders import ReminderService

        return ReminderService(self.db, self.clock, wake=self._wake_dispatcher)

    @cached_property
    def unanswered_questions(self) -> UnansweredService:
        """A server's list of unanswered questions, for its managers."""
        from bot.services.unanswered import UnansweredService

        return UnansweredService(self.unanswered, self.clock)

    @property
    def kb(self) -> KnowledgeBase:
        return self.knowledge.kb

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        recover_sessions: bool = True,
        peers: bool = False,
    ) -> Services:
        """Load the knowledge base (raises KnowledgeError) and open the database (raises DatabaseError).

        ``recover_sessions`` marks routine sessions left running by a stopped bot as interrupted;
        the terminal passes False so that it never touches a running bot's sessions. ``peers``
        (the bot passes True): with PostgreSQL, hear the other bot processes' changes (a knowledge
        reload, a schedule change) and tell them of this one's; see bot/store/shared.py."""
        knowledge = open_knowledge(settings)
        db = await open_database(settings.database)
        services = None
        try:
            services = cls(settings, db, knowledge, clock or utcnow, sleep or asyncio.sleep)
            # With the shards split over processes, a session running in the store may belong to
            # another live process: leave it (starting a new one for that person replaces it). The
            # terminal's local person may be doing a routine in a terminal beside the bot.
            base = services.spool_base
            if base is not None and spool_files(base):  # ends a stopped run could not record
                await record_kept(services.routines, base)
            # A restored backup: reminders the old database may have seen sent say so.
            services.restored = await restored_window(db, services.clock())
            if recover_sessions and settings.shard_ids is None:
                await services.routines.recover(skip_user=LOCAL_USER_ID)
            await services.unanswered.purge(services.clock(), settings.unanswered_retention_days)
            if peers and db.dialect == "postgresql":
                await services._join_peers()
        except BaseException:
            if services is not None and services.peers is not None:
                await services.peers.close()
            await db.close()
            raise
        return services

    async def reload_knowledge(self, *, tell_peers: bool = True) -> list[KBIssue]:
        """Reload from disk, off the event loop; a broken knowledge base is refused and the old one
        kept. The other processes of the bot (PostgreSQL) reload too."""
        problems = await self.knowledge.reload(self.settings.knowledge)
        if not problems and tell_peers:
            self._tell_peers("knowledge")
        return problems

    # -- other processes (PostgreSQL) --------------------------------------------------------------
    async def _join_peers(self) -> None:
        from bot.store.pg import PgDatabase
        from bot.store.shared import ChangeFeed, SharedBudget

        db = self.db
        assert isinstance(db, PgDatabase)  # only a PostgreSQL store has peers
        self.budget = SharedBudget(db.pool)
        self.identify_budget = SharedBudget(
            db.pool, rate=1 / IDENTIFY_INTERVAL, burst=1, name="identify"
        )
        feed = ChangeFeed(db.location, db.pool)
        feed.on("knowledge", self._reload_for_peer)
        feed.on("reminders", self._wake_local_dispatcher)
        await feed.start()
        self.peers = feed

    async def _reload_for_peer(self) -> None:
        problems = await self.reload_knowledge(tell_peers=False)
        if problems:  # the other process checked the same files; here they differ (a bad deploy)
            log.error(
                "another process reloaded the knowledge base, but it does not load here: %s",
                problems[0],
            )
        else:
            log.info("reloaded the knowledge base after another process did")

    def _tell_peers(self, topic: str) -> None:
        if self.peers is None:
            return
        task = asyncio.get_running_loop().create_task(
            self._publish(topic), name=f"tell-peers:{topic}"
        )
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _publish(self, topic: str) -> None:
        if self.peers is None:
            return
        try:
            await self.peers.publish(topic)
        except Exception as exc:  # the others still look at the store once a minute
            log.warning("could not tell the other processes about a %s change: %s", topic, exc)

    # -- reminders -------------------------------------------------------------------------------
    def _wake_dispatcher(self) -> None:
        self._wake_local_dispatcher()
        self._tell_peers("reminders")

    def _wake_local_dispatcher(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()

    @cached_property
    def composer(self) -> ReminderComposer:
        from bot.services.reminders.messages import ReminderComposer

        return ReminderComposer(
            self.knowledge, self.people, self.routines, self.clock, self.restored
        )

    def start_dispatcher(
        self, sender: Sender, *, only_user: int | None = None, set_zone: str | None = None
    ) -> Dispatcher:
        """Start sending due reminders through ``sender`` (one dispatcher per process).

        With ``only_user`` (the terminal chat) it sends that person's reminders alone; without
        it (the Discord bot) everyone's but the terminal's local person's, who shares the
        database and is no Discord user: their reminders wait for the chat. ``set_zone``: how to
        set one's time zone, in the front end's words, for a reminder whose zone is no longer
        known (see :func:`bot.services.zones.zone_note`)."""
        from bot.services.reminders import Dispatcher

        if self.dispatcher is None:
            self.dispatcher = Dispatcher(
                self.db,
                sender,
                self.composer.compose,
                self.clock,
                self.sleep,
                grace=timedelta(minutes=self.settings.reminder_grace_minutes),
                only_user=only_user,
                skip_user=LOCAL_USER_ID if only_user is None else None,
                database_clock=True,  # with PostgreSQL, leases go by the server's clock
            )
            self.dispatcher.set_zone = set_zone
            if self.budget is not None and only_user is None:
                # Every process's reminders come out of one budget for the bot (bot/store/shared.py).
                self.dispatcher.bucket = self.budget
        self.dispatcher.start()
        return self.dispatcher

    async def stop_dispatcher(self) -> None:
        if self.dispatcher is not None:
            await self.dispatcher.stop()
            self.dispatcher = None

    async def close(self) -> None:
        await self.stop_dispatcher()
        if "routines" in self.__dict__:
            await self.routines.shutdown()
        if self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
        if self.peers is not None:
            await self.peers.close()
            self.peers = None
        await self.db.close()
