"""Buttons about one case that stay valid whatever the dialogue's step: staff take, use
and close a case; its citizen closes it and rates the help."""

from __future__ import annotations

from flows.actions import Action, Reply
from flows.cases.briefing import take, use
from flows.cases.closing import close_case, closed_by_citizen, rate
from flows.cases.common import CASE_BUTTONS, Close, Done, Rate, Take, Use, may_handle
from flows.context import Context
from flows.i18n import _
from storage.vocabulary import CaseStatus


async def on_case_button(ctx: Context, value: str) -> list[Action] | None:
    button = CASE_BUTTONS.decode(value)
    if button is None:
        return None  # forged or garbled: an expired button
    case = await ctx.repos.cases.get(button.case_id)
    if case is None:
        return [Reply(_("⚠️ This question no longer exists."))]
    citizens = case.citizen_id == ctx.user.id
    match button:
        case Take():
            return await take(ctx, case)
        case Use():
            return await use(ctx, case)
        case Close() if await may_handle(ctx, case):
            return await close_case(ctx, case)
        case Done() if citizens and case.status != CaseStatus.CLOSED:
            return await closed_by_citizen(ctx, case)
        case Rate(stars=stars) if citizens and case.status == CaseStatus.CLOSED:
            return await rate(ctx, case, stars)
        case _:
            return None
