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

from dataclasses import replace

from bot.core.errors import KBIssue
from bot.core.routine.plan import PHASE_KINDS, SIDES, Phase, RoutineBook, RoutinePlan
from bot.core.validation import ID_RE, STEPS, Checker, is_int, is_number

MAX_PHASE_SECONDS = 600.0
MAX_ROUNDS = 50
MAX_EXTRA_ROUNDS = 10
MAX_ROUTINE_SECONDS = 3600.0
MAX_NAME = 100
MAX_DESCRIPTION = 200
MAX_LABEL = 80
MAX_CUE = 200

_ROUTINE_KEYS = {"id", "name", "description", "blocks"}
_BLOCK_KEYS = {"rounds", "extra_rounds", "phases"}
_PHASE_KEYS = {"label", "cue", "seconds", "kind", "side"}


def _parse_phase(
    c: Checker, rid: str | None, where: str, data: object, routine_id: str
) -> Phase | None:
    if not isinstance(data, dict):
        c.add(rid, where, "must be a mapping with label, cue and seconds")
        return None
    c.unknown_keys(data, _PHASE_KEYS, rid, where)
    label = c.line(data.get("label"), rid, f"{where}.label", MAX_LABEL)
    cue = c.line(data.get("cue"), rid, f"{where}.cue", MAX_CUE)
    seconds = data.get("seconds")
    duration = 0.0
    ok = True
    if seconds is None:
        c.add(rid, f"{where}.seconds", "is missing")
        ok = False
    elif not is_number(seconds) or seconds != seconds:  # rejects NaN too
        c.add(rid, f"{where}.seconds", f"must be a number of seconds, not {seconds!r}")
        ok = False
    elif not 0 < seconds <= MAX_PHASE_SECONDS:
        c.add(
            rid,
            f"{where}.seconds",
            f"must be more than 0 and at most {MAX_PHASE_SECONDS:g}, not {seconds}",
        )
        ok = False
    else:
        duration = float(seconds)
    kind = data.get("kind", "work")
    if kind not in PHASE_KINDS:
        c.add(rid, f"{where}.kind", f"must be one of {', '.join(PHASE_KINDS)}, not {kind!r}")
        ok = False
    side = data.get("side")
    if side is not None and side not in SIDES:
        c.add(rid, f"{where}.side", f"must be one of {', '.join(SIDES)}, not {side!r}")
        ok = False
    if not ok or label is None or cue is None:
        return None
    return Phase(label=label, cue=cue, seconds=duration, kind=kind, side=side, routine=routine_id)


def _parse_id(
    c: Checker, where0: str, raw_id: object, seen_ids: set[str]
) -> tuple[str | None, str | None]:
    """The routine's id if it is valid and new (else None), and the name its problems go under."""
    if raw_id is None:
        c.add(None, f"{where0}.id", "is missing")
    elif not isinstance(raw_id, str) or not ID_RE.match(raw_id):
        c.add(None, f"{where0}.id", f"must be lowercase-with-dashes, not {raw_id!r}")
    elif raw_id in seen_ids:
        c.add(raw_id, "id", "is used by another routine")
    else:
        seen_ids.add(raw_id)
        return raw_id, raw_id
    return None, raw_id if isinstance(raw_id, str) else None


def _parse_name(c: Checker, topic: str | None, raw: object, seen_names: set[str]) -> str | None:
    """The routine's name, which no other routine may have (ignoring case)."""
    name = c.line(raw, topic, "name", MAX_NAME)
    if name is not None:
        if name.lower() in seen_names:
            c.add(topic, "name", f"{name!r} is used by another routine")
        seen_names.add(name.lower())
    return name


def _parse_block(
    c: Checker, topic: str | None, b: int, block: object
) -> tuple[list[Phase], int | None, int | None, bool]:
    """Block ``b``: its valid phases for one round, its rounds and extra rounds (None where
    invalid), and whether every part of it was valid."""
    bw = f"blocks[{b}]"
    if not isinstance(block, dict):
        c.add(topic, bw, "must be a mapping with phases (and optional rounds, extra_rounds)")
        return [], None, None, False
    c.unknown_keys(block, _BLOCK_KEYS, topic, bw)
    rounds = c.whole_number(block.get("rounds", 1), topic, f"{bw}.rounds", 1, MAX_ROUNDS)
    extra = c.whole_number(
        block.get("extra_rounds", 0), topic, f"{bw}.extra_rounds", 0, MAX_EXTRA_ROUNDS
    )
    raw_phases = block.get("phases")
    one_round: list[Phase] = []
    whole = True
    if raw_phases is None:
        c.add(topic, f"{bw}.phases", "is missing")
    elif not isinstance(raw_phases, list) or not raw_phases:
        c.add(topic, f"{bw}.phases", "must be a non-empty list")
    else:
        for p, raw in enumerate(raw_phases):
            phase = _parse_phase(c, topic, f"{bw}.phases[{p}]", raw, topic or "")
            if phase is None:
                whole = False
            else:
                one_round.append(replace(phase, block=b))
    return one_round, rounds, extra, whole


def _parse_routine(
    c: Checker, index: int, data: object, seen_ids: set[str], seen_names: set[str]
) -> RoutinePlan | None:
    where0 = f"routines[{index}]"
    if not isinstance(data, dict):
        c.add(None, where0, "must be a mapping with id, name, description and blocks")
        return None
    rid, topic = _parse_id(c, where0, data.get("id"), seen_ids)
    c.unknown_keys(data, _ROUTINE_KEYS, topic, "")
    name = _parse_name(c, topic, data.get("name"), seen_names)
    description = c.line(data.get("description"), topic, "description", MAX_DESCRIPTION)
    blocks = data.get("blocks")
    phases: list[Phase] = []
    extend_block: int | None = None
    extra_round: tuple[Phase, ...] = ()
    max_extra = 0
    broken = rid is None or name is None or description is None
    if blocks is None:
        c.add(topic, "blocks", "is missing")
        broken = True
    elif not isinstance(blocks, list) or not blocks:
        c.add(topic, "blocks", "must be a non-empty list")
        broken = True
    else:
        for b, block in enumerate(blocks):
            bw = f"blocks[{b}]"
            one_round, rounds, extra, whole = _parse_block(c, topic, b, block)
            broken = broken or not whole
            if rounds is None or extra is None or not one_round:
                broken = True
                continue
            for r in range(1, rounds + 1):
                phases.extend(replace(ph, round=r, of=rounds) for ph in one_round)
            if extra:
                if extend_block is not None:
                    c.add(
                        topic,
                        f"{bw}.extra_rounds",
                        "only one block of a routine may take extra rounds",
                    )
                    broken = True
                else:
                    extend_block, extra_round, max_extra = b, tuple(one_round), extra
    total = sum(p.seconds for p in phases)
    if total > MAX_ROUTINE_SECONDS:
        c.add(topic, "blocks", f"the routine lasts {total:g} s (limit {MAX_ROUTINE_SECONDS:g})")
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
    c: Checker, data: object, known_ids: set[str], all_ids: set[str]
) -> dict[int, tuple[str, ...]]:
    daily: dict[int, tuple[str, ...]] = {}
    if data is None:
        c.add(
            None,
            "daily",
            "is missing (which routines make up each step's morning and evening routine)",
        )
        return daily
    if not isinstance(data, dict):
        c.add(None, "daily", "must map each step (1 to 4) to a list of routine ids")
        return daily
    for key, value in data.items():
        where = f"daily.{key}"
        if not is_int(key) or key not in STEPS:
            c.add(
                None,
                where,
                f"the step must be a whole number from {STEPS[0]} to {STEPS[-1]}, not {key!r}",
            )
            continue
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            c.add(None, where, "must be a non-empty list of routine ids")
            continue
        if len(set(value)) != len(value):
            c.add(None, where, "names a routine twice")
        ok = True
        for rid in value:
            if rid not in all_ids:
                c.add(None, where, f"names {rid!r}, which is not a routine in this file")
                ok = False
            elif rid not in known_ids:
                ok = False  # the routine itself is broken; its own issues say why
        if ok:
            daily[key] = tuple(value)
    for step in STEPS:
        if step not in data:
            c.add(
                None, f"daily.{step}", "is missing: every step needs a morning and evening routine"
            )
    return daily


def parse_routines(data: object, file: str) -> tuple[RoutineBook, list[KBIssue]]:
    """Read the parsed YAML of ``routines.yaml``: the routines that are valid, and every problem.

    Never raises on bad data; a caller refuses to use a knowledge base with any issue.
    """
    c = Checker(file)
    if not isinstance(data, dict):
        c.add(None, None, "must be a mapping with 'routines' and 'daily'")
        return RoutineBook(), c.issues
    c.unknown_keys(data, {"routines", "daily"}, None, "")
    raw_routines = data.get("routines")
    routines: dict[str, RoutinePlan] = {}
    all_ids: set[str] = set()
    if raw_routines is None:
        c.add(None, "routines", "is missing")
    elif not isinstance(raw_routines, list) or not raw_routines:
        c.add(None, "routines", "must be a non-empty list")
    else:
        seen_ids: set[str] = set()
        seen_names: set[str] = set()
        for i, raw in enumerate(raw_routines):
            plan = _parse_routine(c, i, raw, seen_ids, seen_names)
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                all_ids.add(raw["id"])
            if plan is not None:
                routines[plan.id] = plan
    daily = _parse_daily(c, data.get("daily"), set(routines), all_ids)
    return RoutineBook(routines=routines, daily=daily), c.issues
