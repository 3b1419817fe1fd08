"""Telegram's ``parse_mode=HTML``: validation and conversion to plain text + entities.

Mirrors the parser of Telegram's server (tdlib ``parse_html``) closely enough that a text the
real Bot API rejects is rejected here too, with the same wording. One deliberate difference:
an unknown named entity such as ``&nbsp;`` is an error here (Telegram keeps it literally),
because it almost always means the bot forgot to escape a text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip

_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
}

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n\v\0"


class HtmlParseError(ValueError):
    """The reason Telegram gives after ``Bad Request: can't parse entities: ``."""


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    expandable: bool = False


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Return ``(plain_text, entities)`` or raise :class:`HtmlParseError`."""
    return _HtmlParser(text).parse()


class _HtmlParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def _char(self, i: int) -> str:
        return self.text[i] if i < self.n else ""

    def _is_space(self, i: int) -> bool:
        return i < self.n and self.text[i] in _SPACES

    def _byte_offset(self, i: int) -> int:
        return len(self.text[:i].encode("utf-8", "surrogatepass"))

    def _skip_spaces(self, i: int) -> int:
        while self._is_space(i):
            i += 1
        return i

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        i = 0
        while i < self.n:
            c = self.text[i]
            if c == "&":
                value, end = self._decode_entity(i)
                if value is not None:
                    self._emit(value)
                    i = end
                    continue
            if c != "<":
                self._emit(c)
                i += 1
                continue
            i = self._end_tag(i) if self._char(i + 1) == "/" else self._start_tag(i)
        if self.stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _emit(self, value: str) -> None:
        self.out.append(value)
        self.utf16 += utf16_len(value)

    def _decode_entity(self, i: int) -> tuple[str | None, int]:
        """Decode ``&...;`` at ``i``; ``(None, i)`` means: keep the ``&`` literally."""
        j = i + 1
        if self._char(j) == "#":
            j += 1
            is_hex = self._char(j) in ("x", "X")
            if is_hex:
                j += 1
            digits_start = j
            allowed = "0123456789abcdefABCDEF" if is_hex else "0123456789"
            while self._char(j) and self._char(j) in allowed:
                j += 1
            digits = self.text[digits_start:j]
            if not digits:
                return None, i
            code = int(digits, 16 if is_hex else 10)
            if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                return None, i
            value = chr(code)
        else:
            while self._char(j).isascii() and self._char(j).isalpha():
                j += 1
            name = self.text[i + 1 : j]
            if name in _NAMED_ENTITIES:
                value = _NAMED_ENTITIES[name]
            elif name and self._char(j) == ";":
                raise HtmlParseError(
                    f'Unsupported HTML entity "&{name};" at byte offset {self._byte_offset(i)}'
                )
            else:
                return None, i
        if self._char(j) == ";":
            j += 1
        return value, j

    def _start_tag(self, begin: int) -> int:
        offset = self._byte_offset(begin)
        i = begin + 1
        while i < self.n and not self._is_space(i) and self.text[i] != ">":
            i += 1
        if i >= self.n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {offset}")
        tag = self.text[begin + 1 : i].lower()
        if tag not in SUPPORTED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {offset}')

        argument = ""
        expandable = False
        while True:
            i = self._skip_spaces(i)
            if i >= self.n:
                raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {offset}')
            if self.text[i] == ">":
                break
            attr_begin = i
            while i < self.n and not self._is_space(i) and self.text[i] not in "=>":
                i += 1
            attr = self.text[attr_begin:i]
            i = self._skip_spaces(i)
            if self._char(i) != "=":
                if tag == "blockquote" and attr == "expandable":
                    expandable = True
                    continue
                raise HtmlParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {offset}'
                )
            i = self._skip_spaces(i + 1)
            if i >= self.n:
                raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {offset}')
            value, i = self._attribute_value(i)
            if i >= self.n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {offset}")
            argument = self._tag_argument(tag, attr, value, argument)
        i += 1  # the closing '>'

        if tag == "span" and argument != "spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        if tag == "tg-emoji" and not argument:
            raise HtmlParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}'
            )
        self.stack.append(_OpenTag(tag, argument, self.utf16, expandable))
        return i

    def _attribute_value(self, i: int) -> tuple[str, int]:
        quote = self.text[i]
        if quote not in "'\"":
            # An unquoted name token: letters, digits, periods and hyphens.
            start = i
            while i < self.n and (
                (self.text[i].isascii() and self.text[i].isalnum()) or self.text[i] in ".-"
            ):
                i += 1
            if i < self.n and not self._is_space(i) and self.text[i] != ">":
                raise HtmlParseError(
                    f"Unexpected end of name token at byte offset {self._byte_offset(start)}"
                )
            return self.text[start:i].lower(), i
        i += 1
        value: list[str] = []
        while i < self.n and self.text[i] != quote:
            if self.text[i] == "&":
                decoded, end = self._decode_entity(i)
                if decoded is not None:
                    value.append(decoded)
                    i = end
                    continue
            value.append(self.text[i])
            i += 1
        if i < self.n:
            i += 1
        return "".join(value), i

    @staticmethod
    def _tag_argument(tag: str, attr: str, value: str, current: str) -> str:
        if tag == "a" and attr == "href":
            return value
        if tag == "code" and attr == "class" and value.startswith("language-"):
            return value[len("language-") :]
        if tag == "span" and attr == "class" and value.startswith("tg-"):
            return value[len("tg-") :]
        if tag == "tg-emoji" and attr == "emoji-id":
            return value
        if tag == "pre" and attr == "language":
            return value
        return current

    def _end_tag(self, begin: int) -> int:
        offset = self._byte_offset(begin)
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {offset}")
        i = begin + 2
        while i < self.n and not self._is_space(i) and self.text[i] != ">":
            i += 1
        end_name = self.text[begin + 2 : i]
        i = self._skip_spaces(i)
        if self._char(i) != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {offset}")
        open_tag = self.stack.pop()
        if end_name and end_name != open_tag.name:
            raise HtmlParseError(
                f"Unmatched end tag at byte offset {offset}, "
                f'expected "</{open_tag.name}>", found "</{end_name}>"'
            )
        self._add_entity(open_tag)
        return i + 1

    def _add_entity(self, tag: _OpenTag) -> None:
        length = self.utf16 - tag.utf16_offset
        if length <= 0:
            return
        entity: dict[str, Any] = {
            "type": _ENTITY_TYPES[tag.name],
            "offset": tag.utf16_offset,
            "length": length,
        }
        if tag.name == "a":
            if not tag.argument:
                return  # Telegram only links a text with a valid URL
            entity["url"] = tag.argument
        elif tag.name == "code" and tag.argument:
            entity["language"] = tag.argument
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.argument
        elif tag.name == "blockquote" and tag.expandable:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "pre":
            # <pre><code class="language-x">…</code></pre> is one pre entity with a language.
            last = self.entities[-1] if self.entities else None
            if (
                last is not None
                and last["type"] == "code"
                and last["offset"] == entity["offset"]
                and last["length"] == length
            ):
                self.entities.pop()
                if "language" in last:
                    entity["language"] = last["language"]
            elif tag.argument:
                entity["language"] = tag.argument
        self.entities.append(entity)
