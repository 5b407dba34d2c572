"""What the bot says, as plain data. Each front end (Discord, terminal) renders these.

A reply never carries raw user text that could ping anyone; front ends still send every message
with mentions disabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "answer",  # one topic answered
    "clarify",  # two or three close candidates: offer them
    "no_match",  # nothing curated: say so honestly
    "red_flag",  # the safety screen fired: seek medical care, no exercise advice
    "help",  # what the bot does
    "info",  # progress, schedule, data summaries and other non-answers
    "error",  # bad input or a failure, explained in a sentence
]

# Discord's limits, which every reply must respect (checked in tests over the whole knowledge base).
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
TOTAL_LIMIT = 6000
MAX_FIELDS = 25


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Candidate:
    topic: str
    title: str
    score: float


@dataclass(frozen=True)
class Action:
    """Something the person can do next: a button in Discord, a typed choice in the terminal.

    ``kind`` says what it does; ``value`` is its argument. ``hint``, if any, is a sentence about it
    with ``{do}`` where each front end says in its own words how to do it ("press *It hurts*",
    "type /hurts"); front ends add it after the reply's text.
    """

    kind: Literal[
        "next_step",  # show the step after this one
        "start_routine",  # start the routine named in value
        "not_what_i_asked",  # show the other candidates
        "choose_topic",  # answer the topic named in value
        "move_up",  # record that the current step is easy and pain-free
        "go_back",  # record that the current step hurts
    ]
    label: str
    value: str | None = None
    hint: str | None = None

    def hint_with(self, do: str) -> str | None:
        """The hint with ``do`` put in (capitalised when the sentence starts with it)."""
        if not self.hint:
            return None
        text = self.hint.replace("{do}", do)
        return text[:1].upper() + text[1:] if self.hint.startswith("{do}") else text


@dataclass(frozen=True)
class Reply:
    kind: Kind
    title: str
    body: str
    fields: tuple[Field, ...] = ()
    footer: str | None = None
    topic: str | None = None
    step: int | None = None  # the topic's step number, if it is a progression step
    score: float = 0.0
    candidates: tuple[Candidate, ...] = ()
    actions: tuple[Action, ...] = ()
    private: bool = False  # best shown only to the person (red flags, personal data)
    urgency: str | None = None  # for red flags: emergency | soon | ask

    def total_length(self) -> int:
        return (
            len(self.title)
            + len(self.body)
            + sum(len(f.name) + len(f.value) for f in self.fields)
            + len(self.footer or "")
        )

    def limit_problems(self) -> list[str]:
        """Every way this reply breaks Discord's embed limits (empty when it fits)."""
        problems = []
        if len(self.title) > TITLE_LIMIT:
            problems.append(f"title is {len(self.title)} characters (limit {TITLE_LIMIT})")
        if len(self.body) > DESCRIPTION_LIMIT:
            problems.append(f"body is {len(self.body)} characters (limit {DESCRIPTION_LIMIT})")
        if len(self.fields) > MAX_FIELDS:
            problems.append(f"{len(self.fields)} fields (limit {MAX_FIELDS})")
        for f in self.fields:
            if not f.name or len(f.name) > FIELD_NAME_LIMIT:
                problems.append(f"field name {f.name[:30]!r} is empty or too long")
            if not f.value or len(f.value) > FIELD_VALUE_LIMIT:
                problems.append(
                    f"field {f.name!r} value is {len(f.value)} characters (1..{FIELD_VALUE_LIMIT})"
                )
        if self.footer and len(self.footer) > FOOTER_LIMIT:
            problems.append(f"footer is {len(self.footer)} characters (limit {FOOTER_LIMIT})")
        if self.total_length() > TOTAL_LIMIT:
            problems.append(
                f"whole reply is {self.total_length()} characters (limit {TOTAL_LIMIT})"
            )
        return problems


def offered_actions(reply: Reply) -> list[Action]:
    """What the person can do next: the reply's actions, or its candidates when it asks which one was meant."""
    actions = list(reply.actions)
    if reply.kind == "clarify" and not any(a.kind == "choose_topic" for a in actions):
        actions = [Action("choose_topic", c.title, c.topic) for c in reply.candidates] + actions
    return actions


def render_text(reply: Reply, *, width: int = 0) -> str:
    """The reply as plain text, for the terminal."""
    lines = [reply.title, "=" * min(len(reply.title), 72), "", reply.body.strip()]
    for f in reply.fields:
        lines += ["", f"{f.name}:", f.value.strip()]
    if reply.actions:
        labels = ", ".join(a.label for a in reply.actions)
        lines += ["", f"[{labels}]"]
    if reply.footer:
        lines += ["", f"-- {reply.footer}"]
    return "\n".join(lines).rstrip() + "\n"
