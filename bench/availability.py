"""Coaching slots of a busy site: flows.availability against counting naively, in one run.

    .venv/bin/python bench/availability.py [--bookings 1000] [--repeat 200]

A site with 13 weeks of rules (Mon-Fri 09:00-12:00 x2 and 13:00-17:00 x3, Sat 10:00-12:00,
a closure week, 30-minute sessions; the spring clock change falls inside) and its
bookings. Prints the median and p99 time per computation of the bookable slots:
(a) `slots()` alone, with the booking counts at hand; (b) the same after loading the
counts from a real SQLite database file (one grouped query); and the baseline, which
counts each candidate slot's bookings by scanning every booking. Numbers only, no
assertion: compare runs on the same machine. The target is under 20 ms per computation.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from flows.availability import Slot, slots
from storage.coaching_rules import CoachingRules, parse_coaching
from storage.db import Database, upgrade_async
from storage.models import Booking, Digibank, Site
from storage.site_columns import to_columns
from storage.site_schema import BRUSSELS, SiteRecord

TARGET_MS = 20.0
SITE = "bench-site"
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=BRUSSELS).astimezone(UTC)  # a Monday morning


def busy_rules() -> CoachingRules:
    weekdays = {day: "09:00-12:00 x2, 13:00-17:00 x3" for day in ("mo", "tu", "we", "th", "fr")}
    rules = parse_coaching(
        {
            "session": 30,
            "horizon_weeks": 13,
            "hours": {**weekdays, "sa": "10:00-12:00"},
            "closed": ["2027-04-05..2027-04-11"],
        }
    )
    assert rules is not None
    return rules


def spread_bookings(candidates: list[Slot], count: int, rng: random.Random) -> list[datetime]:
    """`count` bookings over the slots, never more than a slot's capacity."""
    places = [slot.starts_at for slot in candidates for _ in range(slot.capacity)]
    if count > len(places):
        raise SystemExit(f"only {len(places)} places in the horizon: use --bookings <= that")
    return sorted(rng.sample(places, count))


def naive(rules: CoachingRules, bookings: list[tuple[datetime, str]]) -> list[Slot]:
    """The baseline: every candidate slot scans the full list of bookings."""
    found = []
    for slot in slots(rules, NOW):
        taken = sum(
            1
            for starts_at, status in bookings
            if starts_at == slot.starts_at and status != "cancelled"
        )
        if taken < slot.capacity:
            found.append(Slot(slot.starts_at, slot.minutes, slot.capacity, taken))
    return found


async def make_database(path: Path, rules: CoachingRules, starts: list[datetime]) -> Database:
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_async(url)
    db = Database(url)
    record = SiteRecord(
        id=SITE,
        digibank="bench",
        digibank_name="Bench",
        name="Bench site",
        kind="digipunt",
        street="",
        postcode="1000",
        municipality="Brussel",
        latitude=50.85,
        longitude=4.35,
        services=("coaching",),
        coaching=rules,
    )
    places: dict[datetime, int] = {}
    async with db.transaction() as session:
        session.add(Digibank(id="bench", name="Bench"))
        await session.flush()
        session.add(Site(**to_columns(record)))
        await session.flush()
        for starts_at in starts:
            places[starts_at] = places.get(starts_at, 0) + 1
            session.add(
                Booking(
                    site_id=SITE,
                    topic="other",
                    locale="nl",
                    starts_at=starts_at,
                    minutes=rules.session_minutes,
                    place=places[starts_at],
                    status="booked",
                )
            )
    return db


async def counts_from(db: Database, rules: CoachingRules) -> dict[datetime, int]:
    until = NOW + timedelta(days=rules.horizon_days + 1)
    async with db.sessions() as session:
        rows = await session.execute(
            select(Booking.starts_at, func.count())
            .where(
                Booking.site_id == SITE,
                Booking.status != "cancelled",
                Booking.starts_at >= NOW,
                Booking.starts_at < until,
            )
            .group_by(Booking.starts_at)
        )
        return {starts_at: count for starts_at, count in rows}


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


async def timed_async(function: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await function()  # type: ignore[misc]
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(name: str, times: list[float]) -> float:
    median = statistics.median(times)
    p99 = statistics.quantiles(times, n=100)[98]
    verdict = "under" if p99 < TARGET_MS else "OVER"
    print(f"{name:<34} median {median:8.3f} ms   p99 {p99:8.3f} ms   ({verdict} {TARGET_MS:g} ms)")
    return median


async def run(bookings: int, repeat: int) -> None:
    rules = busy_rules()
    candidates = slots(rules, NOW)
    starts = spread_bookings(candidates, bookings, random.Random(2026))
    booked: dict[datetime, int] = {}
    for starts_at in starts:
        booked[starts_at] = booked.get(starts_at, 0) + 1
    first_day = NOW.astimezone(BRUSSELS).date()
    print(
        f"horizon {rules.horizon_days} days from {first_day} "
        f"(to {first_day + timedelta(days=rules.horizon_days - 1)}), "
        f"{len(candidates)} candidate slots, {sum(s.capacity for s in candidates)} places, "
        f"{len(starts)} bookings on {len(booked)} slots"
    )
    ours = slots(rules, NOW, booked)
    listed = [(starts_at, "booked") for starts_at in starts]
    same = [(s.starts_at, s.taken) for s in naive(rules, listed)] == [
        (s.starts_at, s.taken) for s in ours
    ]
    full = len(candidates) - len(ours)
    print(f"bookable: {len(ours)} slots ({full} full); answers equal to the baseline: {same}")

    with tempfile.TemporaryDirectory() as folder:
        db = await make_database(Path(folder) / "bench.db", rules, starts)
        try:
            loaded = await counts_from(db, rules)
            print(f"counts loaded from SQLite equal the bookings: {loaded == booked}\n")
            pure = report("(a) slots() alone", timed(lambda: slots(rules, NOW, booked), repeat))

            async def with_database() -> list[Slot]:
                return slots(rules, NOW, await counts_from(db, rules))

            report("(b) SQLite counts + slots()", await timed_async(with_database, repeat))
        finally:
            await db.dispose()
    baseline = report("naive scan per slot (baseline)", timed(lambda: naive(rules, listed), repeat))
    print(f"{'speed-up of (a) (median)':<34} {baseline / pure:8.1f} x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.bookings, args.repeat))


if __name__ == "__main__":
    main()
