"""Importing and exporting sites: YAML and CSV, all-or-nothing, idempotent, on both databases."""

from __future__ import annotations

import pytest

from storage.repositories import Repositories
from storage.seeding import load_seed_if_empty, seed_records
from storage.site_files import (
    SitesFileError,
    read_csv,
    read_sites,
    read_yaml,
    write_csv,
    write_yaml,
)

GOOD = """\
digibanks:
  - id: kortrijk
    name: Digibank Kortrijk
    sites:
      - id: kortrijk-bib
        name: Stadsbibliotheek
        street: Leiestraat 21
        postcode: 8500
        municipality: Kortrijk
        latitude: 50.8286
        longitude: 3.2652
        verified: true
        hours: {mo: "13:00-18:30", sa: "10:00-16:00"}
        closures: [2026-12-25]
        services: [walk_in, lending]
"""


async def _import(db, records):
    async with db.transaction() as session:
        return await Repositories(session).sites.upsert(records)


async def _all(db):
    async with db.transaction() as session:
        return await Repositories(session).sites.all()


async def test_yaml_import_then_reimport_is_idempotent(db):
    records = read_yaml(GOOD)
    first = await _import(db, records)
    assert (first.added, first.changed, first.unchanged) == (1, 0, 0)
    again = await _import(db, read_yaml(GOOD))
    assert (again.added, again.changed, again.unchanged) == (0, 0, 1)
    assert await _all(db) == records


async def test_a_change_is_counted_and_saved(db):
    await _import(db, read_yaml(GOOD))
    changed = read_yaml(GOOD.replace("13:00-18:30", "13:00-18:00"))
    summary = await _import(db, changed)
    assert (summary.added, summary.changed) == (0, 1)
    [stored] = await _all(db)
    assert str(stored.hours["mo"][0]) == "13:00-18:00"


async def test_csv_round_trip_through_the_database(db):
    records = seed_records()
    await _import(db, read_csv(write_csv(records)))
    stored = await _all(db)
    assert sorted(stored, key=lambda r: r.id) == sorted(records, key=lambda r: r.id)
    assert read_yaml(write_yaml(stored)) == stored


async def test_seed_loads_once(db):
    assert await load_seed_if_empty(db) == len(seed_records())
    assert await load_seed_if_empty(db) == 0
    names = {r.digibank_name for r in await _all(db)}
    assert {"Digibank Kortrijk (Allemaal Digitaal)", "Iedereen Digitaal @ Leuven"} <= names


BAD_YAML = """\
digibanks:
  - id: kortrijk
    name: Digibank Kortrijk
    sites:
      - id: kortrijk-bib
        name: Stadsbibliotheek
        postcode: 8500
        municipality: Kortrijk
        latitude: 50.8
        longitude: 3.2
      - id: kortrijk-broken
        name: Broken
        postcode: 85000
        municipality: Kortrijk
        latitude: 50.8
        longitude: 33.2
        hours: {mo: "9-12"}
        services: [teleportation]
"""


async def test_a_file_with_errors_changes_nothing(db):
    await _import(db, read_yaml(GOOD))
    with pytest.raises(SitesFileError) as caught:
        read_yaml(BAD_YAML)
    found = {(e.line, e.field) for e in caught.value.errors}
    assert found == {(13, "postcode"), (16, "longitude"), (17, "mo"), (18, "services")}
    [stored] = await _all(db)
    assert stored.name == "Stadsbibliotheek" and stored.verified


@pytest.mark.parametrize(
    ("content", "line", "field"),
    [
        ("digibank,id\n", 1, "header"),
        ("not: [valid", 1, "file"),
        ("sites: []", 1, "digibanks"),
    ],
)
def test_broken_files_are_explained(content, line, field):
    name = "sites.csv" if content.startswith("digibank,") else "sites.yaml"
    with pytest.raises(SitesFileError) as caught:
        read_sites(name, content.encode())
    assert (caught.value.errors[0].line, caught.value.errors[0].field) == (line, field)


def test_csv_errors_name_the_line():
    header, row = write_csv(read_yaml(GOOD)).strip().splitlines()
    broken = row.replace("kortrijk-bib", "kortrijk-two").replace("8500", "85")
    with pytest.raises(SitesFileError) as caught:
        read_csv("\n".join([header, row, row, broken]) + "\n")
    messages = [str(e) for e in caught.value.errors]
    assert messages[0] == "line 3, id: “kortrijk-bib” is also on line 2"
    assert messages[1].startswith("line 4, postcode:")


def test_wrong_file_type_and_encoding():
    with pytest.raises(SitesFileError):
        read_sites("sites.xlsx", b"PK")
    with pytest.raises(SitesFileError):
        read_sites("sites.csv", "é".encode("latin-1"))
