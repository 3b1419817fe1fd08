"""Read and write the sites files organisers edit (YAML or CSV), with errors by line.

A file is read completely and every error is reported (line, field, what is wrong);
only a file without errors is imported, so nothing is ever half-imported. A file that
cannot be read at all (too big, not UTF-8, not YAML or CSV, YAML aliases, nested too
deeply) is refused whole with one error.

CSV files are opened in spreadsheets, which run a cell that starts with "=", "+", "-" or
"@" as a formula: such a cell is written with a leading "'" and read back without it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import yaml

from storage import site_schema as schema
from storage import site_yaml
from storage.coaching_rules import format_coaching, parse_coaching
from storage.site_columns import to_columns
from storage.site_schema import N_, FieldError, SiteRecord

MAX_FILE_BYTES = 1_000_000  # the CLI and Telegram alike; our own export is far smaller
_SHOWN_VALUE = 60  # characters of a wrong value repeated in its error

# Fields that are one plain value in every format.
PLAIN_FIELDS = (
    "id",
    "name",
    "kind",
    "street",
    "postcode",
    "municipality",
    "latitude",
    "longitude",
)
CSV_COLUMNS = (
    "digibank",
    "digibank_name",
    *PLAIN_FIELDS,
    "verified",
    *schema.WEEKDAYS,
    "closures",
    "exceptions",
    "services",
    "topics",
    "languages",
    "phone",
    "email",
    "web",
    "accessibility",
    "notes",
    "last_checked",
    "stops",
    "coaching",  # YAML flow text: {session: 30, hours: {tu: "13:00-16:00 x2"}}
)
LIST_FIELDS = ("closures", "exceptions", "services", "topics", "languages", "stops")


@dataclass(frozen=True)
class FileError:
    line: int
    field: str
    message: str  # an English msgid with {placeholders}, filled from params
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    def __post_init__(self) -> None:
        # A wrong value is repeated in its error; a 100,000-character one would make the
        # error list too long for a message.
        shortened = {
            key: value[: _SHOWN_VALUE - 1] + "…" if len(value) > _SHOWN_VALUE else value
            for key, value in self.params.items()
            if isinstance(value, str)
        }
        object.__setattr__(self, "params", {**self.params, **shortened})

    @property
    def detail(self) -> str:
        return self.message.format(**self.params)

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.detail}"


class SitesFileError(ValueError):
    def __init__(self, errors: list[FileError]) -> None:
        self.errors = sorted(errors, key=lambda error: error.line)
        super().__init__("\n".join(str(e) for e in self.errors))


class SitesFileRefused(SitesFileError):
    """The file is refused as a whole, without reading on: one error says why."""

    def __init__(self, line: int, message: str, field: str = "file", **params: Any) -> None:
        super().__init__([FileError(line, field, message, params)])


def _refused(
    refusal: site_yaml.YamlRefused, line: int = 0, field: str = "file"
) -> SitesFileRefused:
    return SitesFileRefused(line or refusal.line, refusal.message, field, **refusal.params)


def _as_list(value: Any) -> list[Any]:
    """YAML gives lists; CSV gives 'a; b; c'."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, dict):
        return [value]
    return [part.strip() for part in str(value).split(";") if part.strip()]


def build_record(
    raw: dict[str, Any], line_of: Callable[[str], int]
) -> tuple[SiteRecord | None, list[FileError]]:
    """Validate one site's raw fields; the record, or the errors found in it."""
    errors: list[FileError] = []
    values: dict[str, Any] = {}

    def check(name: str, parse: Callable[[Any], Any]) -> None:
        try:
            values[name] = parse(raw.get(name))
        except FieldError as exc:
            errors.append(FileError(line_of(name), name, exc.message, exc.params))
        except (TypeError, AttributeError, ValueError):  # a list where a text belongs, …
            errors.append(_unreadable(line_of(name), name, raw.get(name)))

    def text(name: str, required: bool = False) -> None:
        check(name, lambda v: schema.check_text(v, name, required))

    check("id", lambda v: schema.check_id(v, "site"))
    check("digibank", lambda v: schema.check_id(v, "digibank"))
    text("digibank_name", required=True)
    text("name", required=True)
    check("kind", lambda v: schema.parse_choices([v or "digipunt"], schema.KINDS, "kind")[0])
    text("street")
    check("postcode", schema.check_postcode)
    text("municipality", required=True)
    check("latitude", lambda v: schema.parse_coordinate(v, 49.0, 52.0, "latitude"))
    check("longitude", lambda v: schema.parse_coordinate(v, 2.0, 7.0, "longitude"))
    check("verified", lambda v: schema.parse_bool(v if v is not None else False))
    hours: dict[str, tuple[schema.TimeRange, ...]] = {}
    source = raw.get("hours") if isinstance(raw.get("hours"), dict) else raw
    for day in schema.WEEKDAYS:
        try:
            ranges = schema.parse_ranges(str(source.get(day) or ""))
        except FieldError as exc:
            errors.append(FileError(line_of(day), day, exc.message, exc.params))
            continue
        if ranges:
            hours[day] = ranges
    values["hours"] = hours
    check("closures", lambda v: schema.parse_closures(schema.check_count(_as_list(v))))
    check(
        "exceptions",
        lambda v: schema.parse_exceptions(
            schema.check_count(v if isinstance(v, dict) else _as_list(v))
        ),
    )
    check("services", lambda v: schema.parse_choices(_as_list(v), schema.SERVICES, "service"))
    check("topics", lambda v: schema.parse_choices(_as_list(v), schema.TOPICS, "topic"))
    check(
        "languages",
        lambda v: schema.parse_choices(_as_list(v) or ["nl"], schema.LANGUAGES, "language"),
    )
    for name in ("phone", "email", "web", "accessibility", "notes"):
        text(name)
    check("last_checked", lambda v: schema.parse_date(v) if v not in (None, "") else None)
    check("stops", lambda v: tuple(_stop(s) for s in schema.check_count(_as_list(v))))
    try:
        values["coaching"] = parse_coaching(_coaching(raw.get("coaching")))
    except site_yaml.YamlRefused as refusal:  # hostile, not mistaken: the file stops here
        raise _refused(refusal, line_of("coaching"), "coaching") from None
    except FieldError as exc:
        name = f"coaching.{exc.where}" if exc.where else "coaching"  # "coaching.hours.tu"
        errors.append(FileError(line_of(name), name, exc.message, exc.params))
    except (TypeError, AttributeError, ValueError):
        errors.append(_unreadable(line_of("coaching"), "coaching", raw.get("coaching")))
    if errors:
        return None, errors
    return SiteRecord(**values), []


def _unreadable(line: int, name: str, value: Any) -> FileError:
    return FileError(line, name, N_("this value cannot be read: “{value}”"), {"value": str(value)})


def _stop(value: Any) -> schema.Stop:
    if not isinstance(value, str | dict):
        raise FieldError(
            N_("expected “tu 10:00-12:00 @ Place @ 50.75 5.30”, got “{value}”"), value=value
        )
    stop = schema.parse_stop(value)
    schema.check_text(stop.place, "place")
    return stop


def _coaching(value: Any) -> Any:
    """Coaching rules given as text (the CSV column, or a string in YAML): parsed here with
    the strict loader, because storage.coaching_rules would read it with yaml.safe_load,
    aliases and all. Text that is no mapping goes on as it is, for parse_coaching to
    explain; it is read there exactly as here, so without aliases or deep nesting."""
    if not isinstance(value, str):
        return value
    try:
        parsed = site_yaml.load(value)
    except yaml.YAMLError:
        return value
    return parsed if parsed is None or isinstance(parsed, Mapping) else value


def _check_unique(records: list[tuple[SiteRecord, int]], errors: list[FileError]) -> None:
    seen: dict[str, int] = {}
    names: dict[str, str] = {}
    for record, line in records:
        if record.id in seen:
            errors.append(
                FileError(
                    line,
                    "id",
                    N_("“{value}” is also on line {other}"),
                    {"value": record.id, "other": seen[record.id]},
                )
            )
        seen.setdefault(record.id, line)
        known = names.setdefault(record.digibank, record.digibank_name)
        if known != record.digibank_name:
            errors.append(
                FileError(
                    line,
                    "digibank_name",
                    N_("“{value}” is also called “{other}”"),
                    {"value": record.digibank, "other": known},
                )
            )


class _LineLoader(site_yaml.StrictLoader):
    """Remembers the line of every mapping and of each of its keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        mapping["__lines__"] = {k.value: k.start_mark.line + 1 for k, _v in node.value}
        return mapping


def _nested_lines(value: Any, prefix: str) -> dict[str, int]:
    """Lines of the keys inside a nested mapping, as "coaching.hours.tu"."""
    if not isinstance(value, dict):
        return {}
    lines = {}
    for key, line in value.get("__lines__", {}).items():
        lines[f"{prefix}.{key}"] = line
        lines.update(_nested_lines(value.get(key), f"{prefix}.{key}"))
    return lines


def _line_of(lines: dict[str, int], name: str, default: int) -> int:
    """The line of a field, or of the nearest enclosing one ("coaching.hours" …)."""
    while name:
        if name in lines:
            return lines[name]
        name = name.rpartition(".")[0]
    return default


def _strip_meta(value: Any) -> Any:
    """Drop the loader's line bookkeeping from nested values."""
    if isinstance(value, dict):
        return {k: _strip_meta(v) for k, v in value.items() if k not in ("__line__", "__lines__")}
    if isinstance(value, list):
        return [_strip_meta(v) for v in value]
    return value


def read_yaml(text: str) -> list[SiteRecord]:
    try:
        document = site_yaml.load(text, _LineLoader)
    except site_yaml.YamlRefused as refusal:
        raise _refused(refusal) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", "") or ""
        raise SitesFileRefused(
            line, N_("this is not valid YAML: {problem}"), problem=problem
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("digibanks"), list):
        raise SitesFileError(
            [FileError(1, "digibanks", N_("the file must start with “digibanks:”, a list"))]
        )
    errors: list[FileError] = []
    records: list[tuple[SiteRecord, int]] = []
    for bank in document["digibanks"]:
        if not isinstance(bank, dict) or not isinstance(bank.get("sites"), list):
            line = bank.get("__line__", 1) if isinstance(bank, dict) else 1
            errors.append(
                FileError(line, "sites", N_("each digibank needs “id”, “name” and “sites:”"))
            )
            continue
        for site in bank["sites"]:
            if not isinstance(site, dict):
                errors.append(
                    FileError(bank["__line__"], "sites", N_("each site is a list of fields"))
                )
                continue
            raw = {
                **_strip_meta(site),
                "digibank": bank.get("id"),
                "digibank_name": bank.get("name"),
            }
            lines = {
                **site["__lines__"],
                "digibank": bank["__lines__"].get("id", bank["__line__"]),
                "digibank_name": bank["__lines__"].get("name", bank["__line__"]),
            }
            hours = site.get("hours")
            if isinstance(hours, dict):
                lines.update(hours["__lines__"])
            lines.update(_nested_lines(site.get("coaching"), "coaching"))
            record, found = build_record(
                raw, lambda name, lines=lines, site=site: _line_of(lines, name, site["__line__"])
            )
            errors += found
            if record is not None:
                records.append((record, site["__line__"]))
    _check_unique(records, errors)
    if errors:
        raise SitesFileError(errors)
    return [record for record, _ in records]


def read_csv(text: str) -> list[SiteRecord]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [
        c
        for c in (
            "digibank",
            "digibank_name",
            "id",
            "name",
            "postcode",
            "municipality",
            "latitude",
            "longitude",
        )
        if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise SitesFileError(
            [
                FileError(
                    1, "header", N_("missing columns: {columns}"), {"columns": ", ".join(missing)}
                )
            ]
        )
    errors: list[FileError] = []
    records: list[tuple[SiteRecord, int]] = []
    try:
        for row in reader:
            line = reader.line_num
            cells = {key: unquote_cell(v) if isinstance(v, str) else v for key, v in row.items()}
            record, found = build_record(cells, lambda _name, line=line: line)
            errors += found
            if record is not None:
                records.append((record, line))
    except csv.Error as exc:  # a cell over 128 KB, …
        line = reader.line_num + 1  # the line it could not finish
        raise SitesFileRefused(
            line, N_("this is not valid CSV: {problem}"), problem=str(exc)
        ) from None
    _check_unique(records, errors)
    if errors:
        raise SitesFileError(errors)
    return [record for record, _ in records]


def read_sites(name: str, content: bytes) -> list[SiteRecord]:
    """By file name: .yaml/.yml or .csv. Slow for a big file: call it off the event loop."""
    if len(content) > MAX_FILE_BYTES:
        raise SitesFileRefused(
            1, N_("the file is bigger than {size}; a sites file is far smaller"), size="1 MB"
        )
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise SitesFileRefused(1, N_("the file must be saved as UTF-8 text")) from None
    lowered = name.lower()
    try:
        if lowered.endswith((".yaml", ".yml")):
            return read_yaml(text)
        if lowered.endswith(".csv"):
            return read_csv(text)
    except RecursionError:  # a safety net: the loaders limit nesting long before this
        raise SitesFileRefused(1, site_yaml.TOO_DEEP, depth=site_yaml.MAX_DEPTH) from None
    raise SitesFileRefused(1, N_("use a .yaml, .yml or .csv file"))


def _plain(record: SiteRecord) -> dict[str, Any]:
    """A site as the YAML file shows it: empty fields left out."""
    columns = to_columns(record)
    out: dict[str, Any] = {key: columns[key] for key in (*PLAIN_FIELDS, "verified")}
    optional = (
        "hours",
        *LIST_FIELDS,
        "phone",
        "email",
        "web",
        "accessibility",
        "notes",
        "coaching",
    )
    for key in optional:
        if columns[key]:
            out[key] = columns[key]
    if record.last_checked:
        out["last_checked"] = record.last_checked.isoformat()
    return out


def write_yaml(records: list[SiteRecord]) -> str:
    banks: dict[str, dict[str, Any]] = {}
    for record in records:
        bank = banks.setdefault(
            record.digibank, {"id": record.digibank, "name": record.digibank_name, "sites": []}
        )
        bank["sites"].append(_plain(record))
    return yaml.safe_dump(
        {"digibanks": list(banks.values())}, allow_unicode=True, sort_keys=False, width=100
    )


def _flow_text(value: dict[str, Any]) -> str:
    """A mapping as one line of YAML flow text (the CSV form of coaching); "" when empty."""
    if not value:
        return ""
    return yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=1_000_000
    ).strip()


# What makes a spreadsheet read a cell as a formula (OWASP's list); "'" in front keeps it
# text. Leading quotes before such a character are counted, so that a value that really
# starts with "'=" comes back unchanged too.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_QUOTED_FORMULA = re.compile(r"^'+[=+\-@\t\r]")


def quote_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: "=1+1" → "'=1+1", "+32 9…" → "'+32 9…"."""
    return "'" + value if _FORMULA.match(value) else value


def unquote_cell(value: str) -> str:
    """The value of a cell `quote_cell` wrote; other cells stay as they are."""
    return value[1:] if _QUOTED_FORMULA.match(value) else value


def write_csv(records: list[SiteRecord]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        columns = to_columns(record)
        row: dict[str, Any] = {
            "digibank": record.digibank,
            "digibank_name": record.digibank_name,
            **{key: columns[key] for key in PLAIN_FIELDS},
            "verified": "true" if record.verified else "false",
            **{day: columns["hours"].get(day, "") for day in schema.WEEKDAYS},
            "closures": "; ".join(columns["closures"]),
            "exceptions": "; ".join(f"{d} {r}" for d, r in columns["exceptions"].items()),
            "services": "; ".join(record.services),
            "topics": "; ".join(record.topics),
            "languages": "; ".join(record.languages),
            "phone": record.phone,
            "email": record.email,
            "web": record.web,
            "accessibility": record.accessibility,
            "notes": record.notes,
            "last_checked": record.last_checked.isoformat() if record.last_checked else "",
            "stops": "; ".join(
                f"{s.day} {s.time} @ {s.place} @ {s.latitude} {s.longitude}" for s in record.stops
            ),
            "coaching": _flow_text(format_coaching(record.coaching)),
        }
        writer.writerow({k: quote_cell(v) if isinstance(v, str) else v for k, v in row.items()})
    return buffer.getvalue()
