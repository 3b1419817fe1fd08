"""First run: load the shipped list of digibank sites when the database has none."""

from __future__ import annotations

import logging
from importlib import resources

from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.repositories import Repositories
from storage.site_files import read_sites

log = logging.getLogger(__name__)
SEED_FILE = "digibanks.yaml"


def seed_records() -> list:
    return read_sites(SEED_FILE, (resources.files("storage") / "seed" / SEED_FILE).read_bytes())


async def load_seed_if_empty(db: Database) -> int:
    """Import the seed file into an empty sites table; returns how many sites were loaded."""
    try:
        async with db.transaction() as session:
            repos = Repositories(session)
            if await repos.sites.count():
                return 0
            records = seed_records()
            await repos.sites.upsert(records)
    except IntegrityError:  # another replica seeded at the same moment
        return 0
    log.info("loaded %d digibank sites from the seed file", len(records))
    return len(records)
