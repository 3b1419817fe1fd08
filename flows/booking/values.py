"""The values of the booking buttons (flows.button_codec): those about one booking that
stay valid (`bk` namespace) and the steps of the booking dialogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, ClassVar

from flows.button_codec import Bounds, ButtonCodec, Id
from flows.places import PLACE_KINDS
from flows.topics import Topic

MAX_PAGE = 100  # pages of days; a forged page number beyond is an expired button
MAX_STAMP = 2**37  # a slot's start in seconds: far beyond any horizon, within datetime's range

# --- about one booking, whatever the step (reminders, the list, an offer) ------------------


@dataclass(frozen=True)
class MyAppointments:
    TAG: ClassVar[str] = "list"


@dataclass(frozen=True)
class BookNew:
    TAG: ClassVar[str] = "new"


@dataclass(frozen=True)
class FromOffer:
    """A digibuddy's /offer: book for this case (`offer.<case id>`)."""

    TAG: ClassVar[str] = "offer"
    case_id: Id


@dataclass(frozen=True)
class Coming:
    """The citizen will come (`coming.<booking id>`)."""

    TAG: ClassVar[str] = "coming"
    booking_id: Id


@dataclass(frozen=True)
class Move:
    TAG: ClassVar[str] = "move"
    booking_id: Id


@dataclass(frozen=True)
class Cancel:
    TAG: ClassVar[str] = "cancel"
    booking_id: Id


BookingButton = MyAppointments | BookNew | FromOffer | Coming | Move | Cancel
BOOKING_BUTTONS = ButtonCodec(MyAppointments, BookNew, FromOffer, Coming, Move, Cancel)

# --- the steps of the dialogue ---------------------------------------------------------------


@dataclass(frozen=True)
class About:
    TAG: ClassVar[str] = "topic"
    topic: Topic


@dataclass(frozen=True)
class AtSite:
    TAG: ClassVar[str] = "site"
    site_id: str


@dataclass(frozen=True)
class Elsewhere:
    TAG: ClassVar[str] = "elsewhere"


@dataclass(frozen=True)
class Page:
    """Later days: the page of days to show."""

    TAG: ClassVar[str] = "page"
    page: Annotated[int, Bounds(0, MAX_PAGE)]


@dataclass(frozen=True)
class OnDay:
    TAG: ClassVar[str] = "day"
    day: date


@dataclass(frozen=True)
class AtTime:
    """A slot, by its start in seconds since the epoch."""

    TAG: ClassVar[str] = "time"
    stamp: Annotated[int, Bounds(1, MAX_STAMP)]


@dataclass(frozen=True)
class Confirm:
    TAG: ClassVar[str] = "confirm"


@dataclass(frozen=True)
class Other:
    """Another day or time."""

    TAG: ClassVar[str] = "other"


StepButton = About | AtSite | Elsewhere | Page | OnDay | AtTime | Confirm | Other
STEP_BUTTONS = ButtonCodec(
    *PLACE_KINDS, About, AtSite, Elsewhere, Page, OnDay, AtTime, Confirm, Other
)
