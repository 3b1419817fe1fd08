"""The command menu and bot description, published in every supported language."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from flows.i18n import N_, SUPPORTED_LOCALES, _, use_locale
from flows.menu import COMMANDS

log = logging.getLogger(__name__)

DESCRIPTION = N_(
    "Free help with computers, smartphones and online services, from the digibanks "
    "in Flanders and Brussels. Tap Start to begin."
)
SHORT_DESCRIPTION = N_("Free digital help from the digibanks in Flanders and Brussels.")


async def publish(bot: Bot, default_locale: str) -> None:
    """setMyCommands / setMyDescription per language; the default for other languages."""
    for locale in (None, *SUPPORTED_LOCALES):
        with use_locale(locale or default_locale):
            commands = [BotCommand(name, _(text)) for name, text in COMMANDS]
            try:
                await bot.set_my_commands(commands, language_code=locale)
                await bot.set_my_description(_(DESCRIPTION), language_code=locale)
                await bot.set_my_short_description(_(SHORT_DESCRIPTION), language_code=locale)
            except TelegramError as exc:  # cosmetic: never stop the bot for it
                log.warning("could not publish commands for %s: %s", locale, type(exc).__name__)
