"""Typed button values: one small frozen dataclass per kind of button, encoded into the
value part of the callback data (see flows.callbacks) and decoded with validation.

    @dataclass(frozen=True)
    class Rate:
        TAG = "rate"
        case_id: Id
        stars: Annotated[int, Bounds(1, 5)]

    CASE = ButtonCodec(Take, Rate, ...)
    CASE.encode(Rate(7, 5))   # "rate.7.5"
    CASE.decode("rate.7.45")  # None: 45 stars is no rating

Callback data comes from the user's client and can be forged. A value that does not
decode (unknown tag, wrong number of parts, a number out of its bounds, a word that is
not one of its choices) is None, which the router answers as an expired button: never an
exception. Fields are ints with bounds, ISO days, or words (`Literal[...]` or
`Annotated[str, OneOf(codes)]` for a fixed
set). `strategy()` gives hypothesis strategies for well-formed values and for values that
are well-formed on the wire but out of bounds, for property tests.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, ClassVar, Literal, Protocol

from flows.button_values import MAX_ID, MAX_USER_ID, number

SEPARATOR = "."
_WORD = re.compile(r"[A-Za-z0-9_-]{1,40}", re.ASCII)  # site and digibank ids: 40
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)  # days a button may name


@dataclass(frozen=True)
class Bounds:
    low: int
    high: int


@dataclass(frozen=True)
class OneOf:
    """A word field that takes one of these codes (kept where the codes are defined)."""

    words: tuple[str, ...]


Id = Annotated[int, Bounds(1, MAX_ID)]  # a row of ours (case, booking, …)
UserId = Annotated[int, Bounds(1, MAX_USER_ID)]  # a Telegram user
Page = Annotated[int, Bounds(0, 1000)]


class Button(Protocol):
    TAG: ClassVar[str]


@dataclass(frozen=True)
class _Field:
    name: str
    kind: str  # "int", "day", "word"
    bounds: Bounds | None = None
    choices: tuple[str, ...] = ()

    def parse(self, text: str) -> Any:
        if self.kind == "int":
            assert self.bounds is not None
            return number(text, maximum=self.bounds.high, minimum=self.bounds.low)
        if self.kind == "day":
            if not _DAY.fullmatch(text):
                return None
            try:
                found = date.fromisoformat(text)
            except ValueError:
                return None
            return found if EARLIEST <= found <= LATEST else None
        if not _WORD.fullmatch(text) or (self.choices and text not in self.choices):
            return None
        return text

    def valid(self) -> Any:
        """Hypothesis strategy of texts this field accepts."""
        from hypothesis import strategies as st

        if self.kind == "int":
            assert self.bounds is not None
            return st.integers(self.bounds.low, self.bounds.high).map(str)
        if self.kind == "day":
            return st.dates(EARLIEST, LATEST).map(date.isoformat)
        if self.choices:
            return st.sampled_from(self.choices)
        return st.from_regex(_WORD, fullmatch=True)

    def forged(self) -> Any:
        """Hypothesis strategy of texts shaped like this field's but refused by it."""
        from hypothesis import strategies as st

        if self.kind == "int":
            assert self.bounds is not None
            above = st.integers(self.bounds.high + 1, self.bounds.high + 10**20)
            if self.bounds.low > 0:
                above = st.one_of(st.integers(0, self.bounds.low - 1), above)
            return above.map(str)
        if self.kind == "day":
            return st.dates(date(1, 1, 1), date(1999, 12, 31)).map(date.isoformat)
        if self.choices:
            words = st.from_regex(_WORD, fullmatch=True)
            return words.filter(lambda word: word not in self.choices)
        return st.just("x" * 41)  # any word is a word: only a too long one is refused

    def format(self, value: Any) -> str:
        text = value.isoformat() if isinstance(value, date) else str(value)
        if self.parse(text) is None:
            raise ValueError(f"{self.name}={value!r} is not a valid button value")
        return text


def _fields(kind: type) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(kind, include_extras=True)
    found = []
    for field in dataclasses.fields(kind):
        hint = hints[field.name]
        base, extras = hint, ()
        if typing.get_origin(hint) is Annotated:
            base, *extras = typing.get_args(hint)
        bounds = next((e for e in extras if isinstance(e, Bounds)), None)
        if base is int:
            found.append(_Field(field.name, "int", bounds or Bounds(0, MAX_ID)))
        elif base is date:
            found.append(_Field(field.name, "day"))
        elif typing.get_origin(base) is Literal:
            found.append(_Field(field.name, "word", choices=tuple(typing.get_args(base))))
        elif base is str:
            one_of = next((e for e in extras if isinstance(e, OneOf)), None)
            found.append(_Field(field.name, "word", choices=one_of.words if one_of else ()))
        else:
            raise TypeError(f"{kind.__name__}.{field.name}: unsupported button field {hint}")
    return tuple(found)


def word_kinds(*words: str) -> dict[str, type]:
    """Buttons that are one fixed word each (a language, a menu area), by word: a kind
    without fields per word, whose TAG (its whole value) and `word` are that word."""
    return {
        word: dataclasses.make_dataclass(
            f"Word_{word}", [], namespace={"TAG": word, "word": word}, frozen=True
        )
        for word in words
    }


class ButtonCodec:
    """The kinds of button of one flow, by their tag."""

    def __init__(self, *kinds: type) -> None:
        self.kinds: dict[str, tuple[type, tuple[_Field, ...]]] = {}
        for kind in kinds:
            tag = kind.TAG
            if tag in self.kinds or not _WORD.fullmatch(tag):
                raise ValueError(f"bad or repeated button tag {tag!r}")
            self.kinds[tag] = (kind, _fields(kind))

    def encode(self, button: Any) -> str:
        kind, fields = self.kinds[type(button).TAG]
        if not isinstance(button, kind):
            raise TypeError(f"{type(button).__name__} is not a button of this codec")
        parts = [kind.TAG, *(f.format(getattr(button, f.name)) for f in fields)]
        return SEPARATOR.join(parts)

    def decode(self, value: str) -> Any | None:
        tag, *parts = value.split(SEPARATOR)
        entry = self.kinds.get(tag)
        if entry is None or len(parts) != len(entry[1]):
            return None
        kind, fields = entry
        values = [f.parse(part) for f, part in zip(fields, parts, strict=True)]
        if any(v is None for v in values):
            return None
        return kind(*values)

    def strategy(self, forged: bool = False) -> Any:
        """Hypothesis strategy of encoded values: well-formed ones (any id: another user's
        case, another digibank's booking), or with `forged`, values that look right on the
        wire but break one bound (a rating of 0 or 6, a day in 1900, an unknown word)."""
        from hypothesis import strategies as st

        def one_kind(tag: str) -> Any:
            fields = self.kinds[tag][1]
            if not forged:
                parts = st.tuples(*(f.valid() for f in fields))
            elif not fields:
                parts = st.just(("1",))  # a part too many
            else:
                parts = st.integers(0, len(fields) - 1).flatmap(
                    lambda bad: st.tuples(
                        *(f.forged() if i == bad else f.valid() for i, f in enumerate(fields))
                    )
                )
            return parts.map(lambda texts: SEPARATOR.join([tag, *texts]))

        return st.sampled_from(sorted(self.kinds)).flatmap(one_kind)
