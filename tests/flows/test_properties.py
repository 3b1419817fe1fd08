"""Random event sequences never crash a flow and always get an answer, and button values
drawn from the flows' own codecs, pressed by people they are not for, change nothing they
should not (hypothesis)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from flows import agenda, events, menu, nearest, onboarding, places, privacy, staff
from flows.actions import Reply, SendVenue, Toast
from flows.booking import values as booking_values
from flows.button_codec import ButtonCodec
from flows.button_values import MAX_ID
from flows.cases import common as case_common
from flows.cases import handover, intake
from storage.db import Database
from storage.models import Booking, Case, User
from tests.flows.harness import Chat
from tests.flows.test_booking import MONDAY, book_first_time, with_coaching
from tests.flows.test_cases import open_case, staff_member

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


# --- button values drawn from the flows' own codecs ------------------------------------------
#
# A scenario is built once: Sara (digibuddy of leuven) helps Ann with case 1, closed Dan's
# case 2 (not rated yet), Eve's case 3 waits, and Ann has booking 1 at a Leuven site. Then
# Cid (a citizen with nothing of his own) and Bob (a digibuddy of gent-uconnect) press
# buttons whose values come from each namespace's codec: well-formed ones naming other
# people's cases and bookings, and forged ones (a rating of 0 or 6, ids out of range,
# unknown words), stepless, with a stale question counter and with the current one.

CID, BOB, SARA, ANN = 200, 11, 10, 100
WORDS = ["leuven", "leuven-stad", "gent-uconnect", "gent-uconnect-bloemekenswijk", "nope"]
IDS = [1, 2, 3]  # the scenario's cases; its booking is 1
USERS = [1, SARA, BOB, ANN, CID]


def _namespaces() -> dict[str, tuple[ButtonCodec, bool, str | None]]:
    """namespace → (codec, stepless, the command or menu value that asks its question)."""
    return {
        "case": (case_common.CASE_BUTTONS, True, None),
        "bk": (booking_values.BOOKING_BUTTONS, True, None),
        "ag": (agenda.AGENDA_BUTTONS, True, None),
        "site": (nearest.SITE_BUTTONS, True, None),
        "menu": (menu.MENU_BUTTONS, True, None),
        "case-intake": (intake.INTAKE_BUTTONS, False, "human"),
        "transfer": (handover.TRANSFER_BUTTONS, False, "transfer"),
        "book": (booking_values.STEP_BUTTONS, False, "book"),
        "nearest": (places.PLACE_BUTTONS, False, "menu:find"),
        "staff": (staff.STAFF_BUTTONS, False, "staff"),
        "language": (onboarding.ONBOARDING_BUTTONS, False, "language"),
        "forget": (privacy.FORGET_BUTTONS, False, "forget"),
    }


def _near(codec: ButtonCodec) -> st.SearchStrategy[str]:
    """Well-formed values that name things of the scenario (ids 1..4, its users, sites)."""

    def field(f) -> st.SearchStrategy[str]:
        if f.kind == "int":
            low, high = f.bounds.low, f.bounds.high
            if high - low <= 10:  # stars: any of them
                return st.integers(low, high).map(str)
            known = [n for n in (IDS if high <= MAX_ID else USERS) if low <= n <= high]
            return st.sampled_from(known or [low]).map(str)
        if f.kind == "day":
            return st.dates(date(2027, 2, 25), date(2027, 3, 20)).map(date.isoformat)
        return st.sampled_from(f.choices or WORDS)

    def one_kind(tag: str) -> st.SearchStrategy[str]:
        fields = codec.kinds[tag][1]
        return st.tuples(*(field(f) for f in fields)).map(lambda parts: ".".join([tag, *parts]))

    return st.sampled_from(sorted(codec.kinds)).flatmap(one_kind)


def _values(codec: ButtonCodec) -> st.SearchStrategy[str]:
    near = _near(codec)
    return st.one_of(codec.strategy(), near, near, codec.strategy(forged=True))


_scenarios: dict[Path, Path] = {}


async def _build_scenario(path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await with_coaching(db)
        admin = Chat(db, user_id=1, language_code="en")
        admin.settings = replace(admin.settings, admin_ids=frozenset({1}))
        await admin.onboard("English")
        sara = await staff_member(admin, db, SARA, "Sara")
        await staff_member(admin, db, BOB, "Bob", bank="gent-uconnect")
        for user_id in (ANN, 101, 102, CID):
            chat = Chat(db, user_id=user_id, language_code="en")
            chat.now = MONDAY
            await chat.onboard("English")
            if user_id != CID:
                await open_case(chat, "Iedereen Digitaal")
            if user_id == ANN:
                await book_first_time(chat)
        await sara.press_data("1:case:*:take.1")
        await sara.press_data("1:case:*:take.2")
        await sara.press_data("1:case:*:close.2")
        await sara.press_data("1:case:*:use.1")
    finally:
        await db.dispose()


def _scenario(template: Path) -> Path:
    if template not in _scenarios:
        path = template.with_name("buttons-scenario.db")
        shutil.copy(template, path)
        asyncio.run(_build_scenario(path))
        _scenarios[template] = path
    return _scenarios[template]


async def _facts(db: Database) -> tuple:
    async with db.transaction() as session:
        cases = {
            c.id: (c.status, c.assignee_id, c.rating) for c in await session.scalars(select(Case))
        }
        booked = {
            b.id: (b.citizen_id, b.status, b.answer) for b in await session.scalars(select(Booking))
        }
        roles = {u.id: u.role for u in await session.scalars(select(User))}
    return cases, booked, roles


async def _press_values(scenario: Path, namespace: str, presses: list[tuple]) -> None:
    _codec, stepless, asks = _namespaces()[namespace]
    flow = namespace.removeprefix("case-") if not stepless else namespace
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "db.sqlite"
        shutil.copy(scenario, path)
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            before = await _facts(db)
            for who, form, value in presses:
                chat = Chat(db, user_id=who, language_code="en")
                chat.settings = replace(chat.settings, admin_ids=frozenset({1}))
                chat.now = MONDAY
                seq = "*"
                if not stepless and asks is not None:
                    if asks.startswith("menu:"):
                        await chat.press_data(f"1:menu:*:{asks[5:]}")
                    else:
                        await chat.command(asks)
                    seqs = [
                        b.data.split(":")[2] for b in chat.buttons() if b.data.split(":")[1] == flow
                    ]
                    current = int(seqs[0]) if seqs and seqs[0] != "*" else 1
                    seq = {"current": str(current), "stale": str(current - 1)}.get(form, "*")
                elif form != "stepless":
                    seq = "7"
                actions = await chat.press_data(f"1:{flow}:{seq}:{value}")
                answers = Reply | Toast | SendVenue  # "show on the map" answers with a pin
                assert any(isinstance(a, answers) for a in actions), (who, form, value)
            cases, booked, roles = await _facts(db)
        finally:
            await db.dispose()
    old_cases, old_booked, old_roles = before
    assert all(rating is None or 1 <= rating <= 5 for _s, _a, rating in cases.values())
    for case_id in (1, 2, 3):  # nobody here may take, close or rate these
        assert cases[case_id] == old_cases[case_id], (case_id, presses)
    assert booked[1] == old_booked[1], presses  # Ann's booking: neither moved nor cancelled
    for user_id, role in old_roles.items():  # no role changed (the pressers may /forget)
        after = roles.get(user_id)
        assert after == role or (user_id in (CID, BOB) and after in (None, "citizen")), user_id


@pytest.mark.parametrize("namespace", sorted(_namespaces()))
def test_codec_values_from_strangers_expire_or_are_refused(sqlite_template, namespace):
    codec, stepless, _asks = _namespaces()[namespace]
    scenario = _scenario(sqlite_template)
    forms = ["stepless", "stepless", "stale"] if stepless else ["current", "stale", "stepless"]
    press = st.tuples(st.sampled_from([CID, BOB]), st.sampled_from(forms), _values(codec))

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(presses=st.lists(press, min_size=1, max_size=3))
    def run(presses: list[tuple]) -> None:
        asyncio.run(_press_values(scenario, namespace, presses))

    run()
