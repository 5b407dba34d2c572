"""The knowledge base as typed, frozen objects: topics, sources, the safety screen's groups and rules,
the progression, the subjects the sources do not cover, and the routines."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.gate import Concept, Gated
from bot.core.routine.plan import RoutineBook
from bot.core.text import Canonicalizer

KINDS = ("exercise", "info", "avoid", "help")
URGENCIES = ("crisis", "emergency", "soon", "ask")

# The project's own limits, chosen so that any answer plus the person's step line, the bullet
# fields and the footer stays inside Discord's embed limits (description 4,096, field 1,024,
# 6,000 for the whole message).
ANSWER_LIMIT = 3000
SUMMARY_LIMIT = 200
BULLET_LIMIT = 300
RULE_LIMIT = 1000
MIN_PATTERNS = 5


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    file: str | None = None
    short: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    sources: tuple[str, ...]
    kind: str
    summary: str
    answer: str
    patterns: tuple[str, ...]
    file: str
    step: int | None = None
    dose: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    mistakes: tuple[str, ...] = ()
    sources_differ: str | None = None
    routine: str | None = None
    keywords: tuple[str, ...] = ()
    related: tuple[str, ...] = ()

    @property
    def is_exercise(self) -> bool:
        """Exercise and avoid topics tell the person which step they should be on."""
        return self.kind in ("exercise", "avoid")


@dataclass(frozen=True)
class ProgressionRules:
    move_up: str
    go_back: str
    move_up_patterns: tuple[str, ...]
    go_back_patterns: tuple[str, ...]


@dataclass(frozen=True)
class SafetyRule:
    """A red flag as concepts that must all be present (and not negated) in one sentence, or in the
    whole message when ``scope`` is "message"; each entry of ``concepts`` names one concept or
    several joined by "|" (any of them will do)."""

    kind: str
    concepts: tuple[tuple[str, ...], ...]
    within: int | None  # the concepts' hits must lie within this many words of each other
    scope: str  # sentence | message
    unless: tuple[str, ...] = ()  # concepts whose presence in the same sentence cancels the rule
    unless_anywhere: tuple[str, ...] = ()  # ...and whose presence anywhere in the message does


@dataclass(frozen=True)
class SafetyGroup:
    id: str
    urgency: str
    title: str
    answer: str
    patterns: tuple[Gated, ...]
    rules: tuple[SafetyRule, ...] = ()
    show_signs: bool = True  # whether the reply lists the warning signs (not for a crisis)
    with_crisis: str = ""  # what the crisis reply adds when a message also meets this group


@dataclass(frozen=True)
class Safety:
    disclaimer: str
    negations: frozenset[str]
    warning_signs: tuple[str, ...]
    groups: tuple[SafetyGroup, ...]
    concepts: Mapping[str, Concept] = field(default_factory=dict)
    scope_breakers: frozenset[str] = frozenset()
    # The second net may call a message a red flag only when one of these concepts is in it.
    net_needs: tuple[str, ...] = ()
    # Figures of speech ("my back is killing me"): the second net reads a message without them.
    net_skips: tuple[str, ...] = ()
    # Whole messages the second net leaves to the topics ("what causes low back pain?").
    net_quiet: tuple[str, ...] = ()
    # The screen reads a message about someone else again in the first person, unless one of
    # these concepts is in it (a toddler, a pet).
    first_person_unless: tuple[str, ...] = ()
    # Warning signs a message may deny ("no numbness or tingling"): the red-flag head of the
    # second net reads the message without such denials.
    net_denials: tuple[str, ...] = ()
    # ...or says are fine ("my legs are fine"): read without them too.
    net_all_clear: tuple[str, ...] = ()
    # Sentences that tell what someone advised to watch for ("my physio said if I ever get numbness
    # between my legs, go to A&E"): the screen, the net and the topics read the message without them.
    read_past: tuple[str, ...] = ()
    # ...unless the sentence also tells that it is happening ("and now my groin is numb").
    read_past_unless: tuple[str, ...] = ()


@dataclass(frozen=True)
class Gap:
    """A subject the sources do not cover. ``marks`` are words that settle it ("pregnant", "a
    posture corrector"): a short question that uses one is about the subject whatever exercise it
    also names, unless it also uses one of ``unless`` ("lower back" for the upper-back gap). With
    ``anywhere``, a mark settles it wherever it stands in the message (where the pain is, said once
    in a long story), not only in the sentence that asks."""

    id: str
    subject: str
    back_related: bool
    patterns: tuple[str, ...]
    marks: Concept | None = None
    unless: Concept | None = None
    anywhere: bool = False  # a mark anywhere in the message settles it, not only in the asking


@dataclass(frozen=True)
class Scope:
    """What ties a question to this bot (``about_back``) and what marks it as about something else:
    another body part (``elsewhere``), pain in one (``pain_elsewhere``), or training for looks or
    performance (``goals``). A question with no tie is declined, however well its words match a
    topic, when it speaks of such a goal or of pain elsewhere, or of another body part without
    naming one of the program's own exercises (``program``). ``subject`` is wider: the words of the
    bot's whole subject (the body, pain, training, sitting and the day, the bot itself); a question
    with none of them is about something else entirely and is declined too."""

    about_back: Concept | None = None
    program: Concept | None = None
    elsewhere: Concept | None = None
    goals: Concept | None = None
    pain_elsewhere: Concept | None = None
    subject: Concept | None = None


@dataclass(frozen=True)
class KnowledgeBase:
    directory: Path | None
    sources: Mapping[str, Source]
    topics: Mapping[str, Topic]
    progression: ProgressionRules
    synonyms: Mapping[str, tuple[str, ...]]
    safety: Safety
    gaps: Mapping[str, Gap]
    routines: RoutineBook = field(default_factory=RoutineBook)
    scope: Scope = field(default_factory=Scope)
    canonicalizer: Canonicalizer = field(default_factory=Canonicalizer, repr=False, compare=False)

    def step_topic(self, step: int) -> Topic | None:
        for topic in self.topics.values():
            if topic.step == step:
                return topic
        return None

    @property
    def max_step(self) -> int:
        return max((t.step for t in self.topics.values() if t.step), default=1)

    def source_titles(self, topic: Topic) -> str:
        return "; ".join(self.sources[s].title for s in topic.sources if s in self.sources)

    def expressions(self) -> Iterator[Gated]:
        """Every regular expression of the screen, the scope and the uncovered subjects."""
        scope = self.scope
        concepts = [
            *self.safety.concepts.values(),
            *(
                c
                for c in (
                    scope.about_back,
                    scope.program,
                    scope.elsewhere,
                    scope.goals,
                    scope.pain_elsewhere,
                    scope.subject,
                )
                if c
            ),
            *(c for g in self.gaps.values() for c in (g.marks, g.unless) if c),
        ]
        for concept in concepts:
            yield from concept.parts
        for group in self.safety.groups:
            yield from group.patterns

    def compile_expressions(self) -> None:
        """Compile every expression now instead of on first use (which keeps a one-off command
        fast): a long-running bot calls this once, so no one's question pays for a compile."""
        for gated in self.expressions():
            gated.regex  # noqa: B018 - compiling is the point

    def pattern_count(self) -> int:
        return sum(len(t.patterns) + len(t.keywords) for t in self.topics.values()) + sum(
            len(g.patterns) for g in self.gaps.values()
        )

    def summary(self) -> str:
        routines = len(self.routines.routines)
        return (
            f"knowledge base OK: {len(self.topics)} topics, {self.pattern_count()} patterns, "
            f"{len(self.sources)} sources, {len(self.safety.groups)} red-flag groups, "
            f"{len(self.gaps)} uncovered subjects, {routines} routines"
        )
