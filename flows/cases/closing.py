"""The end of a case: a digibuddy closes it (/close, a topic's Close button) or the
citizen does ("✅ My question is answered"); the citizen is asked for a rating. /forget
closes it too, and its digibuddy is told."""

from __future__ import annotations

from flows import menu
from flows.actions import Action, Notify, Reply
from flows.cases.common import Rate, case_button, on_current
from flows.context import Context
from flows.i18n import _
from flows.recipients import speaking_to
from storage.models import Case
from storage.vocabulary import Author, CaseStatus


async def close(ctx: Context) -> list[Action]:
    return await on_current(ctx, close_case)


async def close_case(ctx: Context, case: Case) -> list[Action]:
    """A digibuddy closes a case (from /close or a topic's Close button)."""
    if case.status == CaseStatus.CLOSED:
        return [Reply(_("✅ Question #{id} is closed.").format(id=case.id))]
    actions = await _close(ctx, case, Author.STAFF)
    return [Reply(_("✅ Question #{id} is closed.").format(id=case.id)), *actions]


async def closed_by_citizen(ctx: Context, case: Case) -> list[Action]:
    """The citizen tapped "✅ My question is answered"; their digibuddy hears of it."""
    actions = await _close(ctx, case, Author.CITIZEN)
    if case.assignee_id is not None:
        with await speaking_to(ctx, case.assignee_id):  # not in the citizen's language
            text = _("✅ Question #{id} was closed by the person.").format(id=case.id)
        actions.append(Notify(case.assignee_id, text))
    return actions


async def rate(ctx: Context, case: Case, stars: int) -> list[Action]:
    """The citizen's rating of a closed case (the first one counts)."""
    if case.rating is None:
        case.rating = stars
    return menu.main_menu(ctx, intro=_("🙏 Thank you!"))


async def _close(ctx: Context, case: Case, by: Author) -> list[Action]:
    """Close a case and ask the citizen for a rating."""
    await ctx.repos.cases.close(case, by, ctx.now)
    actions: list[Action] = []
    if case.citizen_id is not None:
        with await speaking_to(ctx, case.citizen_id, case.locale):
            stars = tuple(case_button(Rate(case.id, n), "⭐" * n) for n in range(1, 6))
            text = _("✅ Your question is closed.\n⭐ How well did we help you?")
            actions.append(Notify(case.citizen_id, text, (stars[:3], stars[3:])))
    return actions


async def before_forget(ctx: Context) -> list[Action]:
    """The citizen erases their data: tell the digibuddy helping them, if any."""
    case = await ctx.repos.cases.open_case_of(ctx.user.id)
    if case is None or case.assignee_id is None:
        return []
    with await speaking_to(ctx, case.assignee_id):
        text = _("⚠️ The person of question #{id} deleted their data. The question is closed.")
        return [Notify(case.assignee_id, text.format(id=case.id))]
