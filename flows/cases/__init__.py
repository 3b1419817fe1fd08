"""Talk to a person: the citizen opens a case, a digibuddy of that digibank takes it, and
the bot relays their messages both ways until the question is answered.

Citizen side: pick a digibank and a topic (only what is not known yet), then just write.
Staff side (private chat): /duty, /queue, Take, then everything they write goes to the
citizen of their current case; /cases switches, /note, /release, /transfer, /close. Or in
a staff group with one topic per case.

    common.py            namespaces, names, who may handle a case, the current case
    card.py              the case card and the alerts of a waiting case
    intake.py            the citizen's questions that open a case
    relay.py             the conversation both ways (private chats and group topics)
    briefing.py          Take: the conversation so far for the digibuddy, hello for the citizen
    staff_commands.py    /duty /languages /queue /cases /note /anonymous
    handover.py          /release and /transfer
    closing.py           /close, "my question is answered", the rating, /forget
    queue_rules.py       reminders, escalation, quiet cases closed (periodic)
    delivery_notices.py  blocked users and undeliverable messages (from the outbox)
    buttons.py           the case buttons that never go stale

This module re-exports what the router, the staff group, other flows and bot/ use.
"""

from flows.cases.briefing import take
from flows.cases.buttons import on_case_button
from flows.cases.closing import before_forget, close, close_case
from flows.cases.common import CASE, FLOW, TRANSFER_FLOW, may_handle, on_current
from flows.cases.delivery_notices import recipient_blocked, undeliverable
from flows.cases.handover import on_transfer_button, release, transfer
from flows.cases.intake import on_button, prompt, start
from flows.cases.queue_rules import apply_queue_rules
from flows.cases.relay import from_topic, on_edit, on_message
from flows.cases.staff_commands import anonymous, duty, languages, my_cases, note, queue

__all__ = [
    "CASE",
    "FLOW",
    "TRANSFER_FLOW",
    "anonymous",
    "apply_queue_rules",
    "before_forget",
    "close",
    "close_case",
    "duty",
    "from_topic",
    "languages",
    "may_handle",
    "my_cases",
    "note",
    "on_button",
    "on_case_button",
    "on_current",
    "on_edit",
    "on_message",
    "on_transfer_button",
    "prompt",
    "queue",
    "recipient_blocked",
    "release",
    "start",
    "take",
    "transfer",
    "undeliverable",
]
