"""Run one event through the dialogues inside an open transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flows import events, menu, router
from flows.actions import Action, Reply
from flows.context import Context, FileStore, FlowSettings
from flows.i18n import _, resolve_locale, use_locale
from storage.repositories import Repositories


@dataclass(frozen=True)
class Handled:
    actions: list[Action]
    locale: str  # the user's language after the step (it may have just been chosen)


async def handle_event(
    event: events.Event,
    repos: Repositories,
    settings: FlowSettings,
    now: datetime,
    files: FileStore | None = None,
) -> Handled:
    """Load the user and their dialogue state, run the step, leave the changes to commit."""
    user = await repos.users.touch(event.sender.user_id, now)
    state = await repos.dialogues.load(event.sender.chat_id)
    locale = resolve_locale(user.locale, event.sender.language_code, settings.default_locale)
    ctx = Context(
        repos, user, state, settings, now, files, event.sender.first_name, event.sender.in_group
    )
    with use_locale(locale):
        actions = await router.handle(event, ctx)
    if ctx.forgotten:  # the rows are deleted: keep the session from writing them back
        repos.users.let_go(user)
        repos.dialogues.let_go(state)
    return Handled(actions, resolve_locale(user.locale, None, locale))


def apology(locale: str) -> Reply:
    """What a citizen sees when handling their message failed on our side."""
    with use_locale(locale):
        return Reply(
            _("😕 Sorry, something went wrong on our side. Please try again."),
            buttons=(menu.home_row(),),
        )
