"""The typed button codec: round trips, and every forged value refused without an error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, ClassVar, Literal

import pytest
from hypothesis import given

from flows import callbacks
from flows.button_codec import Bounds, ButtonCodec, Id, OneOf


@dataclass(frozen=True)
class Take:
    TAG: ClassVar[str] = "take"
    case_id: Id


@dataclass(frozen=True)
class Rate:
    TAG: ClassVar[str] = "rate"
    case_id: Id
    stars: Annotated[int, Bounds(1, 5)]


@dataclass(frozen=True)
class Day:
    TAG: ClassVar[str] = "day"
    day: date
    part: Literal["am", "pm"]


@dataclass(frozen=True)
class Menu:
    TAG: ClassVar[str] = "menu"


CODEC = ButtonCodec(Take, Rate, Day, Menu)


@pytest.mark.parametrize(
    "button", [Take(1), Rate(2**31 - 1, 5), Day(date(2026, 12, 3), "pm"), Menu()]
)
def test_round_trip_within_the_64_bytes(button):
    value = CODEC.encode(button)
    assert CODEC.decode(value) == button
    assert len(callbacks.encode("case", value, seq=999_999_999).encode()) <= callbacks.MAX_BYTES


@pytest.mark.parametrize(
    "value",
    [
        "rate.1.45",
        "rate.1.0",
        "rate.1.",
        "rate.1",
        "rate.1.5.5",
        "take.99999999999999999999",
        "take.0",
        "take.-1",
        "take.+1",
        "take.٣",
        "take. 1",
        "day.2026-02-30.am",
        "day.1900-01-01.am",
        "day.2026-12-03.noon",
        "menu.1",
        "unknown.1",
        "",
    ],
)
def test_forged_values_decode_to_nothing(value):
    assert CODEC.decode(value) is None


def test_encoding_a_value_out_of_bounds_is_a_bug_caught_at_once():
    with pytest.raises(ValueError):
        CODEC.encode(Rate(1, 6))


@given(CODEC.strategy())
def test_every_well_formed_value_decodes(value):
    button = CODEC.decode(value)
    assert button is not None and CODEC.encode(button) == value


@given(CODEC.strategy(forged=True))
def test_every_forged_value_is_refused(value):
    assert CODEC.decode(value) is None


def test_one_word_buttons_keep_their_word_as_value():
    from flows.button_codec import word_kinds

    kinds = word_kinds("nl", "fr")
    codec = ButtonCodec(*kinds.values(), Take)
    assert codec.encode(kinds["fr"]()) == "fr"
    assert isinstance(codec.decode("nl"), kinds["nl"]) and codec.decode("nl").word == "nl"
    for forged in ("de", "nl.1", "fr.", ""):
        assert codec.decode(forged) is None


def test_site_ids_of_forty_characters_fit():
    @dataclass(frozen=True)
    class Map:
        TAG: ClassVar[str] = "map"
        site_id: str

    codec = ButtonCodec(Map)
    value = codec.encode(Map("a" * 40))
    assert codec.decode(value) == Map("a" * 40) and codec.decode("map." + "a" * 41) is None
    assert len(callbacks.encode("site", value).encode()) <= callbacks.MAX_BYTES


@dataclass(frozen=True)
class Topic:
    TAG: ClassVar[str] = "topic"
    code: Annotated[str, OneOf(("itsme", "eid"))]


def test_a_word_of_a_fixed_set_kept_where_the_set_is_defined():
    codec = ButtonCodec(Topic)
    assert codec.decode("topic.eid") == Topic("eid")
    assert codec.decode("topic.taxes") is None
