"""/offer: a digibuddy helping someone sends them a button to book coaching at their
digibank, for the topic of their question (the citizen's side is
`dialogue.from_offer`)."""

from __future__ import annotations

from flows import menu
from flows.actions import Action, Notify, Reply
from flows.booking.common import booking_button, no_booking_sites, offered_sites
from flows.booking.values import FromOffer
from flows.cases.common import on_current
from flows.context import Context
from flows.i18n import _
from flows.recipients import speaking_to
from flows.site_index import site_index
from storage.models import Case
from storage.vocabulary import CaseStatus


async def offer(ctx: Context) -> list[Action]:
    """/offer in a private chat: about the case this digibuddy is helping with now."""
    return await on_current(ctx, offer_for)


async def offer_for(ctx: Context, case: Case) -> list[Action]:
    """/offer about `case` (in a private chat, or in the case's topic of a staff group)."""
    if case.citizen_id is None or case.status == CaseStatus.CLOSED:
        return [Reply(_("⚠️ This person is no longer here."))]
    if not offered_sites((await site_index(ctx.repos)).sites, case):
        return [no_booking_sites()]
    with await speaking_to(ctx, case.citizen_id, case.locale):
        text = _(
            "📅 Your digibuddy suggests help in person: one to one, at the digibank, "
            "for free.\nDo you want to choose a time?"
        )
        buttons = ((booking_button(_("📅 Choose a time"), FromOffer(case.id)),), menu.home_row())
        note = Notify(case.citizen_id, text, buttons)
    sent = _("📅 Sent to question #{id}: a button to book a time. Once booked, it is in /agenda.")
    return [Reply(sent.format(id=case.id)), note]
