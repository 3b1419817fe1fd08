"""What a flow step gets to work with: the user, their dialogue state and the repositories."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from flows import callbacks
from flows.actions import Button
from storage.models import DialogueState, User
from storage.repositories import Repositories
from storage.vocabulary import Role


@dataclass(frozen=True)
class FlowSettings:
    """What the flows are told by the configuration. These defaults are the defaults of
    the environment variables too (bot/config.py builds both from them)."""

    admin_ids: frozenset[int] = field(default_factory=frozenset)
    bot_username: str = "digibank_bot"
    default_locale: str = "nl"
    timezone: str = "Europe/Brussels"  # dates and times are shown in this zone (TIMEZONE)
    retention_days: int = 365
    case_retention_days: int = 30
    alert_others_minutes: int = 2  # staff who speak the citizen's language are alerted first
    realert_minutes: int = 15
    escalate_minutes: int = 60
    inactive_case_days: int = 7
    reminder_hours: tuple[int, ...] = (24, 2)  # before a booking; whole days by the calendar

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # zoneinfo keeps one instance per name


class FileStore(Protocol):
    """Fetches the bytes of a file a user sent (the transport implements it)."""

    async def read(self, file_ref: str) -> bytes: ...


@dataclass
class Context:
    repos: Repositories
    user: User
    state: DialogueState
    settings: FlowSettings
    now: datetime
    files: FileStore | None = None
    first_name: str = ""  # from Telegram, for staff profiles only (citizens' is never kept)
    in_group: bool = False  # the event came from a staff group
    forgotten: bool = False  # set by /forget: nothing more may be written about this user

    @classmethod
    def system(cls, repos: Repositories, settings: FlowSettings, now: datetime) -> Context:
        """For periodic chores: the same rules, with nobody writing (user id 0)."""
        nobody = User(id=0, role=Role.SYSTEM)
        return cls(repos, nobody, DialogueState(chat_id=0), settings, now)

    @property
    def tz(self) -> ZoneInfo:
        """The display time zone: every date and time a person sees is in it."""
        return self.settings.zone

    @property
    def role(self) -> str:
        """'admin' (from configuration) outranks the stored role."""
        return Role.ADMIN if self.user.id in self.settings.admin_ids else self.user.role

    @property
    def onboarded(self) -> bool:
        return self.user.consent_at is not None

    def ask(self, flow: str, step: str, **data: object) -> None:
        """Move to a step that asks a question; older buttons become stale."""
        kept = (self.state.data or {}) if flow == self.state.flow else {}
        self.state.flow, self.state.step = flow, step
        self.state.data = {**kept, **data}
        self.state.seq = (self.state.seq or 0) + 1

    def finish(self) -> None:
        """Leave any flow: back to the menu level."""
        self.state.flow, self.state.step, self.state.data = None, None, {}
        self.state.seq = (self.state.seq or 0) + 1

    def step_button(self, label: str, value: str) -> Button:
        """A button that answers the current question only."""
        return Button(label, callbacks.encode(self.state.flow or "none", value, self.state.seq))
