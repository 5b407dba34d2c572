"""How a message is dressed without changing what it asks: a greeting before it; thanks, "pls help"
or "lol" after it; a line about the post or its writer, or about how it came to be asked; a title
that only names the subject. The tests of answers and of red flags both dress their questions so."""

from __future__ import annotations

CHATTER = [
    lambda q: "hey bot, quick question: " + q,
    lambda q: "Hi all! " + q + " thanks in advance!!",
    lambda q: q + " pls help",
    lambda q: q + " lol",
    # a forum post's words about itself and its writer, in a sentence of their own
    lambda q: "Long time lurker, first post. " + q,
    lambda q: "Hi all, 45F here. " + q + " Sorry for the long post!",
    lambda q: q + "\nSorry for the long post, on mobile.",
    lambda q: q + "\nOn mobile so excuse the formatting.",
    lambda q: q + " Sorry if this is a dumb question.",
    lambda q: q + "\nEdit: typo",
    lambda q: q + "\nUpdate: thanks for all the replies so far!",
    lambda q: "My physio suggested I ask here. " + q,
    lambda q: "I've been lurking for a while and finally decided to ask. " + q,
    lambda q: q + " Any advice would be appreciated!",
    lambda q: q + " Thanks in advance, this community is great.",
    lambda q: "Not sure if this is the right place to ask but " + q[:1].lower() + q[1:],
    # a question passed on for someone else
    lambda q: "Asking for my wife: " + q,
    lambda q: q + " (asking for a friend lol)",
    # a title that only names the post's subject
    lambda q: "Back pain question\n\n" + q,
    lambda q: "Question about my lower back: " + q,
]


def dresses_for(index: int, count: int = 5) -> list:
    """A share of the dresses for the index-th message of a long list: consecutive messages take
    consecutive dresses, so every dress is tried on a long list's many kinds of message while
    each message is matched a few times rather than twenty."""
    return [CHATTER[(index * count + j) % len(CHATTER)] for j in range(count)]
