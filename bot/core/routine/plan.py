"""Routine plans: a routine's phases in order, how a round is added, and the book of routines."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Literal

PhaseKind = Literal["prepare", "work", "rest"]
PHASE_KINDS: tuple[str, ...] = ("prepare", "work", "rest")
SIDES: tuple[str, ...] = ("left", "right")


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
