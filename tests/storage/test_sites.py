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


COACHING = """\
digibanks:
  - id: kortrijk
    name: Digibank Kortrijk
    sites:
      - id: kortrijk-bib
        name: Stadsbibliotheek
        postcode: 8500
        municipality: Kortrijk
        latitude: 50.8286
        longitude: 3.2652
        services: [coaching]
        coaching:
          session: 45
          notice_hours: 3
          horizon_weeks: 6
          max_per_person: 1
          hours:
            tu: "13:00-16:00 x2"
            th: "09:00-12:00 x2, 13:00-16:00"
          closed: ["2026-12-24..2027-01-01", 2027-02-03]
          extra: {2026-12-05: "10:00-12:00 x3", "2026-12-08": closed}
          public_holidays: open
      - id: kortrijk-hub
        name: Hub
        postcode: 8500
        municipality: Kortrijk
        latitude: 50.82
        longitude: 3.26
"""


async def test_coaching_round_trips_through_yaml_csv_and_the_database(db):
    records = read_yaml(COACHING)
    coaching = records[0].coaching
    assert coaching is not None and records[1].coaching is None
    assert (coaching.session_minutes, coaching.horizon_days, coaching.max_upcoming) == (45, 42, 1)
    assert [str(w) for w in coaching.weekly["th"]] == ["09:00-12:00 x2", "13:00-16:00"]
    assert coaching.open_on_public_holidays and len(coaching.extra) == 2
    assert read_yaml(write_yaml(records)) == records
    text = write_csv(records)
    assert "tu: 13:00-16:00 x2" in text or "tu: '13:00-16:00 x2'" in text
    assert read_csv(text) == records
    assert read_csv(write_csv(read_csv(text))) == records
    first = await _import(db, records)
    assert first.added == 2
    assert await _all(db) == records
    again = await _import(db, read_csv(text))
    assert (again.changed, again.unchanged) == (0, 2)


def test_a_csv_without_the_coaching_column_still_reads():
    header, row = write_csv(read_yaml(GOOD)).strip().splitlines()
    assert header.endswith(",coaching") and row.endswith(",")
    [record] = read_csv(f"{header.removesuffix(',coaching')}\n{row.removesuffix(',')}\n")
    assert record.coaching is None


def test_a_written_coaching_cell_reads_back():
    header, row = write_csv(read_yaml(GOOD)).strip().splitlines()
    cell = '"{session: 30, hours: {tu: ""13:00-16:00 x2""}}"'
    [record] = read_csv(f"{header}\n{row}{cell}\n")
    assert record.coaching is not None
    assert [str(w) for w in record.coaching.weekly["tu"]] == ["13:00-16:00 x2"]


def test_bad_coaching_values_name_their_line_and_field():
    # One error per coaching value, like every other field; the site's other fields are
    # still checked.
    broken = COACHING.replace('tu: "13:00-16:00 x2"', 'tu: "13:00-16:00 x0"')
    with pytest.raises(SitesFileError) as caught:
        read_yaml(broken.replace("latitude: 50.8286", "latitude: 60.8286"))
    assert [str(e) for e in caught.value.errors] == [
        "line 9, latitude: must be between 49.0 and 52.0, got 60.8286",
        "line 18, coaching.hours.tu: people per session (x2, x3, …) must be from 1 to 50, got 0",
    ]
    with pytest.raises(SitesFileError) as caught:
        read_yaml(COACHING.replace("session: 45", "session: 0"))
    assert [str(e) for e in caught.value.errors] == [
        "line 13, coaching.session: must be between 10 and 240, got 0"
    ]
    with pytest.raises(SitesFileError) as caught:
        read_yaml(COACHING.replace("public_holidays: open", "public_holiday: open"))
    assert [(e.line, e.field) for e in caught.value.errors] == [(22, "coaching.public_holiday")]
    header, row = write_csv(read_yaml(GOOD)).strip().splitlines()
    cell = '"{hours: {tu: ""13:00-25:00""}}"'
    with pytest.raises(SitesFileError) as caught:
        read_csv(f"{header}\n{row}\n{row.replace('kortrijk-bib', 'kortrijk-two')}{cell}\n")
    [error] = caught.value.errors
    assert (error.line, error.field) == (3, "coaching.hours.tu")
    assert error.detail == "not a time of day: “13:00-25:00”"
