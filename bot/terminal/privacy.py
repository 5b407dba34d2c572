"""The privacy notice, as the terminal shows it: ``lowback privacy`` and the chat's ``/privacy``.

The notice is ``bot/PRIVACY.md``, installed with the package, so an installed wheel can show it
too; ``lowback mydata`` (and the chat's ``/mydata``) say where to read it and how to delete.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import resources

from bot.core.replies import Reply

ABOUT = "The privacy notice says what is kept, why, and for how long"
SHELL_DELETE = "`lowback mydata --delete` removes all of it at once; nothing is kept afterwards."
SHELL_PRIVACY = f"{ABOUT}: `lowback privacy`."
CHAT_DELETE = "Type /delete to remove all of it at once; nothing is kept afterwards."
CHAT_PRIVACY = f"{ABOUT}: type /privacy."


def privacy_notice() -> str:
    """The text of the privacy notice that ships with the bot (markdown)."""
    return resources.files("bot").joinpath("PRIVACY.md").read_text(encoding="utf-8")


def privacy_reply() -> Reply:
    """The notice as a reply: its first heading the title, the rest the body."""
    heading, _, body = privacy_notice().strip().partition("\n")
    return Reply("info", heading.lstrip("#").strip(), body.strip())


def data_in_the_terminal(reply: Reply, *, chat: bool) -> Reply:
    """``/mydata``'s reply with how to delete it and where the privacy notice is, in the words of
    the chat (``chat``) or of the shell."""
    delete, privacy = (CHAT_DELETE, CHAT_PRIVACY) if chat else (SHELL_DELETE, SHELL_PRIVACY)
    return replace(
        reply, body=f"{reply.body}\n{delete}", footer=f"{reply.footer or ''} {privacy}".strip()
    )
