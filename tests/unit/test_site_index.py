"""The grid index gives the same answers as measuring every site."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.site_index import SiteIndex, brute_force_nearest
from storage.site_schema import SiteRecord


def make_sites(count: int, seed: int) -> list[SiteRecord]:
    rng = random.Random(seed)
    return [
        SiteRecord(
            id=f"s{i}",
            digibank="d",
            digibank_name="D",
            name=f"S{i}",
            kind="digipunt",
            street="",
            postcode="1000",
            municipality="X",
            latitude=round(rng.uniform(49.5, 51.5), 4),
            longitude=round(rng.uniform(2.5, 6.4), 4),
            services=("lending",) if i % 3 == 0 else (),
        )
        for i in range(count)
    ]


SITES = make_sites(800, 7)
INDEX = SiteIndex(SITES)


@settings(max_examples=300, deadline=None)
@given(
    latitude=st.one_of(st.floats(49.0, 52.0), st.floats(-90, 90)),
    longitude=st.one_of(st.floats(2.0, 7.0), st.floats(-180, 180)),
    k=st.integers(1, 5),
    lending=st.booleans(),
)
def test_same_distances_as_brute_force(latitude, longitude, k, lending):
    accept = (lambda s: "lending" in s.services) if lending else None
    found = [round(d, 9) for _, d in INDEX.nearest(latitude, longitude, k, accept)]
    expected = [round(d, 9) for _, d in brute_force_nearest(SITES, latitude, longitude, k, accept)]
    assert found == expected


def test_empty_and_tiny_indexes():
    assert SiteIndex([]).nearest(50.8, 4.3) == []
    one = make_sites(1, 1)
    assert [s.id for s, _ in SiteIndex(one).nearest(-33.9, 151.2, 3)] == ["s0"]
    assert SiteIndex(one).nearest(50.8, 4.3, 3, lambda s: False) == []
