"""Errors of the core: problems in the knowledge base (named by file, topic id and field), and
what a person typed that cannot be used."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KBIssue:
    file: str
    topic: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.topic:
            where += f" [{self.topic}]"
        if self.field:
            where += f" {self.field}"
        return f"{where}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge base is broken; ``issues`` lists every problem found, not just the first."""

    def __init__(self, issues: list[KBIssue]):
        self.issues = list(issues)
        super().__init__(
            f"{len(self.issues)} problem(s) in the knowledge base:\n"
            + "\n".join(map(str, self.issues))
        )


class ScheduleError(ValueError):
    """Something a person typed that is not a usable time, day list or time zone.

    The message is written to be shown to them as is.
    """
