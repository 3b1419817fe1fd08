"""The per-chat event stream the playground chat page long-polls."""

from __future__ import annotations

import time
from typing import Any, Literal

from .models import StoredMessage, flat_venue
from .notifier import ChangeNotifier

EventKind = Literal["message", "edit", "delete", "callback_answer"]


def file_url(file_id: str) -> str:
    return f"/_emulator/files/{file_id}"


def message_event(kind: EventKind, message: StoredMessage) -> dict[str, Any]:
    """Snapshot of a message for the chat page (later edits don't change past events)."""
    api = message.api
    document = api.get("document")
    if kind == "delete":
        return {**empty_event(kind, message.sender), "message_id": message.message_id}
    return {
        "kind": kind,
        "message_id": message.message_id,
        "sender": message.sender,
        "text": message.text,
        "html": message.formatted.html if message.formatted else None,
        "reply_markup": message.reply_markup,
        # A venue message also has a location; the page should show it once, as the venue.
        "location": None if "venue" in api else api.get("location"),
        "venue": flat_venue(api.get("venue")),
        "document": (
            {"file_name": document["file_name"], "url": file_url(document["file_id"])}
            if document
            else None
        ),
        "photo": {"url": file_url(message.file.file_id)}
        if "photo" in api and message.file
        else None,
        "contact": api.get("contact"),
        "sticker": (api.get("sticker") or {}).get("emoji"),
        "reply_to_message_id": (api.get("reply_to_message") or {}).get("message_id"),
        "date": api.get("date"),
    }


def callback_answer_event(text: str | None, show_alert: bool) -> dict[str, Any]:
    return {**empty_event("callback_answer", "bot"), "text": text, "show_alert": show_alert}


def empty_event(kind: EventKind, sender: str) -> dict[str, Any]:
    """Every field of a client-API event, unset: the one definition of the event shape."""
    return {
        "kind": kind,
        "message_id": None,
        "sender": sender,
        "text": None,
        "html": None,
        "reply_markup": None,
        "location": None,
        "venue": None,
        "document": None,
        "photo": None,
        "contact": None,
        "sticker": None,
        "reply_to_message_id": None,
        "date": int(time.time()),
    }


class EventLog:
    def __init__(self, notifier: ChangeNotifier) -> None:
        self._notifier = notifier
        self._seq = 0
        self._by_chat: dict[int, list[dict[str, Any]]] = {}

    @property
    def last_seq(self) -> int:
        return self._seq

    def add(self, chat_id: int, event: dict[str, Any]) -> dict[str, Any]:
        self._seq += 1
        event = {"seq": self._seq, **event}
        self._by_chat.setdefault(chat_id, []).append(event)
        self._notifier.notify()
        return event

    def after(self, chat_id: int, seq: int) -> list[dict[str, Any]]:
        return [event for event in self._by_chat.get(chat_id, []) if event["seq"] > seq]
