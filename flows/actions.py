"""What the bot should do in answer: plain data, turned into Bot API calls by the transport.

Texts in actions are already translated and are HTML (Telegram's subset): every
user-supplied string must pass through `html.escape` before it is put in one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MAX_TEXT = 4096  # Telegram's limit for one message, in UTF-16 code units


def utf16_len(text: str) -> int:
    """Telegram counts UTF-16 code units (an emoji is often two); counting the HTML tags
    too keeps us on the safe side."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # callback data, at most 64 bytes (see flows.callbacks)


@dataclass(frozen=True)
class UrlButton:
    label: str
    url: str


@dataclass(frozen=True)
class KeyboardButton:
    """A button of the reply keyboard (under the input field)."""

    label: str
    request_location: bool = False


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button | UrlButton, ...], ...] = ()
    keyboard: tuple[tuple[KeyboardButton, ...], ...] = ()
    remove_keyboard: bool = False


@dataclass(frozen=True)
class Relay:
    """Where a message to another chat comes from, so edits and replies can follow it."""

    case_id: int
    source: tuple[int, int] | None = None  # (chat, message) of the original, if any
    reply_to: int | None = None  # message id in the target chat to answer
    kind: str = "text"
    in_topic: bool = False  # into the case's topic of the staff group (resolved when sent)
    after_seconds: float = 0  # send later, and only if the case still waits then


@dataclass(frozen=True)
class Later:
    """Send at a later moment, for a booking (a reminder): dropped with the booking, and
    never once the appointment has begun."""

    at: datetime
    booking_id: int
    not_after: datetime


@dataclass(frozen=True)
class Notify:
    """A message to another chat (a staff member, a group), or a reminder to anyone.
    Goes through the outbox."""

    chat_id: int
    text: str
    buttons: tuple[tuple[Button | UrlButton, ...], ...] = ()
    relay: Relay | None = None
    later: Later | None = None


@dataclass(frozen=True)
class Toast:
    """A short note on the button the user just pressed (answerCallbackQuery)."""

    text: str
    alert: bool = False


@dataclass(frozen=True)
class SendVenue:
    latitude: float
    longitude: float
    title: str
    address: str


@dataclass(frozen=True)
class SendDocument:
    file_name: str
    content: bytes
    caption: str = ""


@dataclass(frozen=True)
class CopyMessage:
    """Relay a message (any kind: photo, voice, location, …) to another chat."""

    chat_id: int
    from_chat_id: int
    message_id: int
    caption: str | None = None
    relay: Relay | None = None


@dataclass(frozen=True)
class CreateTopic:
    """Open the forum topic of a case in its digibank's staff group (once per case)."""

    chat_id: int
    name: str
    case_id: int


@dataclass(frozen=True)
class EditRelayed:
    """An original was edited: edit its copy (the text, or a media caption)."""

    chat_id: int
    message_id: int
    text: str
    caption: bool = False
    case_id: int | None = None  # the outbox row goes with the case (/forget, retention)


@dataclass(frozen=True)
class SetCommands:
    """The "/" command list of one private chat (staff see theirs); empty: back to the
    list everybody sees."""

    chat_id: int
    commands: tuple[tuple[str, str], ...] = ()  # (command, its description, translated)


Action = (
    Reply
    | Notify
    | Toast
    | SendVenue
    | SendDocument
    | CopyMessage
    | EditRelayed
    | CreateTopic
    | SetCommands
)
OUTBOX = (Notify, CopyMessage, EditRelayed, CreateTopic)  # other chats: written, then sent
