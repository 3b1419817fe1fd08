"""A digibuddy lets go of a case: /release puts it back in line at its digibank, and
/transfer gives it to another digibuddy (who gets the briefing) or another digibank
(where it waits again). The citizen is told, in their language."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import ClassVar

from flows import menu
from flows.actions import Action, Button, Notify, Reply
from flows.button_codec import ButtonCodec, UserId
from flows.cases.briefing import briefing
from flows.cases.card import alert_staff
from flows.cases.common import TRANSFER_FLOW, current_case, on_current
from flows.context import Context
from flows.i18n import _
from flows.recipients import speaking_to
from storage.models import Case


@dataclass(frozen=True)
class ToPerson:
    """/transfer to another digibuddy (`to.<user id>`)."""

    TAG: ClassVar[str] = "to"
    user_id: UserId


@dataclass(frozen=True)
class ToBank:
    """/transfer to another digibank (`bank.<digibank id>`)."""

    TAG: ClassVar[str] = "bank"
    digibank_id: str


TRANSFER_BUTTONS = ButtonCodec(ToPerson, ToBank)


def _button(ctx: Context, label: str, button: ToPerson | ToBank) -> Button:
    return ctx.step_button(label, TRANSFER_BUTTONS.encode(button))


async def release(ctx: Context) -> list[Action]:
    return await on_current(ctx, _release)


async def _release(ctx: Context, case: Case) -> list[Action]:
    actions: list[Action] = [Reply(_("↩️ Question #{id} is back in the queue.").format(id=case.id))]
    return actions + await back_in_line(ctx, case) + await alert_staff(ctx, case)


async def back_in_line(ctx: Context, case: Case) -> list[Action]:
    """Its digibuddy let go of the question: it waits again, and the citizen is told."""
    await ctx.repos.cases.requeue(case)
    if case.citizen_id is None:
        return []
    with await speaking_to(ctx, case.citizen_id, case.locale):
        text = _("⏳ Your question is back in line. Another digibuddy will help you soon.")
        return [Notify(case.citizen_id, text)]


async def transfer(ctx: Context) -> list[Action]:
    """/transfer: hand the current case to another digibuddy or another digibank."""
    return await on_current(ctx, _ask_transfer)


async def _ask_transfer(ctx: Context, case: Case) -> list[Action]:
    ctx.ask(TRANSFER_FLOW, "target", case=case.id)
    rows = []
    for profile in await ctx.repos.staff.on_duty_for(case.digibank_id):
        if profile.user_id != ctx.user.id:
            label = f"👤 {profile.first_name}"
            rows.append((_button(ctx, label, ToPerson(profile.user_id)),))
    for bank in await ctx.repos.sites.digibanks():
        if bank.id != case.digibank_id:
            rows.append((_button(ctx, f"🏢 {bank.name}", ToBank(bank.id)),))
    text = _("➡️ To whom do you give question #{id}?").format(id=case.id)
    return [Reply(text, buttons=(*rows, menu.home_row()))]


async def on_transfer_button(ctx: Context, value: str) -> list[Action] | None:
    case = await current_case(ctx)
    if case is None or case.id != (ctx.state.data or {}).get("case"):
        return None
    button = TRANSFER_BUTTONS.decode(value)
    me = await ctx.repos.staff.profile(ctx.user.id)
    if isinstance(button, ToPerson):
        other = await ctx.repos.staff.profile(button.user_id)
        if other is None or case.digibank_id not in await ctx.repos.memberships.of(other.user_id):
            return None
        if len(await ctx.repos.cases.active_of(other.user_id)) >= other.capacity:
            return [
                Reply(
                    _("⚠️ {name} already helps as many people as they can.").format(
                        name=html.escape(other.first_name)
                    )
                )
            ]
        case.assignee_id, other.current_case_id = other.user_id, case.id
        if me is not None:
            me.current_case_id = None
        ctx.finish()
        done = _("➡️ Question #{id} is now with {name}.").format(
            id=case.id, name=html.escape(other.first_name)
        )
        return [Reply(done), *await briefing(ctx, case, other.user_id, other.first_name)]
    bank = (
        await ctx.repos.sites.digibank(button.digibank_id) if isinstance(button, ToBank) else None
    )
    if bank is None:
        return None
    await ctx.repos.cases.requeue(case, bank.id)
    if me is not None:
        me.current_case_id = None
    ctx.finish()
    actions: list[Action] = [
        Reply(
            _("➡️ Question #{id} went to {digibank}.").format(
                id=case.id, digibank=html.escape(bank.name)
            )
        )
    ]
    if case.citizen_id is not None:
        with await speaking_to(ctx, case.citizen_id, case.locale):
            moved = _("➡️ Your question goes to <b>{digibank}</b>. You are number {position}.")
            actions.append(
                Notify(
                    case.citizen_id,
                    moved.format(
                        digibank=html.escape(bank.name),
                        position=await ctx.repos.cases.position(case),
                    ),
                )
            )
    return actions + await alert_staff(ctx, case)
