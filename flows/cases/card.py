"""The card staff get about a case, and the alerts of a case that waits for a digibuddy:
a card with a Take button for each on-duty digibuddy of the digibank (in their own
language), and a topic with that card in the digibank's staff group, if it has one."""

from __future__ import annotations

from flows.actions import Action, Button, CreateTopic, Notify, Relay
from flows.cases.common import Close, Take, case_button, digibank_name
from flows.context import Context
from flows.i18n import _, language_name, use_locale
from flows.recipients import locale_of
from flows.topics import topic_name
from storage.models import Case


def take_button(case: Case) -> Button:
    return case_button(Take(case.id), _("✋ Take #{id}").format(id=case.id))


async def case_card(ctx: Context, case: Case) -> str:
    waited = max(0, int((ctx.now - case.opened_at).total_seconds() // 60))
    return _(
        "🆕 <b>Question #{id}</b>\n🏢 {digibank}\n📋 {topic}\n🌐 {language}\n⏱️ {minutes} min"
    ).format(
        id=case.id,
        digibank=await digibank_name(ctx, case.digibank_id),
        topic=topic_name(case.topic),
        language=language_name(case.locale),
        minutes=waited,
    )


async def alert_staff(ctx: Context, case: Case) -> list[Action]:
    """A new case: every on-duty digibuddy of the digibank gets a card with Take, and the
    digibank's staff group (if it has one) gets a topic for it with that card on top."""
    alerts: list[Action] = []
    group = await ctx.repos.staff_groups.of_digibank(case.digibank_id)
    if group is not None:
        with use_locale(ctx.settings.default_locale):  # a group has no language of its own
            card = await case_card(ctx, case)
            name = f"#{case.id} · {topic_name(case.topic)} · {case.locale.upper()}"
            buttons = ((take_button(case), case_button(Close(case.id), _("✅ Close"))),)
        if case.topic_thread_id is None:
            alerts.append(CreateTopic(group.chat_id, name[:128], case.id))
        alerts.append(Notify(group.chat_id, card, buttons, Relay(case.id, in_topic=True)))
    on_duty = []
    for profile in await ctx.repos.staff.on_duty_for(case.digibank_id):
        locale = await locale_of(ctx, profile.user_id)
        on_duty.append((profile, locale, case.locale in (profile.languages or [locale])))
    # Those who speak the citizen's language first; the others if it still waits then
    # (at once when nobody on duty speaks it).
    later = ctx.settings.alert_others_minutes * 60 if any(s for *_, s in on_duty) else 0
    for profile, locale, speaks in on_duty:
        relay = Relay(case.id, after_seconds=0 if speaks else later)
        with use_locale(locale):
            card = await case_card(ctx, case)
            alerts.append(Notify(profile.user_id, card, ((take_button(case),),), relay))
    return alerts
