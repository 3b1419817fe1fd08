"""A citizen asks to talk to a person: which digibank, which topic (only what is not
known yet), then the case is open, in line at that digibank, and its staff are alerted.
From then on the citizen just writes (flows/cases/relay.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from flows import menu
from flows.actions import Action, Button, Reply
from flows.button_codec import ButtonCodec
from flows.cases.card import alert_staff
from flows.cases.common import FLOW, back_when, digibank_name, done_row
from flows.context import Context
from flows.i18n import _
from flows.navigation import Destination, go
from flows.topics import TOPIC_LABELS, Topic, topic_name
from storage.models import Case


@dataclass(frozen=True)
class Bank:
    """Which digibank to ask (`bank.<digibank id>`)."""

    TAG: ClassVar[str] = "bank"
    digibank_id: str


@dataclass(frozen=True)
class Nearest:
    """Find the nearest digibank first."""

    TAG: ClassVar[str] = "nearest"


@dataclass(frozen=True)
class About:
    """What the question is about (`topic.<code>`)."""

    TAG: ClassVar[str] = "topic"
    topic: Topic


INTAKE_BUTTONS = ButtonCodec(Bank, Nearest, About)


async def start(ctx: Context, digibank_id: str | None = None) -> list[Action]:
    """'Talk to a person': the open case, or the questions needed to open one."""
    case = await ctx.repos.cases.open_case_of(ctx.user.id)
    if case is not None:
        return [await _already_open(ctx, case)]
    if digibank_id is None:
        banks = await ctx.repos.sites.digibanks()
        if not banks:
            return await menu.show_person(ctx)
        ctx.ask(FLOW, "bank")
        rows = [(_button(ctx, bank.name, Bank(bank.id)),) for bank in banks]
        rows.append((_button(ctx, _("📍 Find the nearest digibank"), Nearest()),))
        text = _(
            "👤 <b>Talk to a person</b>\n"
            "A digibuddy helps you here in this chat.\n\n"
            "Which digibank do you want to ask?"
        )
        return [Reply(text, buttons=(*rows, menu.home_row()))]
    return _ask_topic(ctx, digibank_id)


def _ask_topic(ctx: Context, digibank_id: str) -> list[Action]:
    ctx.ask(FLOW, "topic", bank=digibank_id)
    rows = tuple((_button(ctx, topic_name(t), About(t)),) for t in TOPIC_LABELS)
    return [Reply(_("📋 What is your question about?"), buttons=(*rows, menu.home_row()))]


def _button(ctx: Context, label: str, button: Bank | Nearest | About) -> Button:
    return ctx.step_button(label, INTAKE_BUTTONS.encode(button))


async def _already_open(ctx: Context, case: Case) -> Reply:
    text = _(
        "💬 You already have a question at <b>{digibank}</b>.\n"
        "Just write here: we add it to your question."
    ).format(digibank=await digibank_name(ctx, case.digibank_id))
    return Reply(text, buttons=(done_row(case),))


async def _open(ctx: Context, digibank_id: str, topic: str) -> list[Action]:
    locale = ctx.user.locale or ctx.settings.default_locale
    case, new = await ctx.repos.cases.open(ctx.user.id, digibank_id, topic, locale, ctx.now)
    ctx.finish()
    if not new:
        return [await _already_open(ctx, case)]
    bank = await digibank_name(ctx, digibank_id)
    lines = [
        _("✅ Your question is in line at <b>{digibank}</b>. You are number {position}.").format(
            digibank=bank, position=await ctx.repos.cases.position(case)
        ),
        _("✍️ Write your question here. You can also send a photo of your screen."),
    ]
    back = await back_when(ctx, digibank_id)
    if back is not None:
        lines.append(
            _(
                "🕒 The team is not there now. They are back {when}. Your question stays in line."
            ).format(when=back)
            if back
            else _("🕒 The team is not there now. Your question stays in line.")
        )
    return [Reply("\n\n".join(lines), buttons=(done_row(case),)), *await alert_staff(ctx, case)]


async def prompt(ctx: Context) -> list[Action]:
    bank = (ctx.state.data or {}).get("bank")
    if ctx.state.step == "topic" and bank:
        return _ask_topic(ctx, str(bank))
    return await start(ctx)


async def on_button(ctx: Context, value: str) -> list[Action] | None:
    match INTAKE_BUTTONS.decode(value), ctx.state.step:
        case Nearest(), "bank":
            return await go(ctx, Destination.FIND)
        case Bank(digibank_id=bank), "bank" if await ctx.repos.sites.digibank(bank) is not None:
            return _ask_topic(ctx, bank)
        case About(topic=topic), "topic":
            bank = (ctx.state.data or {}).get("bank")
            if bank and await ctx.repos.sites.digibank(str(bank)) is not None:
                return await _open(ctx, str(bank), topic)
    return None
