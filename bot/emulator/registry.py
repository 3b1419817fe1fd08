"""The table of Bot API methods the emulator implements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import EmulatorCore
    from .params import Params

Handler = Callable[["EmulatorCore", "Params"], Awaitable[Any]]


@dataclass
class WithDescription:
    """A successful answer that also carries a ``description`` (e.g. "Webhook was set")."""

    result: Any
    description: str


# lower-case method name -> (Telegram's camelCase name, handler); Telegram ignores case.
METHODS: dict[str, tuple[str, Handler]] = {}


def bot_method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = (name, handler)
        return handler

    return register


def canonical_name(name: str) -> str:
    entry = METHODS.get(name.lower())
    return entry[0] if entry else name
