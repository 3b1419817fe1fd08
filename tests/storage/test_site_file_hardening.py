"""Sites files that are hostile or broken: refused quickly, with a line, never a traceback.

YAML aliases ("billion laughs"), deep nesting, huge files and fields, values YAML cannot
build, and spreadsheet formulas in the CSV export.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cli import main
from bot.emulator.html_check import parse_html
from flows import events, site_admin
from flows.actions import MAX_TEXT, SendDocument, utf16_len
from storage.repositories import Repositories
from storage.seeding import load_seed_if_empty
from storage.site_files import (
    MAX_FILE_BYTES,
    SitesFileError,
    SitesFileRefused,
    quote_cell,
    read_csv,
    read_sites,
    read_yaml,
    unquote_cell,
    write_csv,
    write_yaml,
)
from storage.site_schema import MAX_LENGTH
from tests.flows.harness import Chat

SITE = """\
digibanks:
  - id: gent
    name: Digibank Gent
    sites:
      - id: gent-bib
        name: Bibliotheek
        street: Kouter 1
        postcode: "9000"
        municipality: Gent
        latitude: 51.05
        longitude: 3.72
"""


def billion_laughs() -> str:
    """Nine levels of nine aliases each: 9**9 copies of a short text."""
    lines = ['lol: &a0 "lol lol lol lol lol lol lol lol lol lol"']
    lines += [f"l{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    return "\n".join(lines) + "\n" + SITE + "        notes: *a8\n"


def refusal(name: str, content: str | bytes) -> str:
    raw = content.encode() if isinstance(content, str) else content
    with pytest.raises(SitesFileRefused) as caught:
        read_sites(name, raw)
    [error] = caught.value.errors
    return str(error)


def field_errors(name: str, content: str) -> list[str]:
    with pytest.raises(SitesFileError) as caught:
        read_sites(name, content.encode())
    return [str(e) for e in caught.value.errors]


def test_yaml_aliases_are_refused_at_once_with_their_line():
    started = time.monotonic()
    bomb = billion_laughs()
    assert len(bomb) < 1000
    assert refusal("sites.yaml", bomb) == "line 1, file: aliases and anchors (&, *) are not allowed"
    assert time.monotonic() - started < 1
    alias_only = SITE + "        notes: *nothing\n"
    assert refusal("sites.yaml", alias_only).startswith("line 12, file: aliases and anchors")
    merge = SITE.replace("      - id: gent-bib", "      - &site\n        id: gent-bib")
    assert refusal("sites.yaml", merge).startswith("line 5, file: aliases and anchors")


@pytest.mark.parametrize(
    "nested",
    [
        "notes: " + "[" * 10_000 + "]" * 10_000,  # flow style
        "notes: " + "{a: " * 10_000 + "1" + "}" * 10_000,
        "notes:\n" + "".join("  " * (i + 5) + "-\n" for i in range(200)),  # block style
    ],
)
def test_deep_nesting_is_refused_with_a_line(nested):
    text = refusal("sites.yaml", SITE + "        " + nested + "\n")
    expected = 12 if "[" in nested or "{" in nested else 12 + 20 - 4  # where level 21 starts
    assert text == f"line {expected}, file: the file is nested too deeply (at most 20 levels)"


def test_the_coaching_cell_of_a_csv_is_read_as_strictly_as_a_yaml_file():
    header, row = write_csv(read_yaml(SITE)).strip().splitlines()
    deep = '"' + "[" * 10_000 + "]" * 10_000 + '"'
    laughs = '"{session: &a 30, hours: {tu: *a}}"'
    for cell, expected in ((deep, "nested too deeply"), (laughs, "aliases and anchors")):
        error = refusal("sites.csv", f"{header}\n{row}{cell}\n")  # the last column
        assert error.startswith("line 2, coaching: ") and expected in error
    # In YAML too, coaching rules written as one text go through the same loader.
    as_text = SITE + '        coaching: "{session: &a 30, hours: {tu: *a}}"\n'
    assert refusal("sites.yaml", as_text).startswith("line 12, coaching: aliases and anchors")


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    big = SITE + "# " + "x" * MAX_FILE_BYTES + "\n"
    assert "bigger than 1 MB" in refusal("sites.yaml", big)


def with_texts(**fields: str) -> str:
    """SITE with these text fields added, or moved to its end with a new value."""
    kept = "".join(
        line + "\n"
        for line in SITE.splitlines()
        if line.strip().split(":")[0] not in fields or not line.startswith("        ")
    )
    return kept + "".join(f"        {name}: {value!r}\n" for name, value in fields.items())


@pytest.mark.parametrize("field", sorted(set(MAX_LENGTH) - {"digibank_name", "place"}))
def test_every_text_field_has_a_length_limit(field):
    limit = MAX_LENGTH[field]
    text = with_texts(**{field: "x" * (limit + 1)})
    assert field_errors("sites.yaml", text) == [
        f"line {len(text.splitlines())}, {field}: "
        f"too long: at most {limit} characters, this has {limit + 1}"
    ]
    [fits] = read_yaml(with_texts(**{field: "x" * limit}))
    assert getattr(fits, field) == "x" * limit


def test_digibank_names_stop_places_and_lists_are_limited_too():
    long_bank = SITE.replace("name: Digibank Gent", "name: " + "D" * 101)
    assert field_errors("sites.yaml", long_bank) == [
        "line 3, digibank_name: too long: at most 100 characters, this has 101"
    ]
    stop = '{day: tu, time: "10:00-12:00", place: "%s", latitude: 51, longitude: 3.7}'
    mobile = SITE + f"        stops: [{stop % ('P' * 121)}]\n"
    [error] = field_errors("sites.yaml", mobile)
    assert error.startswith("line 12, stops: too long: at most 120 characters")
    closures = SITE + f"        closures: [{', '.join(['2026-12-25'] * 101)}]\n"
    [error] = field_errors("sites.yaml", closures)
    assert error == "line 12, closures: too many: at most 100, this has 101"


async def test_an_over_long_value_is_an_error_line_not_a_database_error(db):
    """PostgreSQL refuses a value over its VARCHAR length with a traceback: never reached,
    and every value up to its limit fits its column."""
    with pytest.raises(SitesFileError) as caught:
        read_yaml(with_texts(name="B" * 10_000))
    [error] = caught.value.errors
    assert (error.line, error.field) == (11, "name")
    assert len(str(error)) < 200  # a long value is cut short in its error
    longest = with_texts(**{f: "é" * n for f, n in MAX_LENGTH.items() if f != "place"})
    longest = longest.replace("Digibank Gent", "D" * MAX_LENGTH["digibank_name"])
    async with db.transaction() as session:
        await Repositories(session).sites.upsert(read_yaml(longest))
    async with db.transaction() as session:
        [stored] = await Repositories(session).sites.all()
    assert stored.notes == "é" * MAX_LENGTH["notes"]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("last_checked: 2026-13-45", "last_checked"),  # YAML takes it for a date
        ("latitude: " + "5" * 5_000, "latitude"),  # an integer Python will not read
        ("stops: [[1, 2]]", "stops"),
        ("notes: {a: 1}", None),  # a mapping as a text: kept as text, short enough
    ],
)
def test_values_yaml_cannot_build_are_field_errors(line, field):
    text = SITE.replace("        latitude: 51.05\n", "") if field == "latitude" else SITE
    text += f"        {line}\n"
    if field is None:
        read_yaml(text)
        return
    [error] = field_errors("sites.yaml", text)
    assert error.startswith(f"line {len(text.splitlines())}, {field}: ")


def test_a_csv_cell_over_the_csv_limit_is_refused_with_its_line():
    header, row = write_csv(read_yaml(SITE)).strip().splitlines()
    huge = row.replace("Bibliotheek", "B" * 200_000)
    assert refusal("sites.csv", f"{header}\n{row}\n{huge}\n").startswith("line 3, file: ")


FORMULAS = [
    '=HYPERLINK("http://x","click")',
    "=1+1",
    "@SUM(A1)",
    "+32 =2+3",
    "-1+1",
    "+32 9 123 45 67",
    "'=1+1",  # someone wrote the quote themselves: it stays
    "''@x",
    "'quoted",
]


def test_the_csv_export_neutralises_formulas_and_reads_back_the_same():
    [site] = read_yaml(SITE)
    records = [
        replace(site, id=f"gent-{i}", street=value, notes=value, phone="+32 9 123 45 67")
        for i, value in enumerate(FORMULAS, start=1)
    ]
    exported = write_csv(records)
    for line in exported.splitlines()[1:]:
        cells = line.split(",")
        assert not any(cell.lstrip('"')[:1] in ("=", "+", "-", "@") for cell in cells), line
    assert "'+32 9 123 45 67" in exported and "'=HYPERLINK(" in exported
    assert read_csv(exported) == records  # the phone number too, unchanged
    assert read_yaml(write_yaml(records)) == records


@given(st.text(alphabet="'=+-@\t\rab 1", max_size=8))
def test_quoting_a_cell_is_undone_exactly(value):
    assert unquote_cell(quote_cell(value)) == value
    assert quote_cell(value)[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_a_hand_written_quote_before_a_formula_is_taken_off():
    header, row = write_csv(read_yaml(SITE)).strip().splitlines()
    hand_written = row.replace("Kouter 1", "'=Kouter 1")
    [record] = read_csv(f"{header}\n{hand_written}\n")
    assert record.street == "=Kouter 1"


def run_cli(tmp_path, monkeypatch, capsys, name: str, content: bytes) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    path = tmp_path / name
    path.write_bytes(content)
    code = main(["sites", "import", str(path), "--dry-run"])
    return code, capsys.readouterr().err


def deep_coaching_csv() -> bytes:
    """JSON (YAML flow text) nested 10,000 deep in the coaching column."""
    header, row = write_csv(read_yaml(SITE)).strip().splitlines()
    return f'{header}\n{row}"{"[" * 10_000}{"]" * 10_000}"\n'.encode()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bomb.yaml", billion_laughs().encode(), "aliases and anchors (&, *) are not allowed"),
        ("deep.yaml", b"digibanks: " + b"[" * 10_000 + b"]" * 10_000, "nested too deeply"),
        ("deep.csv", deep_coaching_csv(), "nested too deeply"),
        ("big.csv", b"x" * (MAX_FILE_BYTES + 1), "bigger than 1 MB"),
        ("latin.csv", "é".encode("latin-1"), "UTF-8"),
    ],
)
def test_the_cli_refuses_a_hostile_file_in_one_line(
    tmp_path, monkeypatch, capsys, name, content, reason
):
    code, err = run_cli(tmp_path, monkeypatch, capsys, name, content)
    assert code == 2
    [line] = err.splitlines()
    assert line.startswith(f"digibank: {tmp_path / name}: line ") and reason in line
    assert "Traceback" not in err


def test_the_cli_reads_no_more_than_the_limit(tmp_path, monkeypatch, capsys):
    reads: list[int] = []
    real_open = open

    class Counting:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def read(self, size=-1):
            reads.append(size)
            return self.handle.read(size)

    def counting_open(path, *args, **kwargs):
        handle = real_open(path, *args, **kwargs)
        return Counting(handle) if str(path).endswith("huge.yaml") else handle

    monkeypatch.setattr("builtins.open", counting_open)
    code, err = run_cli(tmp_path, monkeypatch, capsys, "huge.yaml", b"#" * (3 * MAX_FILE_BYTES))
    assert code == 2 and "bigger than 1 MB" in err
    assert reads == [MAX_FILE_BYTES + 1]


def test_the_cli_still_lists_field_errors(tmp_path, monkeypatch, capsys):
    broken = SITE.replace("name: Bibliotheek", "name: " + "B" * 121).encode()
    code, err = run_cli(tmp_path, monkeypatch, capsys, "sites.yaml", broken)
    assert code == 1
    assert "line 6, name: too long: at most 120 characters, this has 121" in err
    assert "nothing was imported" in err


# --- the same files sent from Telegram (/sites) --------------------------------------------


@pytest.fixture
async def organiser(sqlite_db) -> Chat:
    """An admin (who may change every site) with the seed sites loaded, after /sites."""
    await load_seed_if_empty(sqlite_db)
    chat = Chat(sqlite_db, user_id=1, language_code="en")
    chat.settings = replace(chat.settings, admin_ids=frozenset({1}))
    await chat.onboard("English")
    await chat.command("sites")
    return chat


async def test_a_hostile_file_from_telegram_is_refused_and_nothing_changes(organiser, sqlite_db):
    async with sqlite_db.transaction() as session:
        before = await Repositories(session).sites.all()
    started = time.monotonic()
    await organiser.upload("sites.yaml", billion_laughs().encode())
    assert "line 1, file: aliases and anchors (&amp;, *) are not allowed" in organiser.joined()
    assert time.monotonic() - started < 1
    deep = "digibanks: " + "[" * 10_000 + "]" * 10_000
    await organiser.upload("sites.yaml", deep.encode())
    assert "line 1, file: the file is nested too deeply" in organiser.joined()
    async with sqlite_db.transaction() as session:
        assert await Repositories(session).sites.all() == before


async def test_a_file_without_a_size_is_cut_at_the_limit_and_refused(organiser, monkeypatch):
    """Telegram may leave a document's size out: the bytes read decide."""
    monkeypatch.setattr(site_admin, "read_sites", lambda *_: pytest.fail("parsed"))
    ref = organiser.files.add(b"#" * (MAX_FILE_BYTES + 1))  # what TelegramFiles returns
    await organiser.send(events.Document(organiser.sender, "sites.yaml", 0, ref))
    assert organiser.texts() == ["⚠️ This file is too big. Send a sites file of at most 1 MB."]


async def test_files_are_read_and_written_off_the_event_loop(organiser, monkeypatch):
    threads: list[str] = []

    def spy(function):
        def in_thread(*args):
            threads.append(threading.current_thread().name)
            return function(*args)

        return in_thread

    monkeypatch.setattr(site_admin, "read_sites", spy(site_admin.read_sites))
    monkeypatch.setattr(site_admin, "write_yaml", spy(site_admin.write_yaml))
    await organiser.command("sites")
    [export] = [a for a in organiser.actions if isinstance(a, SendDocument)]
    await organiser.upload("sites.yaml", export.content)
    assert "Saved" in organiser.joined()
    assert len(threads) == 2 and threading.main_thread().name not in threads


async def test_many_long_errors_still_fit_in_one_message(organiser):
    long_values = SITE.replace('postcode: "9000"', "postcode: " + "&" * 5_000)
    many = SITE + "".join(
        SITE.split("sites:\n", 1)[1].replace("gent-bib", f"gent-{i}") for i in range(40)
    )
    for text in (long_values, many.replace("latitude: 51.05", "latitude: " + "<" * 3_000)):
        await organiser.upload("sites.yaml", text.encode())
        [reply] = organiser.texts()
        assert "Nothing was changed" in reply and utf16_len(reply) <= MAX_TEXT
        parse_html(reply)
