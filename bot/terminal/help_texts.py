"""What the ``lowback`` command says when there is no Discord token: how to get one, where to put
it, and the commands as they can be typed where it was started."""

from __future__ import annotations

import os
from pathlib import Path

TOKEN_HELP = """\
No Discord token found, so the Discord bot can't start.

To run it on Discord:
  1. Open https://discord.com/developers/applications and create an application.
  2. Under "Bot", press "Reset Token" and copy the token.
  3. Give it to the bot as DISCORD_TOKEN=your-token-here:
       - from a checkout: in the .env file of the folder it starts in{here}
         (or export DISCORD_TOKEN in your shell);
       - with Docker Compose: in the .env file at the top of the repository;
       - with systemd: in /etc/lowback/lowback.env.
     Then start the bot again.
  4. Invite the bot to your server with the link from `{me} invite-url`.
The README's "Discord set-up" section has the details.
"""

CHAT_OFFER = "Meanwhile you can try everything in the terminal: `{me} chat`."


def token_help(offer_chat: bool = False) -> str:
    """TOKEN_HELP (and CHAT_OFFER), naming the .env file read and the commands as they can be
    typed: ``scripts/start`` says how it was started (LOWBACK_STARTED_AS) and starts in the
    checkout, which has no ``lowback`` on the PATH."""
    me = os.environ.get("LOWBACK_STARTED_AS", "").strip() or "lowback"
    try:
        here = f", here {Path('.env').absolute()}"
    except OSError:  # started in a folder since deleted
        here = ""
    text = TOKEN_HELP + ("\n" + CHAT_OFFER + "\n" if offer_chat else "")
    return text.format(me=me, here=here)
