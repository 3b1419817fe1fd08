"""Numbers about questions to a person (cases), for organisers: how many came in and were
closed, how long people waited, and how they rated the help. Counts and durations only:
no citizen ids and no message texts.

A period is [since, until). Each figure counts the cases whose own moment falls in it:

- opened: `opened_at` in the period; of those, `still_open` were not closed by `until`;
- closed: `closed_at` in the period (they may have been opened before it);
- waiting time: `opened_at` → `taken_at`, over the cases taken in the period;
- time to first answer: `opened_at` → `first_answer_at`, over the cases first answered
  in the period;
- ratings: of the cases closed in the period (a citizen rates right after closing).

Medians and averages are computed in Python from the fetched timestamps, so they are the
same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Booking, Case, Digibank, Site
from storage.vocabulary import BookingStatus


@dataclass(frozen=True)
class Figures:
    """The numbers of one digibank, one site or a whole selection, in one period."""

    opened: int = 0
    closed: int = 0
    still_open: int = 0  # of the cases opened in the period, not closed by its end
    taken: int = 0  # cases taken in the period: the sample of `median_wait`
    median_wait: timedelta | None = None
    answered: int = 0  # cases first answered in the period: the sample of the next
    median_first_answer: timedelta | None = None
    ratings: int = 0
    average_rating: float | None = None

    @property
    def empty(self) -> bool:
        return not (self.opened or self.closed or self.taken or self.answered)


NO_FIGURES = Figures()


@dataclass(frozen=True)
class SiteFigures:
    site_id: str | None  # None: cases without a site
    name: str | None  # from the sites table; None without a site or for a removed site
    figures: Figures


@dataclass(frozen=True)
class DigibankFigures:
    digibank_id: str
    name: str | None  # from the digibanks table; None for an unknown id
    totals: Figures
    sites: tuple[SiteFigures, ...]  # sites with a case in the period; without a site last

    def site(self, site_id: str | None) -> SiteFigures | None:
        return next((s for s in self.sites if s.site_id == site_id), None)


@dataclass(frozen=True)
class CaseReport:
    since: datetime
    until: datetime
    totals: Figures  # the whole selection
    digibanks: tuple[DigibankFigures, ...]  # every digibank asked for, by name

    def digibank(self, digibank_id: str) -> DigibankFigures | None:
        return next((d for d in self.digibanks if d.digibank_id == digibank_id), None)


class _Row(Protocol):
    digibank_id: str
    site_id: str | None
    opened_at: datetime
    taken_at: datetime | None
    first_answer_at: datetime | None
    closed_at: datetime | None
    rating: int | None


def _median(durations: list[timedelta]) -> timedelta | None:
    return statistics.median(durations) if durations else None


def _figures(rows: Sequence[_Row], since: datetime, until: datetime) -> Figures:
    def within(moment: datetime | None) -> bool:
        return moment is not None and since <= moment < until

    def durations(moments: list[tuple[datetime, datetime | None]]) -> list[timedelta]:
        return [end - start for start, end in moments if end is not None and within(end)]

    opened = [row for row in rows if within(row.opened_at)]
    closed = [row for row in rows if within(row.closed_at)]
    waits = durations([(row.opened_at, row.taken_at) for row in rows])
    answers = durations([(row.opened_at, row.first_answer_at) for row in rows])
    ratings = [row.rating for row in closed if row.rating is not None]
    return Figures(
        opened=len(opened),
        closed=len(closed),
        still_open=sum(1 for row in opened if row.closed_at is None or row.closed_at >= until),
        taken=len(waits),
        median_wait=_median(waits),
        answered=len(answers),
        median_first_answer=_median(answers),
        ratings=len(ratings),
        average_rating=statistics.fmean(ratings) if ratings else None,
    )


def _name_key(name: str | None, identifier: str) -> tuple[str, str]:
    return ((name or identifier).casefold(), identifier)


class CaseStatistics:
    """Read-only statistics over one session (`Repositories.statistics`)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def report(
        self, digibank_ids: Collection[str] | None, since: datetime, until: datetime
    ) -> CaseReport:
        """The figures of the period [since, until) for these digibanks (None: all of them),
        per digibank and per site, and for the whole selection."""
        if since.tzinfo is None or until.tzinfo is None:
            raise ValueError("since and until must be timezone-aware")
        if since > until:
            raise ValueError("since is after until")
        rows = await self._rows(digibank_ids, since, until)
        bank_names = await self._digibank_names(digibank_ids)
        wanted = set(bank_names) if digibank_ids is None else set(digibank_ids)
        by_bank: dict[str, list[_Row]] = defaultdict(list)
        for row in rows:
            by_bank[row.digibank_id].append(row)
        wanted |= set(by_bank)  # (None: a case's digibank is always in the table)
        site_names = await self._site_names({row.site_id for row in rows if row.site_id})
        banks = [
            self._digibank(
                bank_id, bank_names.get(bank_id), by_bank[bank_id], site_names, since, until
            )
            for bank_id in wanted
        ]
        banks.sort(key=lambda bank: _name_key(bank.name, bank.digibank_id))
        return CaseReport(since, until, _figures(rows, since, until), tuple(banks))

    async def appointments(
        self, digibank_ids: Collection[str] | None, since: datetime, until: datetime
    ) -> dict[str, AppointmentFigures]:
        """Per digibank, the coaching appointments that started in [since, until)."""
        return await appointment_figures(self.session, digibank_ids, since, until)

    @staticmethod
    def _digibank(
        bank_id: str,
        name: str | None,
        rows: list[_Row],
        site_names: dict[str, str],
        since: datetime,
        until: datetime,
    ) -> DigibankFigures:
        by_site: dict[str | None, list[_Row]] = defaultdict(list)
        for row in rows:
            by_site[row.site_id].append(row)
        sites = [
            SiteFigures(site_id, site_names.get(site_id or ""), _figures(site_rows, since, until))
            for site_id, site_rows in by_site.items()
        ]
        sites.sort(key=lambda s: (s.site_id is None, *_name_key(s.name, s.site_id or "")))
        return DigibankFigures(bank_id, name, _figures(rows, since, until), tuple(sites))

    async def _rows(
        self, digibank_ids: Collection[str] | None, since: datetime, until: datetime
    ) -> Sequence[_Row]:
        """The cases with any of their moments in the period."""
        moments = (Case.opened_at, Case.taken_at, Case.first_answer_at, Case.closed_at)
        query = select(
            Case.digibank_id,
            Case.site_id,
            Case.opened_at,
            Case.taken_at,
            Case.first_answer_at,
            Case.closed_at,
            Case.rating,
        ).where(or_(*(and_(moment >= since, moment < until) for moment in moments)))
        if digibank_ids is not None:
            query = query.where(Case.digibank_id.in_(list(digibank_ids)))
        return list((await self.session.execute(query)).all())

    async def _digibank_names(self, digibank_ids: Collection[str] | None) -> dict[str, str]:
        query = select(Digibank.id, Digibank.name)
        if digibank_ids is not None:
            query = query.where(Digibank.id.in_(list(digibank_ids)))
        return {bank_id: name for bank_id, name in await self.session.execute(query)}

    async def _site_names(self, site_ids: set[str]) -> dict[str, str]:
        if not site_ids:
            return {}
        query = select(Site.id, Site.name).where(Site.id.in_(sorted(site_ids)))
        return {site_id: name for site_id, name in await self.session.execute(query)}


@dataclass(frozen=True)
class AppointmentFigures:
    """Coaching appointments that were due in a period, by what became of them."""

    attended: int = 0
    no_show: int = 0
    unmarked: int = 0  # begun, but nobody marked them yet
    cancelled: int = 0

    @property
    def no_show_rate(self) -> float | None:
        """Of the appointments marked by staff, the share nobody came to."""
        marked = self.attended + self.no_show
        return self.no_show / marked if marked else None

    @property
    def empty(self) -> bool:
        return not (self.attended or self.no_show or self.unmarked or self.cancelled)


async def appointment_figures(
    session: AsyncSession, digibank_ids: Collection[str] | None, since: datetime, until: datetime
) -> dict[str, AppointmentFigures]:
    """Per digibank, the appointments that started in [since, until). Counts only."""
    query = (
        select(Site.digibank_id, Booking.status, func.count())
        .join(Site, Site.id == Booking.site_id)
        .where(Booking.starts_at >= since, Booking.starts_at < until)
        .group_by(Site.digibank_id, Booking.status)
    )
    if digibank_ids is not None:
        query = query.where(Site.digibank_id.in_(list(digibank_ids)))
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for digibank_id, status, count in await session.execute(query):
        counts[digibank_id][status] = count
    return {
        digibank_id: AppointmentFigures(
            attended=by_status.get(BookingStatus.ATTENDED, 0),
            no_show=by_status.get(BookingStatus.NO_SHOW, 0),
            unmarked=by_status.get(BookingStatus.BOOKED, 0),
            cancelled=by_status.get(BookingStatus.CANCELLED, 0),
        )
        for digibank_id, by_status in counts.items()
    }
