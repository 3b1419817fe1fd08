"""Short, versioned callback data for inline buttons, validated on arrival.

Format: ``1:<flow>:<seq>:<value>``. ``seq`` is the dialogue's question counter when the
button was sent (``*`` for buttons that stay valid, like the main menu), so a tap on an
old question is recognised as stale instead of being applied to the current one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "1"
MAX_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclass(frozen=True)
class Callback:
    flow: str
    seq: int | None  # None: valid whatever the dialogue's step
    value: str


def encode(flow: str, value: str, seq: int | None = None) -> str:
    data = f"{VERSION}:{flow}:{'*' if seq is None else seq}:{value}"
    if len(data.encode()) > MAX_BYTES or not (_PART.match(flow) and _PART.match(value)):
        raise ValueError(f"callback data not encodable: {data!r}")
    return data


def decode(data: str | None) -> Callback | None:
    """The callback, or None when the data is malformed, forged or of another version."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) != 4 or parts[0] != VERSION:
        return None
    _, flow, seq, value = parts
    if not (_PART.match(flow) and _PART.match(value)):
        return None
    if seq == "*":
        return Callback(flow, None, value)
    if not seq.isdigit() or len(seq) > 9:
        return None
    return Callback(flow, int(seq), value)
