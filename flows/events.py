"""What a user did, as neutral events: the transport turns Telegram updates into these."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sender:
    chat_id: int
    user_id: int
    language_code: str | None = None  # Telegram's IETF tag, a hint until the user chooses
    first_name: str = ""  # stored only for staff, who are shown by first name
    message_id: int | None = None  # the message this event came from (to relay it)
    reply_to: int | None = None  # the message it answers, in the same chat
    in_group: bool = False  # a staff group, not a private chat with the bot
    thread_id: int | None = None  # the forum topic, in a staff group


@dataclass(frozen=True)
class Text:
    sender: Sender
    text: str


@dataclass(frozen=True)
class Command:
    sender: Sender
    name: str  # lower case, without "/" or "@botname"
    args: str = ""


@dataclass(frozen=True)
class ButtonPress:
    sender: Sender
    data: str
    message_id: int | None = None
    has_keyboard: bool = True  # the message still shows buttons (an old tap: maybe not)


@dataclass(frozen=True)
class Location:
    sender: Sender
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Contact:
    sender: Sender
    own: bool  # the user's own number (we never store it here)


@dataclass(frozen=True)
class Media:
    """A photo, document, voice message, sticker, … that the current step did not ask for."""

    sender: Sender
    kind: str


@dataclass(frozen=True)
class Document:
    """A file the user sent; its bytes are fetched only when a step wants them."""

    sender: Sender
    file_name: str
    size: int
    file_ref: str


@dataclass(frozen=True)
class Edited:
    """The user edited an earlier message (sender.message_id); steps are not re-run, but
    a relayed copy is edited too."""

    sender: Sender
    text: str | None = None  # the new text, or the new caption of a photo, document…
    caption: bool = False


Event = Text | Command | ButtonPress | Location | Contact | Document | Media | Edited
