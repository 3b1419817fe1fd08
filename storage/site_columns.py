"""A site record as the columns of the `sites` table (JSON-able values), and back."""

from __future__ import annotations

from typing import Any

from storage.coaching_rules import format_coaching, parse_coaching
from storage.site_schema import (
    SiteRecord,
    format_closures,
    format_ranges,
    format_stop,
    parse_closures,
    parse_exceptions,
    parse_ranges,
    parse_stop,
)


def to_columns(record: SiteRecord) -> dict[str, Any]:
    """The database columns of a site (JSON-able values)."""
    return {
        "id": record.id,
        "digibank_id": record.digibank,
        "name": record.name,
        "kind": record.kind,
        "street": record.street,
        "postcode": record.postcode,
        "municipality": record.municipality,
        "latitude": record.latitude,
        "longitude": record.longitude,
        "verified": record.verified,
        "hours": {day: format_ranges(r) for day, r in record.hours.items() if r},
        "closures": format_closures(record.closures),
        "exceptions": {
            d.isoformat(): format_ranges(r) for d, r in sorted(record.exceptions.items())
        },
        "services": list(record.services),
        "topics": list(record.topics),
        "languages": list(record.languages),
        "phone": record.phone,
        "email": record.email,
        "web": record.web,
        "accessibility": record.accessibility,
        "notes": record.notes,
        "last_checked": record.last_checked,
        "stops": [format_stop(s) for s in record.stops],
        "coaching": format_coaching(record.coaching),
    }


def from_columns(columns: dict[str, Any], digibank_name: str) -> SiteRecord:
    """Back from trusted database columns (validated when they were imported)."""
    return SiteRecord(
        id=columns["id"],
        digibank=columns["digibank_id"],
        digibank_name=digibank_name,
        name=columns["name"],
        kind=columns["kind"],
        street=columns["street"],
        postcode=columns["postcode"],
        municipality=columns["municipality"],
        latitude=columns["latitude"],
        longitude=columns["longitude"],
        verified=columns["verified"],
        hours={day: parse_ranges(text) for day, text in (columns["hours"] or {}).items()},
        closures=parse_closures(columns["closures"] or []),
        exceptions=parse_exceptions(columns["exceptions"] or {}),
        services=tuple(columns["services"] or ()),
        topics=tuple(columns["topics"] or ()),
        languages=tuple(columns["languages"] or ()),
        phone=columns["phone"] or "",
        email=columns["email"] or "",
        web=columns["web"] or "",
        accessibility=columns["accessibility"] or "",
        notes=columns["notes"] or "",
        last_checked=columns["last_checked"],
        stops=tuple(parse_stop(s) for s in columns["stops"] or ()),
        coaching=parse_coaching(columns.get("coaching")),
    )
