"""The nearest sites to a point, fast: a grid of cells searched ring by ring.

A search widens ring by ring until the k-th nearest site found is closer than anything
outside the rings searched so far can be, so the answer is exact (the same as checking
every site), but only nearby cells are looked at.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Sequence

from flows.geo import distance_km
from storage.repositories import Repositories
from storage.site_schema import SiteRecord

KM_PER_DEGREE = 111.19
CELL_DEGREES = 0.05  # about 5.5 km by 3.5 km in Belgium

Accept = Callable[[SiteRecord], bool]


class SiteIndex:
    def __init__(self, sites: Sequence[SiteRecord], cell: float = CELL_DEGREES) -> None:
        self.sites = list(sites)
        self.cell = cell
        self._by_id = {site.id: site for site in self.sites}
        self._cells: dict[tuple[int, int], list[SiteRecord]] = defaultdict(list)
        for site in self.sites:
            self._cells[self._key(site.latitude, site.longitude)].append(site)
        keys = list(self._cells) or [(0, 0)]
        self._rows = (min(k[0] for k in keys), max(k[0] for k in keys))
        self._cols = (min(k[1] for k in keys), max(k[1] for k in keys))

    def __len__(self) -> int:
        return len(self.sites)

    def by_id(self, site_id: str) -> SiteRecord | None:
        return self._by_id.get(site_id)

    def _key(self, latitude: float, longitude: float) -> tuple[int, int]:
        return math.floor(latitude / self.cell), math.floor(longitude / self.cell)

    def _ring(self, row: int, col: int, radius: int) -> list[tuple[int, int]]:
        """The cells at Chebyshev distance `radius`, clipped to where the sites are."""
        (row_lo, row_hi), (col_lo, col_hi) = self._rows, self._cols
        top, bottom, left, right = row - radius, row + radius, col - radius, col + radius
        columns = range(max(left, col_lo), min(right, col_hi) + 1)
        rows = range(max(top + 1, row_lo), min(bottom - 1, row_hi) + 1)
        cells = [(top, c) for c in columns] if row_lo <= top <= row_hi else []
        if radius and row_lo <= bottom <= row_hi:
            cells += [(bottom, c) for c in columns]
        if col_lo <= left <= col_hi:
            cells += [(r, left) for r in rows]
        if radius and col_lo <= right <= col_hi:
            cells += [(r, right) for r in rows]
        return cells

    def _outside_bound(
        self, latitude: float, longitude: float, row: int, col: int, radius: int
    ) -> float:
        """No site outside the searched square can be closer than this (km)."""
        south, north = (row - radius) * self.cell, (row + radius + 1) * self.cell
        west, east = (col - radius) * self.cell, (col + radius + 1) * self.cell
        widest = min(89.0, max(abs(south), abs(north)))
        lat_km = min(latitude - south, north - latitude) * KM_PER_DEGREE
        lon_km = (
            min(longitude - west, east - longitude) * KM_PER_DEGREE * math.cos(math.radians(widest))
        )
        return min(lat_km, lon_km)

    def nearest(
        self, latitude: float, longitude: float, k: int = 3, accept: Accept | None = None
    ) -> list[tuple[SiteRecord, float]]:
        """The k nearest accepted sites with their distance in km, nearest first."""
        if not self.sites:
            return []
        row, col = self._key(latitude, longitude)
        if not (self._rows[0] <= row <= self._rows[1] and self._cols[0] <= col <= self._cols[1]):
            # Outside the area the sites cover (abroad): the ring bound assumes short
            # distances, so measure every site. Rare, and still a few milliseconds.
            return brute_force_nearest(self.sites, latitude, longitude, k, accept)
        last_ring = max(
            abs(row - self._rows[0]),
            abs(row - self._rows[1]),
            abs(col - self._cols[0]),
            abs(col - self._cols[1]),
        )
        best: list[tuple[float, int, SiteRecord]] = []  # max-heap by negated distance
        for radius in range(last_ring + 1):
            for key in self._ring(row, col, radius):
                for site in self._cells.get(key, ()):
                    if accept is not None and not accept(site):
                        continue
                    d = distance_km(latitude, longitude, site.latitude, site.longitude)
                    entry = (-d, id(site), site)
                    if len(best) < k:
                        heapq.heappush(best, entry)
                    elif d < -best[0][0]:
                        heapq.heapreplace(best, entry)
            if len(best) == k and -best[0][0] <= self._outside_bound(
                latitude, longitude, row, col, radius
            ):
                break
        return [(site, -negated) for negated, _, site in sorted(best, reverse=True)]


def brute_force_nearest(
    sites: Sequence[SiteRecord],
    latitude: float,
    longitude: float,
    k: int = 3,
    accept: Accept | None = None,
) -> list[tuple[SiteRecord, float]]:
    """Every site measured: the baseline the index is checked and benchmarked against."""
    measured = [
        (distance_km(latitude, longitude, s.latitude, s.longitude), s)
        for s in sites
        if accept is None or accept(s)
    ]
    return [(s, d) for d, s in heapq.nsmallest(k, measured, key=lambda pair: pair[0])]


_cache: dict[str, tuple[object, SiteIndex]] = {}


async def site_index(repos: Repositories) -> SiteIndex:
    """The index of all sites, rebuilt only when the sites table changed."""
    database = repos.sites.database()
    version = await repos.sites.version()
    cached = _cache.get(database)
    if cached is None or cached[0] != version:
        cached = (version, SiteIndex(await repos.sites.all()))
        _cache[database] = cached
    return cached[1]
