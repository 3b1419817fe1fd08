"""Message text and caption handling: parse modes, length limits and entities."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import bad_request
from .html_check import HtmlParseError, parse_html, utf16_len

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024


@dataclass
class FormattedText:
    """A text as the bot sent it (``raw`` + ``parse_mode``) and as users see it (``text``)."""

    text: str
    raw: str
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def html(self) -> str | None:
        return self.raw if self.parse_mode == "HTML" else None


def normalize_parse_mode(parse_mode: str | None) -> str | None:
    if not parse_mode:
        return None
    for known in ("HTML", "MarkdownV2", "Markdown"):
        if parse_mode.lower() == known.lower():
            return known
    raise bad_request("unsupported parse_mode")


def format_text(
    raw: str | None,
    parse_mode: str | None,
    entities: list[dict[str, Any]] | None,
    *,
    is_caption: bool = False,
) -> FormattedText | None:
    """Validate a message text (or caption) like Telegram and compute its plain form.

    Markdown parse modes are accepted but not interpreted: the text is stored as sent, with no
    entities. Returns None for an absent caption.
    """
    mode = normalize_parse_mode(parse_mode)
    if raw is None or raw == "":
        if is_caption:
            return None
        raise bad_request("message text is empty")
    plain, parsed_entities = raw, list(entities or [])
    if mode == "HTML":
        try:
            plain, parsed_entities = parse_html(raw)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    elif entities is not None:
        _check_entities(entities)
    if not plain.strip():
        if is_caption:
            return None
        raise bad_request("message text is empty")
    limit = MAX_CAPTION_LENGTH if is_caption else MAX_TEXT_LENGTH
    if len(plain.encode("utf-16-le", "surrogatepass")) // 2 > limit:  # Telegram counts UTF-16
        raise bad_request("message caption is too long" if is_caption else "message is too long")
    return FormattedText(text=plain, raw=raw, parse_mode=mode, entities=parsed_entities)


def _check_entities(entities: Any) -> None:
    if not isinstance(entities, list):
        raise bad_request("can't parse entities JSON object")
    for entity in entities:
        if not (
            isinstance(entity, dict)
            and isinstance(entity.get("type"), str)
            and isinstance(entity.get("offset"), int)
            and isinstance(entity.get("length"), int)
        ):
            raise bad_request("can't parse MessageEntity JSON object")


def command_entities(text: str) -> list[dict[str, Any]]:
    """The ``bot_command`` entity a Telegram client adds when a text starts with ``/``."""
    if not text.startswith("/") or len(text) < 2 or text[1].isspace():
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


def user_text_fields(text: str) -> dict[str, Any]:
    """The ``text`` (+ ``entities``) of a message a user types in a Telegram client."""
    if not text or len(text) > MAX_TEXT_LENGTH:
        raise ValueError("a user's text must have 1 to 4096 characters")
    fields: dict[str, Any] = {"text": text}
    entities = command_entities(text)
    if entities:
        fields["entities"] = entities
    return fields
