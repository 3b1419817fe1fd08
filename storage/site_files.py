"""Read and write the sites files organisers edit (YAML or CSV), with errors by line.

A file is read completely and every error is reported (line, field, what is wrong);
only a file without errors is imported, so nothing is ever half-imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import yaml

from flows.availability import format_coaching, parse_coaching
from storage import site_schema as schema
from storage.site_schema import N_, FieldError, SiteRecord

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

    @property
    def detail(self) -> str:
        return self.message.format(**self.params)

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.detail}"


class SitesFileError(ValueError):
    def __init__(self, errors: list[FileError]) -> None:
        self.errors = sorted(errors, key=lambda error: error.line)
        super().__init__("\n".join(str(e) for e in self.errors))


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

    def required_text(value: Any) -> str:
        text = str(value or "").strip()
        if not text:
            raise FieldError(N_("required"))
        return text

    def optional_text(value: Any) -> str:
        return str(value or "").strip()

    check("id", lambda v: schema.check_id(v, "site"))
    check("digibank", lambda v: schema.check_id(v, "digibank"))
    check("digibank_name", required_text)
    check("name", required_text)
    check("kind", lambda v: schema.parse_choices([v or "digipunt"], schema.KINDS, "kind")[0])
    check("street", optional_text)
    check("postcode", schema.check_postcode)
    check("municipality", required_text)
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
    check("closures", lambda v: schema.parse_closures(_as_list(v)))
    check(
        "exceptions",
        lambda v: schema.parse_exceptions(v if isinstance(v, dict) else _as_list(v)),
    )
    check("services", lambda v: schema.parse_choices(_as_list(v), schema.SERVICES, "service"))
    check("topics", lambda v: schema.parse_choices(_as_list(v), schema.TOPICS, "topic"))
    check(
        "languages",
        lambda v: schema.parse_choices(_as_list(v) or ["nl"], schema.LANGUAGES, "language"),
    )
    for name in ("phone", "email", "web", "accessibility", "notes"):
        check(name, optional_text)
    check("last_checked", lambda v: schema.parse_date(v) if v not in (None, "") else None)
    check("stops", lambda v: tuple(schema.parse_stop(s) for s in _as_list(v)))
    try:
        values["coaching"] = parse_coaching(raw.get("coaching"))
    except FieldError as exc:
        name = f"coaching.{exc.where}" if exc.where else "coaching"  # "coaching.hours.tu"
        errors.append(FileError(line_of(name), name, exc.message, exc.params))
    if errors:
        return None, errors
    return SiteRecord(**values), []


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


class _LineLoader(yaml.SafeLoader):
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
        document = yaml.load(
            text, Loader=_LineLoader
        )  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise SitesFileError(
            [
                FileError(
                    line,
                    "file",
                    N_("this is not valid YAML: {problem}"),
                    {"problem": getattr(exc, "problem", "") or ""},
                )
            ]
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
    for row in reader:
        line = reader.line_num
        record, found = build_record(row, lambda _name, line=line: line)
        errors += found
        if record is not None:
            records.append((record, line))
    _check_unique(records, errors)
    if errors:
        raise SitesFileError(errors)
    return [record for record, _ in records]


def read_sites(name: str, content: bytes) -> list[SiteRecord]:
    """By file name: .yaml/.yml or .csv."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise SitesFileError(
            [FileError(1, "file", N_("the file must be saved as UTF-8 text"))]
        ) from None
    lowered = name.lower()
    if lowered.endswith((".yaml", ".yml")):
        return read_yaml(text)
    if lowered.endswith(".csv"):
        return read_csv(text)
    raise SitesFileError([FileError(1, "file", N_("use a .yaml, .yml or .csv file"))])


def _plain(record: SiteRecord) -> dict[str, Any]:
    """A site as the YAML file shows it: empty fields left out."""
    columns = schema.to_columns(record)
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


def write_csv(records: list[SiteRecord]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        columns = schema.to_columns(record)
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
        writer.writerow(row)
    return buffer.getvalue()
