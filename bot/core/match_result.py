"""What the matcher decided about one question: the kind, the topic, the runners-up and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.core.knowledge.model import Gap
from bot.core.safety import RedFlag


@dataclass(frozen=True)
class Candidate:
    topic: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    kind: str  # answer | clarify | no_match | red_flag
    topic: str | None
    score: float
    candidates: tuple[Candidate, ...] = ()
    red_flag: RedFlag | None = None
    gap: Gap | None = None
    intent: str | None = None  # move_up | go_back, when a progression phrasing decided the topic
    from_step: int | None = None  # the step the move was made from
    words: tuple[str, ...] = field(default=(), repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "topic": self.topic,
            "step": None,  # filled by callers that know the knowledge base (see Matcher.to_json)
            "score": round(float(self.score), 4),
            "candidates": [
                {"topic": c.topic, "score": round(float(c.score), 4)} for c in self.candidates
            ],
        }
