"""Random event sequences never crash a flow and always get an answer (hypothesis)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import events
from flows.actions import Reply, Toast
from storage.db import Database
from tests.flows.harness import Chat

COMMANDS = [
    "start",
    "menu",
    "cancel",
    "help",
    "language",
    "privacy",
    "forget",
    "whoami",
    "invite",
    "staff",
    "human",
    "book",
    "appointments",
    "agenda",
    "offer",
    "stats",
    "nope",
]

step = st.one_of(
    st.tuples(st.just("text"), st.text(max_size=300)),
    st.tuples(st.just("command"), st.sampled_from(COMMANDS), st.text(max_size=20)),
    st.tuples(st.just("tap"), st.integers(min_value=0, max_value=8)),
    st.tuples(st.just("forged"), st.text(max_size=70)),
    st.tuples(st.just("media"), st.sampled_from(["sticker", "photo", "voice", "document"])),
    st.tuples(st.just("location"), st.floats(-90, 90), st.floats(-180, 180)),
    st.tuples(st.just("edit")),
    st.tuples(st.just("contact"), st.booleans()),
)


async def _run(template: Path, steps: list[tuple], admin: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "db.sqlite"
        shutil.copy(template, path)
        db = Database(f"sqlite+aiosqlite:///{path}")
        chat = Chat(db, language_code="ar" if admin else "nl")
        if admin:
            from dataclasses import replace

            chat.settings = replace(chat.settings, admin_ids=frozenset({chat.sender.user_id}))
        try:
            for kind, *args in steps:
                sender = chat.sender
                if kind == "text":
                    event = events.Text(sender, args[0])
                elif kind == "command":
                    event = events.Command(sender, args[0], args[1])
                elif kind == "tap":
                    buttons = chat.buttons()
                    if not buttons:
                        continue
                    event = events.ButtonPress(sender, buttons[args[0] % len(buttons)].data, 1)
                elif kind == "forged":
                    event = events.ButtonPress(sender, args[0], 1)
                elif kind == "media":
                    event = events.Media(sender, args[0])
                elif kind == "location":
                    event = events.Location(sender, args[0], args[1])
                elif kind == "contact":
                    event = events.Contact(sender, args[0])
                else:
                    event = events.Edited(sender)
                actions = await chat.send(event)
                assert any(isinstance(a, Reply | Toast) for a in actions), (kind, args)
                for action in actions:
                    if isinstance(action, Reply):
                        assert action.text.strip()
                        for row in action.buttons:
                            for button in row:
                                assert len(getattr(button, "data", "").encode()) <= 64
        finally:
            await db.dispose()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=12), admin=st.booleans())
def test_any_sequence_of_events_gets_answers(sqlite_template, steps, admin):
    asyncio.run(_run(sqlite_template, steps, admin))
