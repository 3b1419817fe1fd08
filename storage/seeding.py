"""First run: load the shipped list of digibank sites when the database has none.

The playground (no Telegram token) also lays `seed/playground-sample.yaml` over it:
SAMPLE coaching hours for a few sites, so that booking can be tried offline. A real bot
never loads that file.
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

import yaml
from sqlalchemy.exc import IntegrityError

from storage import site_yaml
from storage.db import Database
from storage.repositories import Repositories
from storage.site_files import read_sites, write_yaml

log = logging.getLogger(__name__)
SEED_FILE = "digibanks.yaml"
PLAYGROUND_SAMPLE_FILE = "playground-sample.yaml"


def _seed_bytes(name: str) -> bytes:
    return (resources.files("storage") / "seed" / name).read_bytes()


def seed_records() -> list:
    return read_sites(SEED_FILE, _seed_bytes(SEED_FILE))


def playground_records() -> list:
    """The seed sites with the playground's sample fields laid over them (by site id),
    checked like any sites file. An id the seed does not have is an error."""
    overlay: dict[str, dict[str, Any]] = site_yaml.load(
        _seed_bytes(PLAYGROUND_SAMPLE_FILE).decode("utf-8")
    )["sites"]
    document = site_yaml.load(write_yaml(seed_records()))
    found = set()
    for bank in document["digibanks"]:
        for site in bank["sites"]:
            if site["id"] in overlay:
                site.update(overlay[site["id"]])
                found.add(site["id"])
    unknown = set(overlay) - found
    if unknown:
        raise ValueError(f"{PLAYGROUND_SAMPLE_FILE}: no such seed sites: {sorted(unknown)}")
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    return read_sites(PLAYGROUND_SAMPLE_FILE, text.encode("utf-8"))


async def load_seed_if_empty(db: Database, *, playground: bool = False) -> int:
    """Import the seed file into an empty sites table (with the playground's sample
    coaching hours when `playground`); returns how many sites were loaded."""
    try:
        async with db.transaction() as session:
            repos = Repositories(session)
            if await repos.sites.count():
                return 0
            records = playground_records() if playground else seed_records()
            await repos.sites.upsert(records)
    except IntegrityError:  # another replica seeded at the same moment
        return 0
    log.info(
        "loaded %d digibank sites from the seed file%s",
        len(records),
        " with the playground's SAMPLE coaching hours" if playground else "",
    )
    return len(records)
