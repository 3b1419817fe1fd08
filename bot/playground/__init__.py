"""Offline playground: a phone-like chat page for talking to the bot through the emulator."""

from bot.playground.page import install_playground_page

__all__ = ["install_playground_page"]
