"""How the terminal shows replies: rich on a terminal, plain text on a pipe or with ``NO_COLOR``.

On a terminal each reply is a panel coloured by its kind (a red flag, or any safety reply this
version does not know, stands out in red), its markdown rendered and wrapped to the window. When
the output is not a terminal, ``NO_COLOR`` is set or ``TERM`` is ``dumb``, the same reply is plain
text without escape codes or markdown marks, so pipes and logs stay clean (and rich is not even
imported).

A reply's actions are the terminal's to word. In the chat they are numbered choices, some with a
``/command`` as well (``1``, ``/hurts``, ``/start``); on the command line they are the ``lowback``
commands that do the same thing. Nothing here tells anyone to press a button.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TextIO

from bot.core.numbers import whole_number
from bot.core.replies import Action, Field, Reply, offered_actions

if TYPE_CHECKING:  # rich is imported only when the output is rich
    from rich.console import Console, RenderableType
    from rich.panel import Panel
    from rich.text import Text

# -- how each action is typed -------------------------------------------------------------------

# In the chat: a command as well as the number, for the actions people come back to.
CHAT_COMMANDS: dict[str, str] = {
    "start_routine": "/start",
    "move_up": "/easy",
    "go_back": "/hurts",
    "not_what_i_asked": "/other",
}


def shell_command(action: Action) -> str | None:
    """The ``lowback`` command that does ``action`` from the shell, if there is one."""
    if action.kind == "start_routine":
        return "lowback routine" + (f" {action.value}" if action.value else "")
    if action.kind == "move_up":
        return "lowback progress --up"
    if action.kind == "go_back":
        return "lowback progress --hurts"
    if action.kind == "next_step" and whole_number(action.value or "") is not None:
        return f'lowback ask --step {action.value} "what do I do now"'
    return None


@dataclass(frozen=True)
class Choice:
    """One thing the person can type next: a number, and maybe a command."""

    number: int
    action: Action
    command: str | None = None

    def typed(self) -> str:
        """What to type, in a sentence: "type /hurts" or "type 2"."""
        return f"type {self.command or self.number}"


def chat_choices(reply: Reply) -> list[Choice]:
    return [
        Choice(n, a, CHAT_COMMANDS.get(a.kind)) for n, a in enumerate(offered_actions(reply), 1)
    ]


def shell_choices(reply: Reply) -> list[Choice]:
    found: list[Choice] = []
    for action in offered_actions(reply):
        command = shell_command(action)
        if command is not None:
            found.append(Choice(len(found) + 1, action, command))
    return found


# -- turning a reply into terminal text ---------------------------------------------------------

_COMMAND_SPAN = re.compile(r"`/\w")


def for_terminal(reply: Reply, choices: list[Choice], help_text: str | None = None) -> Reply:
    """The reply in the terminal's words: action hints worded for typing; a help reply keeps its
    own text but not the paragraphs about Discord's slash commands, and gets ``help_text``."""
    hints = []
    by_action = {id(c.action): c for c in choices}
    for action in reply.actions:
        choice = by_action.get(id(action))
        hint = action.hint_with(choice.typed()) if choice else None
        if hint:
            hints.append(hint)
    body = reply.body
    fields = reply.fields
    if reply.kind == "help":
        body = "\n\n".join(p for p in body.split("\n\n") if not _COMMAND_SPAN.search(p))
        if help_text:
            fields = (*fields, Field("In the terminal", help_text))
    if hints:
        body = "\n\n".join([body, *hints]) if body else "\n\n".join(hints)
    return replace(reply, body=body, fields=fields)


_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__", re.S)
_ITALIC = re.compile(
    r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])", re.S
)
_CODE = re.compile(r"`([^`]+)`")


def strip_markdown(text: str) -> str:
    """Markdown marks taken out: **bold**, *italic*, `code` become their words."""
    text = _CODE.sub(r"\1", text)
    text = _BOLD.sub(lambda m: m.group(1) or m.group(2), text)
    return _ITALIC.sub(lambda m: m.group(1) or m.group(2), text)


def choices_line(choices: list[Choice], *, chat: bool) -> str:
    if not choices:
        return ""
    if chat:
        parts = [
            f"{c.number} {c.action.label}" + (f" ({c.command})" if c.command else "")
            for c in choices
        ]
        return "Type " + " · ".join(parts)
    return "Next: " + " · ".join(f"{c.command} ({c.action.label.lower()})" for c in choices)


def wrap(text: str, width: int) -> str:
    """Plain text wrapped to ``width`` columns; list items keep their indent."""
    import textwrap

    lines = []
    for line in text.split("\n"):
        item = _ITEM.match(line)
        indent = " " * item.start("text") if item else ""
        lines.append(
            textwrap.fill(line, width=width - 1, subsequent_indent=indent, break_on_hyphens=False)
            if line
            else ""
        )
    return "\n".join(lines)


def plain(reply: Reply, choices: list[Choice], *, chat: bool) -> str:
    """The reply as plain text: no escape codes, no markdown marks."""
    lines = [reply.title, "=" * min(len(reply.title), 72), "", strip_markdown(reply.body.strip())]
    for f in reply.fields:
        lines += ["", f"{strip_markdown(f.name)}:", strip_markdown(f.value.strip())]
    line = choices_line(choices, chat=chat)
    if line:
        lines += ["", line]
    if reply.footer:
        lines += ["", f"-- {strip_markdown(reply.footer)}"]
    return "\n".join(lines).rstrip() + "\n"


# -- rich ----------------------------------------------------------------------------------------

# Border and title colour per kind. A kind not listed here (a new safety reply, say) and any reply
# with an urgency is drawn as a red flag, so it cannot pass unnoticed.
STYLES: dict[str, str] = {
    "answer": "green",
    "clarify": "blue",
    "no_match": "bright_black",
    "help": "blue",
    "info": "cyan",
    "error": "yellow",
}
ALARM = "bold red"
MAX_WIDTH = 100
MIN_COLUMNS = 20  # narrower than this, text is drawn 20 columns wide all the same


def style_of(reply: Reply) -> str:
    if reply.urgency or reply.kind not in STYLES:
        return ALARM
    return STYLES[reply.kind]


_INLINE = re.compile(
    r"\*\*(?P<b>.+?)\*\*|__(?P<b2>.+?)__|`(?P<code>[^`]+)`"
    r"|(?<![\w*])\*(?!\s)(?P<i>.+?)(?<!\s)\*(?![\w*])|(?<![\w_])_(?!\s)(?P<i2>.+?)(?<!\s)_(?![\w_])"
)
_ITEM = re.compile(r"^\s*(?:(?P<mark>[-*+•])|(?P<number>\d{1,3})[.)])\s+(?P<text>.*)$")
_HEADING = re.compile(r"^\s*#{1,6}\s+(?P<text>.*)$")


def inline(source: str, style: str = "") -> Text:
    """One line of reply markdown as rich Text: **bold**, *italic*, `code`."""
    from rich.text import Text

    text = Text(style=style)
    at = 0
    for m in _INLINE.finditer(source):
        text.append(source[at : m.start()])
        if m.group("b") or m.group("b2"):
            text.append(m.group("b") or m.group("b2"), style="bold")
        elif m.group("code"):
            text.append(m.group("code"), style="bold cyan")
        else:
            text.append(m.group("i") or m.group("i2"), style="italic")
        at = m.end()
    text.append(source[at:])
    return text


def markdown(source: str, bullet_style: str = "") -> list[RenderableType]:
    """The markdown replies use (paragraphs, kept line breaks, bullet and numbered lists, headings,
    **bold**, *italic*, `code`) as rich renderables that wrap to the window. Rich's own Markdown
    would do it too, but importing it costs more than the whole rest of an answer."""
    from rich.table import Table
    from rich.text import Text

    blocks: list[RenderableType] = []
    paragraph: Text | None = None
    items: Table | None = None
    for line in source.strip().split("\n"):
        item = _ITEM.match(line)
        if item:
            paragraph = None
            if items is None:
                items = Table.grid(padding=(0, 1))
                items.add_column(no_wrap=True)
                items.add_column()
                blocks.append(items)
            mark = "•" if item.group("mark") else f"{item.group('number')}."
            items.add_row(Text(mark, style=bullet_style), inline(item.group("text")))
            continue
        items = None
        if not line.strip():
            paragraph = None
            blocks.append(Text(""))
            continue
        heading = _HEADING.match(line)
        if heading:
            paragraph = None
            blocks.append(inline(heading.group("text"), style="bold underline"))
            continue
        if paragraph is None:
            paragraph = inline(line)
            blocks.append(paragraph)
        else:
            paragraph.append("\n")
            paragraph.append_text(inline(line))
    return blocks


def use_rich(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Rich output only on a terminal, and not when ``NO_COLOR`` is set or ``TERM=dumb``."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Screen:
    """Where a terminal command writes: rich on a terminal, plain text elsewhere."""

    def __init__(
        self, out: TextIO | None = None, *, rich: bool | None = None, width: int | None = None
    ):
        self.out = out if out is not None else sys.stdout
        self.rich = use_rich(self.out) if rich is None else rich
        self._console: Console | None = None
        self._width = width
        # Set once writing found the reader gone (`lowback routine | head`): nobody reads on.
        self.reader_gone = False

    @property
    def console(self) -> Console:
        """The rich console (only created, and rich only imported, when output is rich)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                file=self.out,
                width=self._width,
                force_terminal=True,
                highlight=False,
                soft_wrap=False,
                emoji=False,
            )
            if self._width is None and self._console.width < MIN_COLUMNS:
                # COLUMNS=0, or a sliver of a window: a panel there would show nothing at all.
                self._console.width = MIN_COLUMNS
        return self._console

    def columns(self) -> int | None:
        """The terminal's width when plain text goes to a terminal (NO_COLOR); None for a pipe or file."""
        try:
            if not self.out.isatty():
                return None
            columns = os.get_terminal_size(self.out.fileno()).columns
        except (AttributeError, ValueError, OSError):
            return None
        # A terminal that reports no width at all (0: a serial line, some containers) gets whole
        # lines, as rich assumes 80 columns there, rather than a 20-column strip.
        return max(MIN_COLUMNS, columns) if columns else None

    def write(self, text: str) -> None:
        try:
            self.out.write(text)
            self.out.flush()
        except (BrokenPipeError, ValueError):  # the reader went away, or the stream is closed
            self.reader_gone = True

    def line(self, text: str = "", style: str | None = None) -> None:
        """One line of our own text (no markdown)."""
        if self.rich:
            self.console.print(text, style=style, markup=False, highlight=False)
        else:
            self.write(text + "\n")

    def block(self, text: str) -> None:
        """A few lines of our own text, set off from what comes before and after."""
        if self.rich:
            self.console.print()
            self.console.print(text.rstrip(), markup=False, highlight=False)
            self.console.print()
        else:
            self.write("\n" + text.rstrip() + "\n\n")

    def note(self, text: str) -> None:
        """A quiet line (hints, goodbyes)."""
        self.line(text, style="dim")

    def problem(self, text: str) -> None:
        self.line(text, style="bold yellow")

    def reply(
        self,
        reply: Reply,
        choices: list[Choice] | None = None,
        *,
        chat: bool = False,
        help_text: str | None = None,
    ) -> None:
        if choices is None:
            choices = chat_choices(reply) if chat else shell_choices(reply)
        reply = for_terminal(reply, choices, help_text)
        if not self.rich:
            text = plain(reply, choices, chat=chat)
            columns = self.columns()
            if columns:
                text = wrap(text, columns)
            self.write(("\n" if chat else "") + text + ("\n" if chat else ""))
            return
        self.console.print(self.panel(reply, choices, chat=chat))

    def panel(self, reply: Reply, choices: list[Choice], *, chat: bool) -> Panel:
        from rich.console import Group
        from rich.panel import Panel
        from rich.text import Text

        style = style_of(reply)
        parts: list[RenderableType] = markdown(reply.body, style) if reply.body.strip() else []
        for f in reply.fields:
            parts += [
                Text(""),
                Text(strip_markdown(f.name), style=f"bold {style}"),
                *markdown(f.value, style),
            ]
        line = choices_line(choices, chat=chat)
        if line:
            text = Text()
            text.append("\n")
            if chat:
                text.append("Type ", style="dim")
                for i, c in enumerate(choices):
                    if i:
                        text.append("  ·  ", style="dim")
                    text.append(str(c.number), style=f"bold {style}")
                    text.append(f" {c.action.label}")
                    if c.command:
                        text.append(f" {c.command}", style="bold")
            else:
                text.append(line, style="dim")
            parts.append(text)
        if reply.footer:
            parts += [Text(""), Text(strip_markdown(reply.footer), style="dim")]
        title: Text | None = Text(reply.title, style=f"bold {style}")
        if style == ALARM:
            title = Text("! " + reply.title, style=ALARM)
        width = min(self.console.width, MAX_WIDTH)
        if title is not None and title.cell_len > width - 6:
            # The border has room for width - 6 cells (two corners, two dashes, two spaces): a
            # longer title (a split pane, a phone) would be cut mid-word, so it opens the panel,
            # wrapped like the rest.
            parts = [title, Text(""), *parts]
            title = None
        return Panel(
            Group(*parts),
            title=title,
            title_align="left",
            border_style=style,
            width=width,
            padding=(0, 1),
        )
