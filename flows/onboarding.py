"""First contact: choose a language, read what we store, accept, reach the menu.

Also serves /language later on: the same picker, then straight back to the menu.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import ClassVar

from flows import menu, privacy
from flows.actions import Action, Button, Reply
from flows.button_codec import ButtonCodec, word_kinds
from flows.context import Context
from flows.i18n import SUPPORTED_LOCALES, _, language_name, resolve_locale, use_locale
from flows.navigation import Destination, go
from flows.staff import command_menu
from storage.vocabulary import STAFF_ROLES

FLOW = "onboarding"
LANGUAGE_FLOW = "language"


@dataclass(frozen=True)
class Accept:
    """The privacy notice: yes, that is OK."""

    TAG: ClassVar[str] = "accept"


@dataclass(frozen=True)
class TellMore:
    TAG: ClassVar[str] = "more"


LANGUAGES = word_kinds(*SUPPORTED_LOCALES)  # a language button's value is its code
ONBOARDING_BUTTONS = ButtonCodec(*LANGUAGES.values(), Accept, TellMore)


def _button(ctx: Context, label: str, button: object) -> Button:
    return ctx.step_button(label, ONBOARDING_BUTTONS.encode(button))


# What people type instead of tapping a language button.
_TYPED_LANGUAGE_NAMES = {
    "nl": ("nederlands", "dutch", "vlaams", "néerlandais", "neerlandais", "hollandaca"),
    "fr": ("francais", "french", "frans", "franca", "fransızca", "fransizca"),
    "en": ("english", "engels", "anglais", "ingilizce", "англійська"),
    "ar": ("العربية", "عربي", "arabic", "arabisch", "arabe", "arapça", "arapca"),
    "tr": ("turkce", "türkçe", "turkish", "turks", "turc", "турецька"),
    "uk": ("українська", "украинский", "ukrainian", "oekraiens", "oekraïens", "ukrainien"),
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().strip())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def typed_language(text: str) -> str | None:
    folded = _fold(text)
    for locale, names in _TYPED_LANGUAGE_NAMES.items():
        if folded in {_fold(name) for name in names} or folded == locale:
            return locale
    return None


async def start(ctx: Context, telegram_language: str | None, then: str = "") -> list[Action]:
    """/start for someone who has not accepted yet: the language picker, their language
    first. `then`: the deep link they came through, followed once they said OK."""
    guess = resolve_locale(ctx.user.locale, telegram_language, ctx.settings.default_locale)
    actions = ask_language_in(ctx, FLOW, guess)
    if then:
        ctx.state.data = {**(ctx.state.data or {}), "then": then}
    return actions


async def ask_language(ctx: Context) -> list[Action]:
    """/language: the picker for an onboarded user."""
    flow = LANGUAGE_FLOW if ctx.onboarded else FLOW
    current = ctx.user.locale or ctx.settings.default_locale
    return ask_language_in(ctx, flow, current)


def ask_language_in(ctx: Context, flow: str, preselected: str) -> list[Action]:
    ctx.ask(flow, "language", preselected=preselected)
    ordered = [preselected, *(code for code in SUPPORTED_LOCALES if code != preselected)]
    buttons = []
    for code in ordered:
        mark = "✅ " if code == preselected else ""
        buttons.append((_button(ctx, f"{mark}{language_name(code)}", LANGUAGES[code]()),))
    with use_locale(preselected):
        text = _("👋 Hello! I am the digibank help bot.\n\n🌐 Which language do you want?")
    return [Reply(text, buttons=tuple(buttons))]


def privacy_notice(ctx: Context) -> list[Action]:
    ctx.ask(FLOW, "privacy")
    period = privacy.retention_period(ctx.settings.retention_days)
    text = _(
        "🔒 <b>Before we start</b>\n"
        "We save only a few things about you:\n"
        "• your Telegram number (not your phone number)\n"
        "• the language you chose\n"
        "• when you last wrote to us\n\n"
        "We do not save your messages. "
        "After {period} without contact, we delete everything. "
        "You can also delete it yourself at any time with /forget.\n\n"
        "⚠️ Never send your PIN code, password or bank codes.\n\n"
        "Is that OK for you?"
    ).format(period=period)
    text += "\n\n" + _(
        "💬 Only when you talk to a person, we keep that chat for {days} days."
    ).format(days=ctx.settings.case_retention_days)
    return [
        Reply(
            text,
            buttons=(
                (_button(ctx, _("✅ Yes, that is OK"), Accept()),),
                (_button(ctx, _("📄 Tell me more"), TellMore()),),
            ),
        )
    ]


async def choose_language(ctx: Context, locale: str) -> list[Action]:
    ctx.user.locale = locale
    with use_locale(locale):  # from here on, answer in the new language
        staff_menu = [command_menu(ctx.user.id, ctx.role)] if ctx.role in STAFF_ROLES else []
        if ctx.state.flow == LANGUAGE_FLOW or ctx.onboarded:
            intro = _("✅ I will talk to you in {language}.").format(language=language_name(locale))
            return menu.main_menu(ctx, intro=intro) + staff_menu
        return privacy_notice(ctx) + staff_menu


async def prompt(ctx: Context) -> list[Action]:
    """Ask the current step again (after a stale button or an unexpected message)."""
    if ctx.state.step == "privacy":
        return privacy_notice(ctx)
    preselected = (ctx.state.data or {}).get("preselected") or ctx.user.locale or "nl"
    return ask_language_in(ctx, ctx.state.flow or FLOW, str(preselected))


async def on_button(ctx: Context, value: str) -> list[Action] | None:
    button = ONBOARDING_BUTTONS.decode(value)
    if ctx.state.step == "language" and isinstance(button, tuple(LANGUAGES.values())):
        return await choose_language(ctx, button.TAG)
    if ctx.state.step == "privacy" and isinstance(button, Accept):
        ctx.user.consent_at = ctx.now
        then = str((ctx.state.data or {}).get("then") or "")
        if then:  # they came for something: go there now
            ctx.finish()
            return [Reply(_("✅ Thank you! Welcome.")), *await go(ctx, Destination.DEEP_LINK, then)]
        return menu.main_menu(ctx, intro=_("✅ Thank you! Welcome."))
    if ctx.state.step == "privacy" and isinstance(button, TellMore):
        details = await privacy.show_privacy(ctx, finish=False)
        return details + privacy_notice(ctx)
    return None


async def on_text(ctx: Context, text: str) -> list[Action] | None:
    if ctx.state.step == "language":
        locale = typed_language(text)
        if locale:
            return await choose_language(ctx, locale)
    return None
