"""The link that adds the bot to a server, without importing discord.py (``lowback invite-url``
starts in a blink). A test checks that every permission named here is one discord.py knows."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings

SCOPES = ("bot", "applications.commands")

# Exactly what the bot needs, nothing more (no administrator, no manage-anything, no mention-everyone):
# name -> Discord's permission bit.
PERMISSIONS = {
    # See the channel at all: needed to answer a mention and to post a routine in it.
    "view_channel": 1 << 10,
    # Answer a mention, and post the routine message that it then edits phase by phase.
    "send_messages": 1 << 11,
    # Every answer is an embed; without this Discord drops it.
    "embed_links": 1 << 14,
    # Reply to the message that asked (a reply references it) and find its own routine message again.
    "read_message_history": 1 << 16,
    # The same when someone asks in a thread.
    "send_messages_in_threads": 1 << 38,
}
PERMISSIONS_VALUE = sum(PERMISSIONS.values())


def invite_url(client_id: int) -> str:
    """The link a server owner opens to add the bot, with exactly its scopes and permissions
    (the form ``discord.utils.oauth_url`` makes)."""
    return (
        f"https://discord.com/oauth2/authorize?client_id={client_id}"
        f"&scope={'+'.join(SCOPES)}&permissions={PERMISSIONS_VALUE}"
    )


def client_id_from_token(token: str | None) -> int | None:
    """The bot's user id, read from the token's first part (base64 of the id), or None.

    For every application made since 2017 the bot's user id is also the application (client) id.
    """
    if not token:
        return None
    first = token.strip().split(".", 1)[0]
    if not first:
        return None
    try:
        raw = base64.b64decode(first + "=" * (-len(first) % 4), altchars=b"-_", validate=True)
        text = raw.decode("ascii")
    except (binascii.Error, ValueError):
        return None
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value < 2**64 else None


def resolve_client_id(settings: Settings) -> int | None:
    """LOWBACK_CLIENT_ID if set (for old applications whose bot id differs), else the id in the token."""
    return settings.client_id or client_id_from_token(settings.token)
