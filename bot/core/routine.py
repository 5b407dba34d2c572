"""Timed routines: plans read from ``knowledge/routines.yaml`` and the session state machine.

The file format
---------------

.. code-block:: yaml

    routines:
      - id: booty-flex                  # lowercase-with-dashes, unique
        name: Booty flexes              # unique, at most 100 characters (an autocomplete choice)
        description: "..."              # one line, at most 200 characters
        blocks:                         # done in order
          - rounds: 10                  # optional, 1 to 50 (default 1)
            extra_rounds: 3             # optional, 0 to 10: rounds a person may add (one block only)
            phases:                     # done in order, every round
              - label: Squeeze          # at most 80 characters
                cue: "Squeeze, tighter every second"   # at most 200 characters
                seconds: 7              # more than 0, at most 600
                kind: work              # optional: prepare | work | rest (default work)
                side: left              # optional: left | right
    daily:                              # the morning and evening routine at each step, in order
      1: [booty-flex]
      2: [glute-stretch, booty-flex]

A whole routine may last at most an hour. :func:`parse_routines` reports every problem it finds
(file, routine id, field) and never raises on bad data.

The session
-----------

:class:`RoutineSession` is a pure state machine over a plan's phases. Every method takes the
current instant; nothing here reads a clock or sleeps. Phase boundaries are computed from the start
instant and the time spent paused, never by adding up waits, so a late wake-up does not push the
next phase back: each event carries its exact planned instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import ClassVar, Literal

from bot.core.errors import KBIssue

# --- limits ------------------------------------------------------------------------------------

MAX_PHASE_SECONDS = 600.0
MAX_ROUNDS = 50
MAX_EXTRA_ROUNDS = 10
MAX_ROUTINE_SECONDS = 3600.0
MAX_NAME = 100
MAX_DESCRIPTION = 200
MAX_LABEL = 80
MAX_CUE = 200
STEPS = (1, 2, 3, 4)

PhaseKind = Literal["prepare", "work", "rest"]
PHASE_KINDS: tuple[str, ...] = ("prepare", "work", "rest")
SIDES: tuple[str, ...] = ("left", "right")

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# --- plans -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    """One timed stretch of a routine: "Squeeze" for 7 s, round 3 of 10."""

    label: str
    cue: str
    seconds: float
    kind: PhaseKind = "work"
    round: int = 1  # which round of its block this phase belongs to
    of: int = 1  # how many rounds the block has
    side: str | None = None
    block: int = 0  # index of the block within the plan
    routine: str = ""  # id of the routine this phase comes from (differs in combined plans)

    @property
    def duration(self) -> timedelta:
        return timedelta(seconds=self.seconds)

    @property
    def round_text(self) -> str:
        """ "round 3 of 10", or "" for a block done once."""
        return f"round {self.round} of {self.of}" if self.of > 1 else ""


@dataclass(frozen=True)
class RoutinePlan:
    """A routine ready to run: its phases in order, and how to add a round.

    ``extend_block`` is the block a round can be added to (``None``: none can); ``extra_round``
    holds that block's phases for one round; ``max_extra_rounds`` is how many more may be added.
    """

    id: str
    name: str
    description: str
    phases: tuple[Phase, ...]
    extend_block: int | None = None
    extra_round: tuple[Phase, ...] = ()
    max_extra_rounds: int = 0
    parts: tuple[str, ...] = ()  # the routine ids this plan is made of, in order

    @property
    def total_seconds(self) -> float:
        return sum(p.seconds for p in self.phases)

    @property
    def duration(self) -> timedelta:
        return sum((p.duration for p in self.phases), timedelta())

    @property
    def can_add_round(self) -> bool:
        return (
            self.extend_block is not None and self.max_extra_rounds > 0 and bool(self.extra_round)
        )

    def block_indices(self, block: int) -> list[int]:
        return [i for i, p in enumerate(self.phases) if p.block == block]

    def with_added_round(self) -> RoutinePlan:
        """This plan with one more round of ``extend_block``, inserted after its last round."""
        if not self.can_add_round:
            raise ValueError(f"no round can be added to {self.id!r}")
        assert self.extend_block is not None
        indices = self.block_indices(self.extend_block)
        last = indices[-1]
        rounds = self.phases[last].of + 1
        phases = [replace(p, of=rounds) if p.block == self.extend_block else p for p in self.phases]
        new = [
            replace(p, round=rounds, of=rounds, block=self.extend_block) for p in self.extra_round
        ]
        phases[last + 1 : last + 1] = new
        return replace(self, phases=tuple(phases), max_extra_rounds=self.max_extra_rounds - 1)

    def scaled(self, factor: float) -> RoutinePlan:
        """Every duration multiplied by ``factor`` (for trying a routine quickly)."""
        if factor <= 0:
            raise ValueError("the scale must be positive")
        return replace(
            self,
            phases=tuple(replace(p, seconds=p.seconds * factor) for p in self.phases),
            extra_round=tuple(replace(p, seconds=p.seconds * factor) for p in self.extra_round),
        )


def combine(plan_id: str, name: str, description: str, plans: list[RoutinePlan]) -> RoutinePlan:
    """One plan doing ``plans`` one after another. The last of them that can take an extra round
    keeps that ability."""
    phases: list[Phase] = []
    extend_block: int | None = None
    extra_round: tuple[Phase, ...] = ()
    max_extra = 0
    offset = 0
    parts: list[str] = []
    for plan in plans:
        blocks = sorted({p.block for p in plan.phases})
        remap = {b: offset + i for i, b in enumerate(blocks)}
        phases.extend(replace(p, block=remap[p.block]) for p in plan.phases)
        if plan.can_add_round and plan.extend_block in remap:
            extend_block = remap[plan.extend_block]
            extra_round = tuple(replace(p, block=extend_block) for p in plan.extra_round)
            max_extra = plan.max_extra_rounds
        offset += len(blocks)
        parts.extend(plan.parts or (plan.id,))
    return RoutinePlan(
        id=plan_id,
        name=name,
        description=description,
        phases=tuple(phases),
        extend_block=extend_block,
        extra_round=extra_round,
        max_extra_rounds=max_extra,
        parts=tuple(parts),
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


@dataclass(frozen=True)
class RoutineBook:
    """Every routine in the knowledge base, and which of them make up each step's daily routine."""

    routines: dict[str, RoutinePlan] = field(default_factory=dict)
    daily: dict[int, tuple[str, ...]] = field(default_factory=dict)

    def get(self, routine_id: str) -> RoutinePlan | None:
        return self.routines.get(routine_id)

    def find(self, text: str) -> RoutinePlan | None:
        """A routine by id or by name, ignoring case and surrounding spaces."""
        key = text.strip().lower()
        if key in self.routines:
            return self.routines[key]
        for plan in self.routines.values():
            if plan.name.lower() == key:
                return plan
        return None

    def names(self) -> list[tuple[str, str]]:
        """``(id, name)`` of every routine, in file order (for autocomplete and help lists)."""
        return [(plan.id, plan.name) for plan in self.routines.values()]

    def daily_ids(self, step: int) -> tuple[str, ...]:
        """The routine ids done morning and evening at ``step`` (clamped to the steps defined)."""
        if not self.daily:
            raise LookupError("no daily routine is defined")
        steps = sorted(self.daily)
        lower = [s for s in steps if s <= step]
        return self.daily[lower[-1] if lower else steps[0]]

    def daily_for_step(self, step: int) -> RoutinePlan:
        """The morning and evening routine at ``step`` as one plan, e.g. "Your step 2 routine":
        kneeling glute stretch, then booty flexes."""
        ids = self.daily_ids(step)
        plans = [self.routines[i] for i in ids if i in self.routines]
        if not plans:
            raise LookupError(f"the daily routine for step {step} names no known routine")
        step_shown = max(min(step, max(self.daily)), min(self.daily))
        names = [plans[0].name] + [_lower_first(p.name) for p in plans[1:]]
        description = ", then ".join(names) + "; morning and evening."
        return combine(
            f"daily-step-{step_shown}", f"Your step {step_shown} routine", description, plans
        )


# --- parsing -----------------------------------------------------------------------------------

_ROUTINE_KEYS = {"id", "name", "description", "blocks"}
_BLOCK_KEYS = {"rounds", "extra_rounds", "phases"}
_PHASE_KEYS = {"label", "cue", "seconds", "kind", "side"}


class _Issues:
    def __init__(self, file: str):
        self.file = file
        self.items: list[KBIssue] = []

    def add(self, topic: str | None, where: str | None, message: str) -> None:
        self.items.append(KBIssue(self.file, topic, where, message))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(issues: _Issues, rid: str | None, where: str, value: object, limit: int) -> str | None:
    if value is None:
        issues.add(rid, where, "is missing")
        return None
    if not isinstance(value, str) or not value.strip():
        issues.add(rid, where, "must be non-empty text")
        return None
    value = value.strip()
    if "\n" in value:
        issues.add(rid, where, "must be one line")
    if len(value) > limit:
        issues.add(rid, where, f"is {len(value)} characters (limit {limit})")
    return value


def _unknown_keys(
    issues: _Issues, rid: str | None, where: str, data: dict, allowed: set[str]
) -> None:
    for key in data:
        if key not in allowed:
            prefix = f"{where}." if where else ""
            issues.add(
                rid, f"{prefix}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})"
            )


def _parse_phase(
    issues: _Issues, rid: str | None, where: str, data: object, routine_id: str
) -> Phase | None:
    if not isinstance(data, dict):
        issues.add(rid, where, "must be a mapping with label, cue and seconds")
        return None
    _unknown_keys(issues, rid, where, data, _PHASE_KEYS)
    label = _text(issues, rid, f"{where}.label", data.get("label"), MAX_LABEL)
    cue = _text(issues, rid, f"{where}.cue", data.get("cue"), MAX_CUE)
    seconds = data.get("seconds")
    ok = True
    if seconds is None:
        issues.add(rid, f"{where}.seconds", "is missing")
        ok = False
    elif not _is_number(seconds) or seconds != seconds:  # rejects NaN too
        issues.add(rid, f"{where}.seconds", f"must be a number of seconds, not {seconds!r}")
        ok = False
    elif not 0 < seconds <= MAX_PHASE_SECONDS:
        issues.add(
            rid,
            f"{where}.seconds",
            f"must be more than 0 and at most {MAX_PHASE_SECONDS:g}, not {seconds}",
        )
        ok = False
    kind = data.get("kind", "work")
    if kind not in PHASE_KINDS:
        issues.add(rid, f"{where}.kind", f"must be one of {', '.join(PHASE_KINDS)}, not {kind!r}")
        ok = False
    side = data.get("side")
    if side is not None and side not in SIDES:
        issues.add(rid, f"{where}.side", f"must be one of {', '.join(SIDES)}, not {side!r}")
        ok = False
    if not ok or label is None or cue is None:
        return None
    return Phase(
        label=label, cue=cue, seconds=float(seconds), kind=kind, side=side, routine=routine_id
    )


def _bounded_int(
    issues: _Issues, rid: str | None, where: str, value: object, low: int, high: int
) -> int | None:
    if not _is_int(value) or not low <= value <= high:
        issues.add(rid, where, f"must be a whole number from {low} to {high}, not {value!r}")
        return None
    return value


def _parse_routine(
    issues: _Issues, index: int, data: object, seen_ids: set[str], seen_names: set[str]
) -> RoutinePlan | None:
    where0 = f"routines[{index}]"
    if not isinstance(data, dict):
        issues.add(None, where0, "must be a mapping with id, name, description and blocks")
        return None
    raw_id = data.get("id")
    rid: str | None = None
    if raw_id is None:
        issues.add(None, f"{where0}.id", "is missing")
    elif not isinstance(raw_id, str) or not _ID.match(raw_id):
        issues.add(None, f"{where0}.id", f"must be lowercase-with-dashes, not {raw_id!r}")
    elif raw_id in seen_ids:
        issues.add(raw_id, "id", "is used by another routine")
    else:
        rid = raw_id
        seen_ids.add(raw_id)
    topic = rid or (raw_id if isinstance(raw_id, str) else None)
    _unknown_keys(issues, topic, "", data, _ROUTINE_KEYS)
    name = _text(issues, topic, "name", data.get("name"), MAX_NAME)
    if name is not None:
        if name.lower() in seen_names:
            issues.add(topic, "name", f"{name!r} is used by another routine")
        seen_names.add(name.lower())
    description = _text(issues, topic, "description", data.get("description"), MAX_DESCRIPTION)

    blocks = data.get("blocks")
    phases: list[Phase] = []
    extend_block: int | None = None
    extra_round: tuple[Phase, ...] = ()
    max_extra = 0
    broken = rid is None or name is None or description is None
    if blocks is None:
        issues.add(topic, "blocks", "is missing")
        broken = True
    elif not isinstance(blocks, list) or not blocks:
        issues.add(topic, "blocks", "must be a non-empty list")
        broken = True
    else:
        for b, block in enumerate(blocks):
            bw = f"blocks[{b}]"
            if not isinstance(block, dict):
                issues.add(
                    topic, bw, "must be a mapping with phases (and optional rounds, extra_rounds)"
                )
                broken = True
                continue
            _unknown_keys(issues, topic, bw, block, _BLOCK_KEYS)
            rounds = _bounded_int(
                issues, topic, f"{bw}.rounds", block.get("rounds", 1), 1, MAX_ROUNDS
            )
            extra = _bounded_int(
                issues,
                topic,
                f"{bw}.extra_rounds",
                block.get("extra_rounds", 0),
                0,
                MAX_EXTRA_ROUNDS,
            )
            raw_phases = block.get("phases")
            one_round: list[Phase] = []
            if raw_phases is None:
                issues.add(topic, f"{bw}.phases", "is missing")
            elif not isinstance(raw_phases, list) or not raw_phases:
                issues.add(topic, f"{bw}.phases", "must be a non-empty list")
            else:
                for p, raw in enumerate(raw_phases):
                    phase = _parse_phase(issues, topic, f"{bw}.phases[{p}]", raw, topic or "")
                    if phase is None:
                        broken = True
                    else:
                        one_round.append(replace(phase, block=b))
            if rounds is None or extra is None or not one_round:
                broken = True
                continue
            for r in range(1, rounds + 1):
                phases.extend(replace(ph, round=r, of=rounds) for ph in one_round)
            if extra:
                if extend_block is not None:
                    issues.add(
                        topic,
                        f"{bw}.extra_rounds",
                        "only one block of a routine may take extra rounds",
                    )
                    broken = True
                else:
                    extend_block, extra_round, max_extra = b, tuple(one_round), extra
    if phases:
        total = sum(p.seconds for p in phases)
        if total > MAX_ROUTINE_SECONDS:
            issues.add(
                topic, "blocks", f"the routine lasts {total:g} s (limit {MAX_ROUTINE_SECONDS:g})"
            )
            broken = True
    if broken:
        return None
    assert rid is not None and name is not None and description is not None
    return RoutinePlan(
        id=rid,
        name=name,
        description=description,
        phases=tuple(phases),
        extend_block=extend_block,
        extra_round=extra_round,
        max_extra_rounds=max_extra,
        parts=(rid,),
    )


def _parse_daily(
    issues: _Issues, data: object, known_ids: set[str], all_ids: set[str]
) -> dict[int, tuple[str, ...]]:
    daily: dict[int, tuple[str, ...]] = {}
    if data is None:
        issues.add(
            None,
            "daily",
            "is missing (which routines make up each step's morning and evening routine)",
        )
        return daily
    if not isinstance(data, dict):
        issues.add(None, "daily", "must map each step (1 to 4) to a list of routine ids")
        return daily
    for key, value in data.items():
        where = f"daily.{key}"
        if not _is_int(key) or key not in STEPS:
            issues.add(
                None,
                where,
                f"the step must be a whole number from {STEPS[0]} to {STEPS[-1]}, not {key!r}",
            )
            continue
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            issues.add(None, where, "must be a non-empty list of routine ids")
            continue
        if len(set(value)) != len(value):
            issues.add(None, where, "names a routine twice")
        ok = True
        for rid in value:
            if rid not in all_ids:
                issues.add(None, where, f"names {rid!r}, which is not a routine in this file")
                ok = False
            elif rid not in known_ids:
                ok = False  # the routine itself is broken; its own issues say why
        if ok:
            daily[key] = tuple(value)
    for step in STEPS:
        if step not in data:
            issues.add(
                None, f"daily.{step}", "is missing: every step needs a morning and evening routine"
            )
    return daily


def parse_routines(data: object, file: str) -> tuple[RoutineBook, list[KBIssue]]:
    """Read the parsed YAML of ``routines.yaml``: the routines that are valid, and every problem.

    Never raises on bad data; a caller refuses to use a knowledge base with any issue.
    """
    issues = _Issues(file)
    if not isinstance(data, dict):
        issues.add(None, None, "must be a mapping with 'routines' and 'daily'")
        return RoutineBook(), issues.items
    _unknown_keys(issues, None, "", data, {"routines", "daily"})
    raw_routines = data.get("routines")
    routines: dict[str, RoutinePlan] = {}
    all_ids: set[str] = set()
    if raw_routines is None:
        issues.add(None, "routines", "is missing")
    elif not isinstance(raw_routines, list) or not raw_routines:
        issues.add(None, "routines", "must be a non-empty list")
    else:
        seen_ids: set[str] = set()
        seen_names: set[str] = set()
        for i, raw in enumerate(raw_routines):
            plan = _parse_routine(issues, i, raw, seen_ids, seen_names)
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                all_ids.add(raw["id"])
            if plan is not None:
                routines[plan.id] = plan
    daily = _parse_daily(issues, data.get("daily"), set(routines), all_ids)
    return RoutineBook(routines=routines, daily=daily), issues.items


# --- the session -------------------------------------------------------------------------------

State = Literal["running", "paused", "finished", "stopped"]


@dataclass(frozen=True)
class PhaseStarted:
    """A phase began at ``at`` and ends at ``ends_at`` unless paused."""

    kind: ClassVar[str] = "phase_started"
    at: datetime
    index: int
    count: int  # phases in the plan (after any added rounds)
    phase: Phase
    ends_at: datetime


@dataclass(frozen=True)
class Paused:
    kind: ClassVar[str] = "paused"
    at: datetime
    index: int
    phase: Phase
    remaining: timedelta  # left in the phase


@dataclass(frozen=True)
class Resumed:
    kind: ClassVar[str] = "resumed"
    at: datetime
    index: int
    phase: Phase
    ends_at: datetime  # the phase's new end


@dataclass(frozen=True)
class RoundAdded:
    kind: ClassVar[str] = "round_added"
    at: datetime
    rounds: int  # the block's rounds now
    count: int  # phases in the plan now
    remaining: timedelta  # left in the whole routine


@dataclass(frozen=True)
class Finished:
    kind: ClassVar[str] = "finished"
    at: datetime


@dataclass(frozen=True)
class Stopped:
    kind: ClassVar[str] = "stopped"
    at: datetime
    index: int
    phase: Phase


Event = PhaseStarted | Paused | Resumed | RoundAdded | Finished | Stopped


class RoutineSession:
    """One run of a plan. Every method takes ``now``; each returns the events it caused, in order.

    Transitions that make no sense in the current state (pausing a paused session, resuming a
    running one, anything after the end) do nothing and return only the boundary events that
    ``now`` has passed. Call :meth:`advance` at :meth:`next_deadline` (or any time) to get the
    phase boundaries passed; the first call also announces the first phase.
    """

    def __init__(self, plan: RoutinePlan, started_at: datetime):
        if not plan.phases:
            raise ValueError(f"routine {plan.id!r} has no phases")
        if started_at.tzinfo is None:
            raise ValueError("started_at must be an aware datetime")
        self.plan = plan
        self.started_at = started_at
        self.ended_at: datetime | None = None
        self.rounds_added = 0
        self._state: State = "running"
        self._index = 0
        self._ends: list[timedelta] = []
        self._recompute()
        # While running, active time at instant t is _base + (t - _anchor); while paused it is _base.
        self._anchor = started_at
        self._base = timedelta()
        self._announced = False
        self.paused_for = timedelta()  # total time spent paused
        self._paused_at: datetime | None = None

    # --- reading ---

    @property
    def state(self) -> State:
        return self._state

    @property
    def done(self) -> bool:
        return self._state in ("finished", "stopped")

    @property
    def index(self) -> int:
        return self._index

    @property
    def phase(self) -> Phase:
        """The current phase (the last one once finished)."""
        return self.plan.phases[self._index]

    @property
    def count(self) -> int:
        return len(self.plan.phases)

    @property
    def round(self) -> tuple[int, int]:
        """(round n, of N) of the current phase's block."""
        return self.phase.round, self.phase.of

    @property
    def duration(self) -> timedelta:
        return self._ends[-1]

    def elapsed(self, now: datetime) -> timedelta:
        """Time spent doing the routine (pauses excluded), at most its whole length."""
        if self._state == "running":
            active = self._base + max(now - self._anchor, timedelta())
        else:
            active = self._base
        return min(active, self.duration)

    def remaining(self, now: datetime) -> timedelta:
        return self.duration - self.elapsed(now)

    def phase_remaining(self, now: datetime) -> timedelta:
        left = self._ends[self._index] - self.elapsed(now)
        return max(timedelta(), min(left, self.phase.duration))

    def phase_progress(self, now: datetime) -> float:
        """How much of the current phase is done, 0.0 to 1.0."""
        if self._state == "finished":
            return 1.0
        total = self.phase.duration
        return _fraction(total - self.phase_remaining(now), total)

    def progress(self, now: datetime) -> float:
        """How much of the whole routine is done, 0.0 to 1.0."""
        return _fraction(self.elapsed(now), self.duration)

    def next_deadline(self) -> datetime | None:
        """When the current phase ends; ``None`` while paused or once over."""
        if self._state != "running":
            return None
        return self._deadline()

    def ends_at(self) -> datetime | None:
        """When the whole routine ends if not paused again; ``None`` while paused or once over."""
        if self._state != "running":
            return None
        return self._anchor + (self.duration - self._base)

    # --- transitions ---

    def advance(self, now: datetime) -> list[Event]:
        """Every phase boundary passed by ``now``, each at its planned instant."""
        events: list[Event] = []
        if not self._announced:
            self._announced = True
            events.append(self._phase_started(self.started_at))
        while self._state == "running" and now >= self._deadline():
            at = self._deadline()
            if self._index + 1 < len(self.plan.phases):
                self._index += 1
                events.append(self._phase_started(at))
            else:
                self._base = self.duration
                self._anchor = at
                self._state = "finished"
                self.ended_at = at
                events.append(Finished(at))
        return events

    def pause(self, now: datetime) -> list[Event]:
        events = self.advance(now)
        if self._state == "running":
            now = max(now, self._anchor)
            self._base += now - self._anchor
            self._state = "paused"
            self._paused_at = now
            events.append(Paused(now, self._index, self.phase, self.phase_remaining(now)))
        return events

    def resume(self, now: datetime) -> list[Event]:
        events = self.advance(now)
        if self._state == "paused":
            assert self._paused_at is not None
            now = max(now, self._paused_at)
            self.paused_for += now - self._paused_at
            self._paused_at = None
            self._anchor = now
            self._state = "running"
            events.append(Resumed(now, self._index, self.phase, self._deadline()))
        return events

    def stop(self, now: datetime) -> list[Event]:
        events = self.advance(now)
        if self._state in ("running", "paused"):
            if self._state == "running":
                now = max(now, self._anchor)
                self._base += now - self._anchor
            else:
                assert self._paused_at is not None
                now = max(now, self._paused_at)
                self.paused_for += now - self._paused_at
                self._paused_at = None
            self._state = "stopped"
            self.ended_at = now
            events.append(Stopped(now, self._index, self.phase))
        return events

    def can_add_round(self) -> bool:
        """Whether :meth:`add_round` would add one now."""
        if self.done or not self.plan.can_add_round:
            return False
        assert self.plan.extend_block is not None
        return self._index <= self.plan.block_indices(self.plan.extend_block)[-1]

    def add_round(self, now: datetime) -> list[Event]:
        """One more round of the plan's extendable block, if it is not over and not at its limit."""
        events = self.advance(now)
        if self.can_add_round():
            self.plan = self.plan.with_added_round()
            self.rounds_added += 1
            self._recompute()
            block = self.plan.extend_block
            assert block is not None
            rounds = self.plan.phases[self.plan.block_indices(block)[-1]].of
            events.append(RoundAdded(now, rounds, self.count, self.remaining(now)))
        return events

    # --- internals ---

    def _recompute(self) -> None:
        ends: list[timedelta] = []
        total = timedelta()
        for p in self.plan.phases:
            total += p.duration
            ends.append(total)
        self._ends = ends

    def _deadline(self) -> datetime:
        return self._anchor + (self._ends[self._index] - self._base)

    def _phase_started(self, at: datetime) -> PhaseStarted:
        return PhaseStarted(at, self._index, self.count, self.phase, self._deadline())


def _fraction(part: timedelta, whole: timedelta) -> float:
    if whole <= timedelta():
        return 1.0
    return max(0.0, min(1.0, part / whole))
