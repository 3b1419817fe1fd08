"""Buttons about one case that stay valid whatever the dialogue's step: staff take, use
and close a case; its citizen closes it and rates the help."""

from __future__ import annotations

from flows.actions import Action, Reply
from flows.button_values import number
from flows.cases.briefing import take, use
from flows.cases.closing import close_case, closed_by_citizen, rate
from flows.cases.common import may_handle
from flows.context import Context
from flows.i18n import _
from storage.vocabulary import CaseStatus


async def on_case_button(ctx: Context, value: str) -> list[Action] | None:
    action, _sep, rest = value.partition(".")
    parts = rest.split(".")
    case_id = number(parts[0])
    if case_id is None:
        return None  # forged or garbled: an expired button
    case = await ctx.repos.cases.get(case_id)
    if case is None:
        return [Reply(_("⚠️ This question no longer exists."))]
    if action == "take":
        return await take(ctx, case)
    if action == "use":
        return await use(ctx, case)
    if action == "close" and await may_handle(ctx, case):
        return await close_case(ctx, case)
    if case.citizen_id != ctx.user.id:
        return None
    if action == "done" and case.status != CaseStatus.CLOSED:
        return await closed_by_citizen(ctx, case)
    stars = number(parts[1], maximum=5) if len(parts) == 2 else None
    if action == "rate" and stars is not None and case.status == CaseStatus.CLOSED:
        return await rate(ctx, case, stars)
    return None
