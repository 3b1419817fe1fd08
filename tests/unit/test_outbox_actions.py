"""An outbox row is its action as JSON: rebuilt, it is the action that was queued, as far
as sending goes (the one translator sends both, see bot.bot_calls)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.outbox import Claimed, action_of, payload_of
from flows import actions as act

BUTTONS = ((act.Button("Take", "1:case:*:take.7"), act.UrlButton("Map", "https://osm.org")),)


def stored(action: act.Action, case_id: int | None = None, source=(None, None)) -> Claimed:
    """The row `queue_actions` writes, as the sender claims it (the JSON column too)."""
    payload = json.loads(json.dumps(payload_of(action)))
    return Claimed(1, action.chat_id, payload, case_id, source, attempts=0)


@pytest.mark.parametrize(
    "action",
    [
        act.Notify(5, "<b>Hallo</b>", BUTTONS),
        act.Notify(5, "👤 Sara: ok", relay=act.Relay(7, (9, 3), reply_to=11, in_topic=True)),
        act.CopyMessage(5, 9, 3, "💬 #7:", act.Relay(7, (9, 3), reply_to=2, kind="photo")),
        act.CopyMessage(5, 9, 4, relay=act.Relay(7, (9, 4), kind="voice")),
        act.CreateTopic(-100, "#7 itsme", 7),
        act.EditRelayed(5, 12, "new caption", caption=True, case_id=7),
        act.EditRelayed(5, 12, "new text", case_id=7),
    ],
)
def test_a_stored_action_comes_back_as_it_was_queued(action):
    relay = getattr(action, "relay", None)
    case_id = relay.case_id if relay else getattr(action, "case_id", None)
    source = relay.source if relay and relay.source else (None, None)
    assert action_of(stored(action, case_id, source)) == action


def test_a_put_off_alert_comes_back_as_one_that_goes_only_while_its_case_waits():
    alert = act.Notify(5, "🆕 #7", BUTTONS, act.Relay(7, after_seconds=120))
    rebuilt = action_of(stored(alert, 7))
    assert rebuilt.relay.case_id == 7 and rebuilt.relay.after_seconds > 0


def test_a_reminder_comes_back_without_its_schedule():
    """When and until when it goes are columns of its row (next_attempt_at, not_after)."""
    at = datetime(2027, 3, 1, 9, tzinfo=UTC)
    reminder = act.Notify(5, "🔔 Morgen", BUTTONS, later=act.Later(at, 3, at))
    assert action_of(stored(reminder)) == act.Notify(5, "🔔 Morgen", BUTTONS)
