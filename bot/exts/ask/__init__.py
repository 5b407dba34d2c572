"""Questions: ``/ask``, a message that mentions the bot in a server, and any message in a DM.

A question edited within a quarter of an hour of being sent is answered again, in place of the
bot's earlier answer to it (``on_raw_message_edit``; an answer given before the bot was restarted
is found in the channel); an edit is not a new question for the cooldown. A question deleted takes the bot's answer in the channel with it (of the last thousand
questions the running bot answered).

The answer comes from the answering service; this cog only checks the input, applies the
per-person cooldown (which never holds back the answer to a red flag or a crisis) and renders
the reply. A private reply (a red flag) to a question asked in a
server goes to the person by DM; the channel only gets a neutral note that repeats nothing of
what they wrote. When the DM cannot be sent (the person takes no DMs from the server), the note
carries a button that shows the answer to that person alone (:class:`ShowPrivately`).

A red flag also pauses the person's reminders for a day (``bot.services.reminders.holding``), and
its answer says so (but a crisis reply, which stays the crisis lines alone): it tells them to
leave the exercises for now, which a reminder must not undo.

The package: ``reading`` says what a message asks (and why it can't be answered), ``private``
holds the note and the button for an answer that is the person's alone, ``cog`` answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.exts.ask.cog import Ask
from bot.exts.ask.reading import MAX_QUESTION, input_problem

if TYPE_CHECKING:
    from bot.app import LowbackBot

__all__ = ["MAX_QUESTION", "Ask", "input_problem"]


async def setup(bot: LowbackBot) -> None:
    await bot.add_cog(Ask(bot))
