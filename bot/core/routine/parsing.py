"""``knowledge/routines.yaml`` read into a :class:`~bot.core.routine.plan.RoutineBook`.

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
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.core.errors import KBIssue
from bot.core.routine.plan import PHASE_KINDS, SIDES, Phase, RoutineBook, RoutinePlan

MAX_PHASE_SECONDS = 600.0
MAX_ROUNDS = 50
MAX_EXTRA_ROUNDS = 10
MAX_ROUTINE_SECONDS = 3600.0
MAX_NAME = 100
MAX_DESCRIPTION = 200
MAX_LABEL = 80
MAX_CUE = 200
STEPS = (1, 2, 3, 4)

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

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
