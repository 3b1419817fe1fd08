"""Case statistics on SQLite and PostgreSQL: exact counts, medians, averages and periods."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage.models import Digibank
from storage.repositories import Repositories
from storage.seeding import load_seed_if_empty
from storage.statistics import NO_FIGURES, CaseStatistics, Figures

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
WEEK = NOW - timedelta(days=7)
MONTH = NOW - timedelta(days=30)
BRUSSELS = ZoneInfo("Europe/Brussels")
CITIZENS = itertools.count(10_000)


def minutes(count: float) -> timedelta:
    return timedelta(minutes=count)


async def add_case(
    db,
    bank: str,
    opened: datetime,
    site: str | None = None,
    taken: float | None = None,
    answered: float | None = None,
    closed: datetime | float | None = None,
    rating: int | None = None,
) -> None:
    """A case opened at `opened`; taken, answered and closed so many minutes later (or
    closed at a moment)."""
    if isinstance(closed, int | float):
        closed = opened + minutes(closed)
    async with db.transaction() as session:
        repos = Repositories(session)
        citizen = await repos.users.touch(next(CITIZENS), NOW)
        await session.flush()
        case, new = await repos.cases.open(citizen.id, bank, "itsme", "nl", opened, site_id=site)
        assert new
        if taken is not None:
            case.status, case.assignee_id, case.taken_at = "active", None, opened + minutes(taken)
        if answered is not None:
            case.first_answer_at = opened + minutes(answered)
        if closed is not None:
            await repos.cases.close(case, "staff", closed)
        case.rating = rating


@pytest.fixture
async def cases(db):
    """Leuven: two cases at Kessel-Lo, one at Heverlee, four without a site (one opened
    8 days ago, one 31 days ago and closed 29 days ago, one exactly at the start of the
    week, one exactly at the end: outside); Kortrijk: one."""
    await load_seed_if_empty(db)
    # Given in Brussels time: stored and compared as UTC all the same.
    await add_case(
        db,
        "leuven",
        (NOW - timedelta(days=2)).astimezone(BRUSSELS),
        "leuven-kessel-lo",
        taken=10,
        answered=14,
        closed=30,
        rating=5,
    )
    await add_case(
        db,
        "leuven",
        NOW - timedelta(days=1),
        "leuven-kessel-lo",
        taken=20,
        answered=30,
        closed=40,
        rating=3,
    )
    await add_case(db, "leuven", NOW - timedelta(days=3), "leuven-heverlee", taken=30)
    await add_case(
        db, "leuven", NOW - timedelta(days=8), taken=60, answered=90, closed=120, rating=2
    )
    await add_case(db, "leuven", NOW - timedelta(hours=5))
    await add_case(db, "leuven", WEEK)  # the first moment of the week: inside
    await add_case(db, "leuven", NOW)  # the end of the period: outside
    await add_case(
        db,
        "leuven",
        NOW - timedelta(days=31),
        taken=60,
        answered=70,
        closed=NOW - timedelta(days=29),
        rating=1,
    )
    await add_case(
        db,
        "kortrijk",
        NOW - timedelta(days=1, hours=1),
        "kortrijk-bibliotheek",
        taken=5,
        answered=7,
        closed=10,
        rating=4,
    )
    return db


async def report(db, banks, since, until=NOW):
    async with db.transaction() as session:
        return await CaseStatistics(session).report(banks, since, until)


async def test_last_7_days_per_digibank_and_site(cases):
    week = await report(cases, ["leuven"], WEEK)
    assert [bank.digibank_id for bank in week.digibanks] == ["leuven"]
    leuven = week.digibank("leuven")
    assert leuven.name == "Iedereen Digitaal @ Leuven"
    assert leuven.totals == Figures(
        opened=5,  # not the one opened 8 days ago, nor the one at the very end
        closed=2,
        still_open=3,
        taken=3,
        median_wait=minutes(20),  # 10, 20, 30
        answered=2,
        median_first_answer=minutes(22),  # 14, 30
        ratings=2,
        average_rating=4.0,
    )
    assert week.totals == leuven.totals  # the whole selection is this digibank
    assert [(s.site_id, s.name) for s in leuven.sites] == [
        ("leuven-heverlee", "Digipunt Heverlee"),
        ("leuven-kessel-lo", "Digipunt Kessel-Lo"),
        (None, None),
    ]
    assert leuven.site("leuven-kessel-lo").figures == Figures(
        opened=2,
        closed=2,
        still_open=0,
        taken=2,
        median_wait=minutes(15),
        answered=2,
        median_first_answer=minutes(22),
        ratings=2,
        average_rating=4.0,
    )
    assert leuven.site("leuven-heverlee").figures == Figures(
        opened=1, still_open=1, taken=1, median_wait=minutes(30)
    )
    assert leuven.site(None).figures == Figures(opened=2, still_open=2)


async def test_last_30_days_includes_the_case_of_8_days_ago(cases):
    month = await report(cases, ["leuven"], MONTH)
    leuven = month.digibank("leuven")
    assert leuven.totals == Figures(
        opened=6,
        closed=4,  # also the one opened 31 days ago, closed 29 days ago
        still_open=3,
        taken=4,
        median_wait=minutes(25),  # 10, 20, 30, 60
        answered=3,
        median_first_answer=minutes(30),  # 14, 30, 90
        ratings=4,
        average_rating=2.75,  # 5, 3, 2, 1
    )
    assert leuven.site(None).figures == Figures(
        opened=3,
        closed=2,
        still_open=2,
        taken=1,
        median_wait=minutes(60),
        answered=1,
        median_first_answer=minutes(90),
        ratings=2,
        average_rating=1.5,
    )


async def test_every_digibank_and_the_totals_of_the_selection(cases):
    week = await report(cases, None, WEEK)
    async with cases.transaction() as session:
        every = await Repositories(session).sites.digibanks()
    assert {bank.digibank_id for bank in week.digibanks} == {bank.id for bank in every}
    names = [bank.name for bank in week.digibanks]
    assert names == sorted(names, key=str.casefold)
    assert week.digibank("antwerpen").totals == NO_FIGURES
    assert week.digibank("antwerpen").sites == ()
    kortrijk = week.digibank("kortrijk")
    assert kortrijk.totals == Figures(
        opened=1,
        closed=1,
        taken=1,
        median_wait=minutes(5),
        answered=1,
        median_first_answer=minutes(7),
        ratings=1,
        average_rating=4.0,
    )
    assert [s.name for s in kortrijk.sites] == ["Stadsbibliotheek Kortrijk"]
    assert week.totals == Figures(
        opened=6,
        closed=3,
        still_open=3,
        taken=4,
        median_wait=minutes(15),  # 5, 10, 20, 30
        answered=3,
        median_first_answer=minutes(14),  # 7, 14, 30
        ratings=3,
        average_rating=4.0,  # 5, 3, 4
    )
    only_kortrijk = await report(cases, ["kortrijk"], WEEK)
    assert [bank.digibank_id for bank in only_kortrijk.digibanks] == ["kortrijk"]
    assert only_kortrijk.totals == kortrijk.totals


async def test_a_wait_counts_in_the_period_the_case_was_taken(db):
    """Opened before the period, taken in it: counted for waiting, not as opened; a case
    closed after the end of a past period was still open at its end."""
    await load_seed_if_empty(db)
    opened = NOW - timedelta(days=9)
    await add_case(db, "kortrijk", opened, taken=3 * 24 * 60, answered=3 * 24 * 60 + 1)
    await add_case(db, "kortrijk", NOW - timedelta(days=20), closed=NOW - timedelta(days=12))
    week = await report(db, ["kortrijk"], WEEK)
    assert week.totals == Figures(
        taken=1,
        median_wait=timedelta(days=3),
        answered=1,
        median_first_answer=timedelta(days=3, minutes=1),
    )
    past = await report(db, ["kortrijk"], NOW - timedelta(days=21), NOW - timedelta(days=14))
    assert (past.totals.opened, past.totals.closed, past.totals.still_open) == (1, 0, 1)


async def test_medians_with_seconds_and_an_unknown_digibank(db):
    async with db.transaction() as session:
        session.add(Digibank(id="x", name="X"))
    for n, seconds in enumerate((7, 61, 200)):
        await add_case(db, "x", NOW - timedelta(hours=n + 1), taken=seconds / 60)
    week = await report(db, ["x", "nowhere"], WEEK)
    assert week.digibank("x").totals.median_wait == timedelta(seconds=61)
    assert week.digibank("nowhere").name is None
    assert week.digibank("nowhere").totals == NO_FIGURES
    empty = await report(db, [], WEEK)
    assert (empty.digibanks, empty.totals) == ((), NO_FIGURES)


async def test_naive_moments_are_refused(db):
    with pytest.raises(ValueError):
        await report(db, None, datetime(2026, 11, 20), datetime(2026, 11, 27))
