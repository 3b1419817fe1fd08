"""Nearest-site lookup: grid index against checking every site, in one run.

    .venv/bin/python bench/nearest.py [--sites 10000] [--queries 1000]

Prints the median and p99 time per query for both, and their ratio. Numbers only, no
assertion: compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from flows.site_index import SiteIndex, brute_force_nearest
from storage.site_schema import SiteRecord

BELGIUM = (49.5, 51.5, 2.55, 6.4)


def synthetic_sites(count: int, rng: random.Random) -> list[SiteRecord]:
    south, north, west, east = BELGIUM
    return [
        SiteRecord(
            id=f"s{i}",
            digibank="bench",
            digibank_name="Bench",
            name=f"Site {i}",
            kind="digipunt",
            street="",
            postcode="1000",
            municipality="X",
            latitude=rng.uniform(south, north),
            longitude=rng.uniform(west, east),
            services=("lending",) if i % 4 == 0 else ("walk_in",),
        )
        for i in range(count)
    ]


def timed(function, queries) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for latitude, longitude in queries:
        start = time.perf_counter()
        function(latitude, longitude)
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(name: str, times: list[float]) -> float:
    median = statistics.median(times)
    p99 = statistics.quantiles(times, n=100)[98]
    print(f"{name:<28} median {median:8.3f} ms   p99 {p99:8.3f} ms")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000)
    args = parser.parse_args()
    rng = random.Random(2026)
    sites = synthetic_sites(args.sites, rng)
    south, north, west, east = BELGIUM
    queries = [(rng.uniform(south, north), rng.uniform(west, east)) for _ in range(args.queries)]

    start = time.perf_counter()
    index = SiteIndex(sites)
    print(
        f"{args.sites} sites, {args.queries} queries; index built in "
        f"{(time.perf_counter() - start) * 1000:.1f} ms"
    )
    lending = lambda site: "lending" in site.services  # noqa: E731

    for label, accept in (("3 nearest", None), ("3 nearest that lend", lending)):
        mismatches = sum(
            [s.id for s, _ in index.nearest(la, lo, 3, accept)]
            != [s.id for s, _ in brute_force_nearest(sites, la, lo, 3, accept)]
            for la, lo in queries[:100]
        )
        print(f"\n{label} (answers equal to brute force on 100 queries: {100 - mismatches}/100)")
        grid = report(
            "grid index", timed(lambda la, lo, a=accept: index.nearest(la, lo, 3, a), queries)
        )
        brute = report(
            "brute force (baseline)",
            timed(lambda la, lo, a=accept: brute_force_nearest(sites, la, lo, 3, a), queries),
        )
        print(f"{'speed-up (median)':<28} {brute / grid:8.1f} x")


if __name__ == "__main__":
    main()
