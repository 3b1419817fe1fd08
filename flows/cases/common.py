"""What the parts of a case share: button namespaces, names as staff and citizens see
them, who may handle a case, the case a digibuddy is helping with now, and whether the
digibank's team is there."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, ClassVar

from flows import callbacks, menu, staff
from flows.actions import Action, Button, Reply
from flows.button_codec import Bounds, ButtonCodec, Id
from flows.context import Context
from flows.i18n import _
from flows.moments import relative_when
from flows.opening_hours import status
from flows.site_index import site_index
from storage.models import Case
from storage.site_schema import BRUSSELS
from storage.vocabulary import STAFF_ROLES, CaseStatus

FLOW = "case"  # the citizen's questions before a case is opened
TRANSFER_FLOW = "transfer"  # a digibuddy choosing who gets their case
CASE = "case"  # callback namespace of case buttons (take, done, rate, use): never stale


@dataclass(frozen=True)
class Take:
    """Staff: take a waiting case (`take.12`)."""

    TAG: ClassVar[str] = "take"
    case_id: Id


@dataclass(frozen=True)
class Use:
    """Staff: make one of their cases the current one (`use.12`)."""

    TAG: ClassVar[str] = "use"
    case_id: Id


@dataclass(frozen=True)
class Close:
    """Staff: close a case (`close.12`)."""

    TAG: ClassVar[str] = "close"
    case_id: Id


@dataclass(frozen=True)
class Done:
    """The citizen: my question is answered (`done.12`)."""

    TAG: ClassVar[str] = "done"
    case_id: Id


@dataclass(frozen=True)
class Rate:
    """The citizen rates the help of a closed case (`rate.12.5`)."""

    TAG: ClassVar[str] = "rate"
    case_id: Id
    stars: Annotated[int, Bounds(1, 5)]


CaseButton = Take | Use | Close | Done | Rate
CASE_BUTTONS = ButtonCodec(Take, Use, Close, Done, Rate)


def case_button(button: CaseButton, label: str) -> Button:
    return Button(label, callbacks.encode(CASE, CASE_BUTTONS.encode(button)))


def done_row(case: Case) -> tuple[Button, ...]:
    """Under the citizen's messages: they can close their question themselves."""
    return (
        case_button(Done(case.id), _("✅ My question is answered")),
        menu.home_button(),
    )


async def digibank_name(ctx: Context, digibank_id: str) -> str:
    bank = await ctx.repos.sites.digibank(digibank_id)
    return html.escape(bank.name if bank else digibank_id)


async def shown_name(ctx: Context, case: Case, first_name: str) -> str | None:
    """The helper's first name as the citizen may see it; None for an anonymous digibank."""
    bank = await ctx.repos.sites.digibank(case.digibank_id)
    return None if bank is not None and bank.anonymous_staff else first_name


async def back_when(ctx: Context, digibank_id: str) -> str | None:
    """None when a site of the digibank is open now (or its hours are unknown); else when
    the team is back ("tomorrow at 09:00"), or "" when not soon."""
    sites = [s for s in (await site_index(ctx.repos)).sites if s.digibank == digibank_id]
    states = [status(site, ctx.now, BRUSSELS) for site in sites]
    if not states or any(s.open or not s.known for s in states):
        return None
    upcoming = [s.next_open for s in states if s.next_open is not None]
    return relative_when(min(upcoming), ctx.now, ctx.tz) if upcoming else ""


async def may_handle(ctx: Context, case: Case) -> bool:
    """Staff of the case's digibank (or an admin): the same rule in private and in a group."""
    banks = await staff.own_digibanks(ctx)
    return ctx.role in STAFF_ROLES and (banks is None or case.digibank_id in banks)


async def current_case(ctx: Context) -> Case | None:
    """The case this digibuddy is helping with now (what they write goes there)."""
    profile = await ctx.repos.staff.profile(ctx.user.id)
    if profile is None or profile.current_case_id is None:
        return None
    case = await ctx.repos.cases.get(profile.current_case_id)
    if case is None or case.assignee_id != ctx.user.id or case.status != CaseStatus.ACTIVE:
        return None
    return case


async def on_current(
    ctx: Context, act: Callable[[Context, Case], Awaitable[list[Action]]]
) -> list[Action]:
    """A staff command about the case this digibuddy is helping with now."""
    if ctx.role not in STAFF_ROLES:
        return staff.refuse(ctx)
    case = await current_case(ctx)
    if case is None:
        return [Reply(_("💤 You are not helping anyone now. See /queue."))]
    return await act(ctx, case)
