"""/stats for organisers: real cases through the dialogues, then the figures they see."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.emulator.html_check import parse_html, utf16_len
from flows import stats
from flows.i18n import use_locale
from storage.models import Digibank, Site, User, utcnow
from storage.repositories import Repositories
from storage.seeding import load_seed_if_empty, seed_records
from storage.statistics import Figures
from tests.flows.harness import Chat

ADMIN = 1
NOW = utcnow()
LEUVEN = "🏢 <b>Iedereen Digitaal @ Leuven</b>"
EMPTY_PERIOD = "⏱️ waiting time – · 💬 first answer – · ⭐ – (0 ratings)"


@pytest.fixture
async def admin(db):
    await load_seed_if_empty(db)
    chat = Chat(db, user_id=ADMIN, language_code="en")
    chat.settings = replace(chat.settings, admin_ids=frozenset({ADMIN}))
    chat.now = NOW
    await chat.onboard("English")
    return chat


async def staff_member(
    admin: Chat, user_id: int, role: str, bank: str, language: str = "English"
) -> Chat:
    await admin.command("invite", f"{role} {bank}")
    code = admin.joined().split("start=")[1].split()[0]
    chat = Chat(admin.db, user_id=user_id, language_code="en")
    chat.sender = replace(chat.sender, first_name=f"Staff{user_id}")
    chat.now = NOW
    await chat.command("start", code)
    await chat.press(language)
    await chat.press("✅")
    return chat


async def citizen(db, user_id: int, bank_label: str, at) -> tuple[Chat, int]:
    """A citizen who opened a question at `at`, and its number."""
    chat = Chat(db, user_id=user_id, language_code="en")
    chat.now = at
    await chat.onboard("English")
    await chat.command("human")
    await chat.press(bank_label)
    await chat.press("itsme")
    return chat, int(chat.button("My question is answered").data.rsplit(".", 1)[1])


async def help_with(staff: Chat, case_id: int, opened, take: int, answer: int) -> None:
    """The digibuddy takes the case and answers, so many minutes after it was opened."""
    staff.now = opened + timedelta(minutes=take)
    await staff.press_data(f"1:case:*:take.{case_id}")
    assert f"You help with question #{case_id}" in staff.joined()
    staff.now = opened + timedelta(minutes=answer)
    await staff.text("Hello! Which error do you see?")


@pytest.fixture
async def history(admin, db):
    """Leuven: Bob 10 days ago (waited 125 min, answer after 140, rated 5), Ann 3 days
    ago (12 min, 15 min, rated 4), Cem an hour ago (waiting). Kortrijk: Dan, waiting."""
    sara = await staff_member(admin, 10, "digibuddy", "leuven")
    await sara.command("duty", "on")
    opened = NOW - timedelta(days=10)
    bob, case = await citizen(db, 101, "Iedereen Digitaal", opened)
    await help_with(sara, case, opened, take=125, answer=140)
    bob.now = opened + timedelta(minutes=150)
    await bob.press_data(f"1:case:*:done.{case}")
    await bob.press_data(f"1:case:*:rate.{case}.5")
    opened = NOW - timedelta(days=3)
    ann, case = await citizen(db, 100, "Iedereen Digitaal", opened)
    await help_with(sara, case, opened, take=12, answer=15)
    sara.now = opened + timedelta(minutes=20)
    await sara.command("close")
    await ann.press_data(f"1:case:*:rate.{case}.4")
    await citizen(db, 102, "Iedereen Digitaal", NOW - timedelta(hours=1))
    await citizen(db, 103, "Digibank Kortrijk", NOW - timedelta(days=2))
    return sara


async def stats_of(chat: Chat) -> str:
    chat.now = NOW
    await chat.command("stats")
    text, appointments = chat.texts()  # questions, then coaching appointments
    for message in (text, appointments):
        parse_html(message)  # Telegram would accept it
        assert utf16_len(message) <= 4096
    assert appointments.startswith(("📅 <b>Appointments</b>", "📅 <b>Afspraken</b>"))
    return text


LEUVEN_BLOCK = "\n".join(
    [
        LEUVEN,
        "Last 7 days: 2 new (1 still open), 1 closed",
        "⏱️ waiting time 12 min · 💬 first answer 15 min · ⭐ 4 (1 rating)",
        "Last 30 days: 3 new (1 still open), 2 closed",
        "⏱️ waiting time 1 h 9 min · 💬 first answer 1 h 18 min · ⭐ 4.5 (2 ratings)",
    ]
)


async def test_an_organiser_sees_only_their_digibank(admin, history):
    olga = await staff_member(admin, 20, "organiser", "leuven")
    text = await stats_of(olga)
    assert text.startswith("📊 <b>Questions to a person</b>\nUntil ")
    assert f"\n\n{LEUVEN_BLOCK}" in text
    assert text.endswith(LEUVEN_BLOCK)  # no sites: the cases have none
    assert "Kortrijk" not in text and "All digibanks" not in text and "📍" not in text


async def test_an_organiser_reads_numbers_the_way_of_their_language(admin, history):
    piet = await staff_member(admin, 21, "organiser", "leuven", language="Nederlands")
    text = await stats_of(piet)
    assert LEUVEN in text
    assert "4,5" in text and "4.5" not in text


async def test_an_admin_sees_every_digibank_and_the_totals(admin, history):
    text = await stats_of(admin)
    everything = "\n".join(
        [
            "🌍 <b>All digibanks</b>",
            "Last 7 days: 3 new (2 still open), 1 closed",
            "⏱️ waiting time 12 min · 💬 first answer 15 min · ⭐ 4 (1 rating)",
            "Last 30 days: 4 new (2 still open), 2 closed",
            "⏱️ waiting time 1 h 9 min · 💬 first answer 1 h 18 min · ⭐ 4.5 (2 ratings)",
        ]
    )
    kortrijk = "\n".join(
        [
            "🏢 <b>Digibank Kortrijk (Allemaal Digitaal)</b>",
            "Last 7 days: 1 new (1 still open), 0 closed",
            EMPTY_PERIOD,
            "Last 30 days: 1 new (1 still open), 0 closed",
            EMPTY_PERIOD,
        ]
    )
    assert f"\n\n{everything}\n\n" in text
    assert f"\n\n{kortrijk}\n\n{LEUVEN_BLOCK}\n\n" in text
    quiet = sorted(
        {r.digibank_name for r in seed_records() if r.digibank not in ("leuven", "kortrijk")},
        key=str.casefold,
    )
    assert text.endswith("\n\n💤 No questions in the last 30 days: " + ", ".join(quiet))
    assert sum(line.startswith("🏢") for line in text.splitlines()) == 2


async def test_an_admin_without_data_sees_dashes_and_quiet_digibanks(admin):
    text = await stats_of(admin)
    everything = "\n".join(
        [
            "🌍 <b>All digibanks</b>",
            "Last 7 days: 0 new (0 still open), 0 closed",
            EMPTY_PERIOD,
            "Last 30 days: 0 new (0 still open), 0 closed",
            EMPTY_PERIOD,
        ]
    )
    names = sorted({r.digibank_name for r in seed_records()}, key=str.casefold)
    quiet = "💤 No questions in the last 30 days: " + ", ".join(names)
    assert text.endswith(f"\n\n{everything}\n\n{quiet}")
    assert "🏢" not in text


@pytest.mark.parametrize("role", ["digibuddy", "citizen"])
async def test_digibuddies_and_citizens_are_refused(admin, db, role):
    if role == "digibuddy":
        chat = await staff_member(admin, 10, "digibuddy", "leuven")
        refusal = "⛔ Sorry, this is only for digibank staff."
    else:
        chat = Chat(db, user_id=100)  # Dutch
        await chat.onboard()
        refusal = "⛔ Sorry, dit is alleen voor medewerkers van de digibank."
    await chat.command("stats")
    assert chat.texts() == [refusal]


async def test_without_data_every_figure_is_a_dash(admin):
    olga = await staff_member(admin, 20, "organiser", "kortrijk")
    text = await stats_of(olga)
    assert text.endswith(
        "\n".join(
            [
                "🏢 <b>Digibank Kortrijk (Allemaal Digitaal)</b>",
                "Last 7 days: 0 new (0 still open), 0 closed",
                EMPTY_PERIOD,
                "Last 30 days: 0 new (0 still open), 0 closed",
                EMPTY_PERIOD,
            ]
        )
    )


async def test_an_organiser_without_a_digibank_is_told_so(admin, db):
    olga = Chat(db, user_id=30, language_code="en")
    await olga.onboard("English")
    async with db.transaction() as session:
        (await session.get(User, 30)).role = "organiser"
    await olga.command("stats")
    assert olga.texts() == [
        "🏢 You are not linked to a digibank yet. Ask an admin for a new invite link."
    ]


async def add_site(session, site_id: str, bank: str, name: str) -> None:
    session.add(
        Site(
            id=site_id,
            digibank_id=bank,
            name=name,
            kind="hub",
            postcode="1000",
            municipality="Brussel",
            latitude=50.85,
            longitude=4.35,
        )
    )


CITIZENS = itertools.count(1000)


async def add_case(db, bank: str, site: str | None, opened, take: int | None = None) -> None:
    """A case as the dialogue would leave it, with a site (the dialogue sets none yet)."""
    async with db.transaction() as session:
        repos = Repositories(session)
        user = await repos.users.touch(next(CITIZENS), NOW)
        await session.flush()
        case, _new = await repos.cases.open(user.id, bank, "eid", "en", opened, site_id=site)
        if take is not None:
            await session.flush()
            assert await repos.cases.take(case.id, ADMIN, opened + timedelta(minutes=take))


async def test_names_from_the_database_are_escaped_and_sites_listed(admin, db):
    async with db.transaction() as session:
        session.add(Digibank(id="bits", name='<b>Bits & "Bytes"</b>'))
        await session.flush()
        await add_site(session, "bits-hub", "bits", "<Hub> & co")
    await add_case(db, "bits", "bits-hub", NOW - timedelta(days=1), take=65)
    await add_case(db, "bits", "bits-hub", NOW - timedelta(days=12), take=5)
    await add_case(db, "bits", None, NOW - timedelta(days=2))
    olga = await staff_member(admin, 20, "organiser", "bits")
    text = await stats_of(olga)
    expected = "\n".join(
        [
            "🏢 <b>&lt;b&gt;Bits &amp; &quot;Bytes&quot;&lt;/b&gt;</b>",
            "Last 7 days: 2 new (2 still open), 0 closed",
            "⏱️ waiting time 1 h 5 min · 💬 first answer – · ⭐ – (0 ratings)",
            "Last 30 days: 3 new (3 still open), 0 closed",
            "⏱️ waiting time 35 min · 💬 first answer – · ⭐ – (0 ratings)",
            "📍 <i>&lt;Hub&gt; &amp; co</i>",
            "Last 7 days: 1 new (1 still open), 0 closed",
            "⏱️ waiting time 1 h 5 min · 💬 first answer – · ⭐ – (0 ratings)",
            "Last 30 days: 2 new (2 still open), 0 closed",
            "⏱️ waiting time 35 min · 💬 first answer – · ⭐ – (0 ratings)",
            "📍 <i>Without a site</i>",
            "Last 7 days: 1 new (1 still open), 0 closed",
            EMPTY_PERIOD,
            "Last 30 days: 1 new (1 still open), 0 closed",
            EMPTY_PERIOD,
        ]
    )
    assert text.endswith(f"\n\n{expected}")


async def test_a_long_list_is_cut_politely_under_telegrams_limit(admin, db):
    sites = seed_records()
    for record in sites:
        await add_case(db, record.digibank, record.id, NOW - timedelta(days=1), take=3)
    text = await stats_of(admin)
    shown = sum(line.startswith("📍") for line in text.splitlines())
    last = text.splitlines()[-1]
    assert 0 < shown < len(sites)
    assert last == f"…and {len(sites) - shown} more sites"
    assert sum(line.startswith("🏢") for line in text.splitlines()) == len(
        {record.digibank for record in sites}
    )  # every digibank keeps its totals


def test_durations_and_ratings_read_easily():
    with use_locale("en"):
        assert stats.format_duration(None) == "–"
        assert stats.format_duration(timedelta(seconds=45)) == "45 s"
        assert stats.format_duration(timedelta(minutes=12, seconds=29)) == "12 min"
        assert stats.format_duration(timedelta(minutes=12, seconds=30)) == "13 min"
        assert stats.format_duration(timedelta(hours=1, minutes=5)) == "1 h 5 min"
        assert stats.format_duration(timedelta(hours=2, seconds=10)) == "2 h"
        assert stats.format_duration(timedelta(days=1, hours=3, minutes=20)) == "1 d 3 h"
        assert stats.format_duration(timedelta(days=2, minutes=20)) == "2 d"
        assert (
            stats.format_rating(Figures(ratings=3, average_rating=13 / 3)) == "⭐ 4.3 (3 ratings)"
        )
    with use_locale("nl"):
        assert stats.format_rating(Figures(ratings=2, average_rating=4.5)).startswith("⭐ 4,5 (2")


def test_when_even_the_digibanks_do_not_fit_they_are_counted():
    with use_locale("en"):
        banks = [(f"🏢 bank {n}\n" + "x" * 1000, ["📍 a site"]) for n in range(5)]
        text = stats._assemble(["head"], banks, ["Quiet"])
    assert utf16_len(text) <= 4096
    assert text.count("🏢") == 3 and text.count("📍") == 3 and "Quiet" not in text
    assert text.endswith("📍 a site\n\n…and 3 more digibanks")
