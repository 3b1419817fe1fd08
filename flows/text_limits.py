"""Telegram's length limits, for texts we build around user text.

Telegram refuses a message text over 4,096 characters and a caption over 1,024, counted
in UTF-16 code units of the *visible* text (after the HTML tags and entities are parsed).
A refusal would drop the user's words, so what we build from user text is split first.

The safe way to split HTML is not to: the raw user text is cut into pieces that fit the
room left beside our own label, and each piece is escaped on its own. No tag or entity is
ever cut, and no tag is left open.
"""

from __future__ import annotations

import html
import re
import unicodedata

from flows.actions import MAX_TEXT, utf16_len

MAX_CAPTION = 1024

_TAG = re.compile(r"<[^>]*>")
_JOINERS = frozenset("\u200d\ufe0e\ufe0f")  # zero-width joiner, text/emoji presentation


def visible_len(html_text: str) -> int:
    """The length Telegram checks, of an HTML text we built: tags out, entities parsed."""
    return utf16_len(html.unescape(_TAG.sub("", html_text)))


def _glued(before: str, after: str) -> bool:
    """Would a cut between these two characters break one visible character (an emoji
    sequence, a letter and its accent)?"""
    return (
        before in _JOINERS
        or after in _JOINERS
        or unicodedata.combining(after) != 0
        or 0x1F3FB <= ord(after) <= 0x1F3FF  # skin tone modifiers
    )


def _cut(text: str, room: int) -> int:
    """Where to end the first piece of `text` (at most `room` UTF-16 units): after the last
    line break, else after the last space, in the second half of the room; else as late as
    possible without breaking a character apart."""
    end, used = 0, 0
    while end < len(text):
        width = utf16_len(text[end])
        if used + width > room:
            break
        used += width
        end += 1
    for separator in ("\n", " "):
        at = text.rfind(separator, 0, end + 1)  # a separator right after the piece counts
        if at > end // 2:
            return at
    while 1 < end < len(text) and _glued(text[end - 1], text[end]):
        end -= 1
    return max(end, 1)


def split_text(text: str, room: int) -> list[str]:
    """Raw text in pieces of at most `room` UTF-16 units each; the line break or space
    where it was cut is left out (each piece starts a message of its own)."""
    room = max(room, 2)  # one character, even a surrogate pair, always fits
    pieces: list[str] = []
    while utf16_len(text) > room:
        at = _cut(text, room)
        pieces.append(text[:at])
        text = text[at + 1 :] if text[at : at + 1] in ("\n", " ") else text[at:]
    return [*pieces, text]


def labelled(label: str, text: str, limit: int = MAX_TEXT, suffix: str = "") -> list[str]:
    """`label` + user `text` (raw: escaped here) + `suffix`, as one HTML message if it fits
    the limit, else as several, each with its label and a "(2/3)" marker, in order."""
    whole = f"{label} {html.escape(text)}{suffix}"
    if visible_len(whole) <= limit:
        return [whole]
    digits = 1
    while True:
        frame = visible_len(f"{label} ({'9' * digits}/{'9' * digits}) {suffix}")
        pieces = split_text(text, limit - frame)
        if len(pieces) < 10**digits:
            break
        digits += 1
    count = len(pieces)
    head, colon = (label[:-1], ":") if label.endswith(":") else (label, "")  # "#1 (1/2):"
    return [
        f"{head} ({number}/{count}){colon} {html.escape(piece)}{suffix}"
        for number, piece in enumerate(pieces, 1)
    ]


def pack(lines: list[str], limit: int = MAX_TEXT) -> list[str]:
    """Whole lines of HTML (each within the limit on its own) joined by line breaks into as
    few messages as fit."""
    messages: list[str] = []
    current, used = "", 0
    for line in lines:
        width = visible_len(line)
        if current and used + 1 + width > limit:
            messages.append(current)
            current, used = "", 0
        current, used = (f"{current}\n{line}", used + 1 + width) if current else (line, width)
    if current:
        messages.append(current)
    return messages
