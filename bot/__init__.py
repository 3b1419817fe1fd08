"""Telegram transport, web server, scheduler and command line."""

import os

# Opt in to python-telegram-bot's coming behaviour (durations as timedelta) now, which our
# retry code already handles, instead of a deprecation warning on every flood limit.
os.environ.setdefault("PTB_TIMEDELTA", "1")
