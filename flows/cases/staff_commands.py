"""Staff commands around cases in a private chat: /duty, /languages, /queue, /cases,
/note, and /anonymous for organisers. (/close is in closing.py, /release and /transfer in
handover.py.)"""

from __future__ import annotations

import functools
import html

from flows import staff
from flows.actions import Action, Reply
from flows.cases.card import case_card, take_button
from flows.cases.common import Use, case_button, on_current
from flows.context import Context
from flows.i18n import _, language_name
from flows.topics import topic_name
from storage.models import Case
from storage.site_schema import LANGUAGES
from storage.vocabulary import ORGANISING_ROLES, STAFF_ROLES, Author


async def duty(ctx: Context, args: str) -> list[Action]:
    if ctx.role not in STAFF_ROLES:
        return staff.refuse(ctx)
    profile = await ctx.repos.staff.ensure_profile(ctx.user.id, ctx.first_name)
    word = args.strip().lower()
    profile.on_duty = (not profile.on_duty) if word not in ("on", "off") else word == "on"
    if profile.on_duty:
        return [Reply(_("🟢 You are on duty. You get a message for every new question."))]
    return [Reply(_("⚪ You are off duty. You get no messages about new questions."))]


async def languages(ctx: Context, args: str) -> list[Action]:
    """/languages nl fr ar: the languages a digibuddy helps in (alerted first for those)."""
    if ctx.role not in STAFF_ROLES:
        return staff.refuse(ctx)
    profile = await ctx.repos.staff.ensure_profile(ctx.user.id, ctx.first_name)
    chosen = [code for code in args.lower().replace(",", " ").split() if code in LANGUAGES]
    if chosen:
        profile.languages = chosen
    shown = ", ".join(
        language_name(code) for code in (profile.languages or [ctx.user.locale or "nl"])
    )
    return [
        Reply(
            _("🌐 You help in: {languages}.\nChange it like this: /languages nl fr ar").format(
                languages=html.escape(shown)
            )
        )
    ]


async def queue(ctx: Context) -> list[Action]:
    if ctx.role not in STAFF_ROLES:
        return staff.refuse(ctx)
    waiting = await ctx.repos.cases.waiting(await staff.own_digibanks(ctx))
    if not waiting:
        return [Reply(_("📭 Nobody is waiting."))]
    return [
        Reply(await case_card(ctx, case), buttons=((take_button(case),),)) for case in waiting[:10]
    ]


async def my_cases(ctx: Context) -> list[Action]:
    if ctx.role not in STAFF_ROLES:
        return staff.refuse(ctx)
    active = await ctx.repos.cases.active_of(ctx.user.id)
    if not active:
        return [Reply(_("💤 You are not helping anyone now. See /queue."))]
    rows = tuple(
        (case_button(Use(case.id), f"#{case.id} · {topic_name(case.topic)}"),) for case in active
    )
    return [Reply(_("📂 Your questions. Tap one to write to that person."), buttons=rows)]


async def note(ctx: Context, text: str) -> list[Action]:
    return await on_current(ctx, functools.partial(_note, text=text))


async def _note(ctx: Context, case: Case, text: str) -> list[Action]:
    if not text.strip():
        return [Reply(_("📝 Write the note after the command, like: /note called back on Monday"))]
    await ctx.repos.cases.add_message(case, Author.NOTE, ctx.user.id, "text", text.strip(), ctx.now)
    return [Reply(_("📝 Note saved. The person does not see it."))]


async def anonymous(ctx: Context, args: str) -> list[Action]:
    """/anonymous on|off: organisers choose whether citizens see helpers' first names."""
    if ctx.role not in ORGANISING_ROLES:
        return staff.refuse(ctx)
    words = args.lower().split()
    banks = await staff.own_digibanks(ctx)
    bank_id = words[1] if len(words) > 1 else (banks[0] if banks and len(banks) == 1 else None)
    bank = await ctx.repos.sites.digibank(bank_id) if bank_id else None
    if (
        bank is None
        or (banks is not None and bank.id not in banks)
        or not words
        or words[0] not in ("on", "off")
    ):
        return [
            Reply(
                _(
                    "🕶️ Write /anonymous on or /anonymous off "
                    "(and the digibank, if you have several)."
                )
            )
        ]
    bank.anonymous_staff = words[0] == "on"
    await ctx.repos.audit.record(ctx.user.id, "digibank.anonymous", detail=f"{bank.id} {words[0]}")
    if bank.anonymous_staff:
        text = _("🕶️ Citizens of {digibank} now see “a digibuddy”, not your first names.")
    else:
        text = _("👤 Citizens of {digibank} now see the first name of who helps them.")
    return [Reply(text.format(digibank=html.escape(bank.name)))]
