"""What the outbox tells the flows about a case's messages it could not deliver (called
by bot/outbox.py, outside any update): a user who blocked the bot, and a relayed message
Telegram refused for good. Each notice is in its reader's language."""

from __future__ import annotations

from datetime import datetime

from flows.actions import Action, Notify, Relay
from flows.cases.handover import back_in_line
from flows.context import Context, FlowSettings
from flows.i18n import N_, _, use_locale
from flows.recipients import speaking_to
from storage.models import Case
from storage.repositories import Repositories


async def recipient_blocked(
    repos: Repositories, user_id: int, now: datetime, settings: FlowSettings | None = None
) -> list[Action]:
    """Telegram says this user blocked the bot. A digibuddy's open cases go back to the
    queue and their citizens are told; nothing else needs doing for a citizen."""
    ctx = Context.system(repos, settings or FlowSettings(), now)
    actions: list[Action] = []
    for case in await repos.cases.active_of(user_id):
        actions += await back_in_line(ctx, case)
    profile = await repos.staff.profile(user_id)
    if profile is not None:
        profile.on_duty, profile.current_case_id = False, None
    return actions


async def undeliverable(
    repos: Repositories,
    chat_id: int,
    case_id: int,
    now: datetime,
    settings: FlowSettings | None = None,
) -> list[Action]:
    """The outbox gave up for good on a message of case `case_id` relayed to `chat_id`
    (Telegram refused it, or it failed too often). Its sender, on the other side of the
    case, is asked to send it again; when the citizen wrote it, the staff side hears too
    (they would otherwise never know). Each in the reader's own language."""
    case = await repos.cases.get(case_id)
    if case is None:
        return []
    ctx = Context.system(repos, settings or FlowSettings(), now)
    if chat_id == case.citizen_id:  # a digibuddy's message did not reach the citizen
        text = N_(
            "⚠️ Your message to question #{id} could not be delivered. "
            "Please send it again or shorter."
        )
        return await _tell_staff_side(ctx, case, text)
    actions: list[Action] = []
    if case.citizen_id is not None:
        with await speaking_to(ctx, case.citizen_id, case.locale):
            again = _("⚠️ Your message could not be delivered. Please send it again or shorter.")
        actions.append(Notify(case.citizen_id, again))
    text = N_(
        "⚠️ A message from the person of question #{id} could not be delivered. "
        "We asked them to send it again."
    )
    return actions + await _tell_staff_side(ctx, case, text)


async def _tell_staff_side(ctx: Context, case: Case, text: str) -> list[Action]:
    """A note about a case where its staff follow it: the case's topic in the staff group
    (where the citizen's messages go too), else its digibuddy. `text` is a msgid with {id}."""
    group = await ctx.repos.staff_groups.of_digibank(case.digibank_id)
    if group is not None:
        with use_locale(ctx.settings.default_locale):  # a group has no language of its own
            note = _(text).format(id=case.id)
        return [Notify(group.chat_id, note, relay=Relay(case.id, in_topic=True))]
    if case.assignee_id is None:
        return []
    with await speaking_to(ctx, case.assignee_id):
        note = _(text).format(id=case.id)
    return [Notify(case.assignee_id, note)]
