"""Drive the dialogues directly: events in, the collected actions out. No network."""

from __future__ import annotations

from datetime import datetime

from flows import events
from flows.actions import Action, Button, Reply, Toast
from flows.context import FlowSettings
from flows.engine import handle_event
from storage.db import Database
from storage.models import utcnow
from storage.repositories import Repositories


class DictFiles:
    """The flows' FileStore for tests: files by reference, like Telegram's file ids."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def add(self, content: bytes) -> str:
        ref = f"file-{len(self.files)}"
        self.files[ref] = content
        return ref

    async def read(self, file_ref: str) -> bytes:
        return self.files[file_ref]


class Chat:
    def __init__(
        self,
        db: Database,
        user_id: int = 4242,
        language_code: str | None = "nl",
        settings: FlowSettings | None = None,
    ) -> None:
        self.db = db
        self.sender = events.Sender(user_id, user_id, language_code)
        self.settings = settings or FlowSettings(bot_username="digibank_test_bot")
        self.now: datetime = utcnow()
        self.actions: list[Action] = []
        self.files = DictFiles()

    async def send(self, event: events.Event) -> list[Action]:
        async with self.db.transaction() as session:
            handled = await handle_event(
                event, Repositories(session), self.settings, self.now, self.files
            )
        self.actions = handled.actions
        return self.actions

    async def text(self, text: str) -> list[Action]:
        return await self.send(events.Text(self.sender, text))

    async def command(self, name: str, args: str = "") -> list[Action]:
        return await self.send(events.Command(self.sender, name, args))

    async def upload(self, file_name: str, content: bytes) -> list[Action]:
        ref = self.files.add(content)
        return await self.send(events.Document(self.sender, file_name, len(content), ref))

    def buttons(self) -> list[Button]:
        return [
            button
            for action in self.actions
            if isinstance(action, Reply)
            for row in action.buttons
            for button in row
            if isinstance(button, Button)
        ]

    def button(self, label_part: str) -> Button:
        found = [b for b in self.buttons() if label_part in b.label]
        assert found, f"no button with {label_part!r}; buttons: {[b.label for b in self.buttons()]}"
        return found[0]

    async def press(self, label_part: str) -> list[Action]:
        return await self.send(events.ButtonPress(self.sender, self.button(label_part).data, 1))

    async def press_data(self, data: str) -> list[Action]:
        return await self.send(events.ButtonPress(self.sender, data, 1))

    def texts(self) -> list[str]:
        return [a.text for a in self.actions if isinstance(a, Reply)]

    def joined(self) -> str:
        return "\n".join(self.texts())

    def toasts(self) -> list[str]:
        return [a.text for a in self.actions if isinstance(a, Toast)]

    async def onboard(self, language: str = "Nederlands") -> None:
        await self.command("start")
        await self.press(language)
        await self.press("✅")
