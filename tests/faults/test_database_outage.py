"""PostgreSQL stopped for ten seconds while a citizen writes five messages a second: the
bot stops confirming updates, waits, and catches up in order when the server is back."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL
from tests.e2e.test_cases_e2e import take_case
from tests.faults.conftest import Tally, arrived

OUTAGE_SECONDS = 10.0


def _cluster() -> tuple[str, str] | None:
    """(version, name) of the local cluster serving TEST_POSTGRES_URL, when we may stop it."""
    if not POSTGRES_URL or shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        return None
    if make_url(POSTGRES_URL).host not in ("127.0.0.1", "localhost"):
        return None
    port = str(make_url(POSTGRES_URL).port or 5432)
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    for line in listed.splitlines():
        version, name, cluster_port, *_ = line.split()
        if cluster_port == port:
            return version, name
    return None


@pytest.fixture
def cluster(database_url: str) -> tuple[str, str]:
    if not database_url.startswith("postgresql"):
        pytest.skip("an outage of the PostgreSQL server")
    found = _cluster()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI runs as root and owns the PostgreSQL cluster: it must run this test")
        pytest.skip("needs root and the local PostgreSQL cluster (pg_ctlcluster)")
    return found


def pg_ctl(cluster: tuple[str, str], action: str) -> None:
    command = ["pg_ctlcluster", *cluster, action]
    if action == "stop":
        command += ["-m", "fast"]
    subprocess.run(command, check=True, capture_output=True)


async def test_a_database_outage_loses_nothing_and_answers_afterwards(emu, bot_process, cluster):
    bot = await bot_process()
    ann, sara = await take_case(emu)
    sent: list[str] = []
    help_seen = len(emu.bot_messages(ann.id))

    async def citizen_writes(seconds: float) -> None:
        for _ in range(int(seconds * 5)):
            token = f"msg-{len(sent):03d}"
            await emu.send_text(ann.id, f"{token} lukt het nu?")
            sent.append(token)
            await asyncio.sleep(0.2)

    writing = asyncio.create_task(citizen_writes(4 + OUTAGE_SECONDS + 4))
    await asyncio.sleep(4)
    await asyncio.to_thread(pg_ctl, cluster, "stop")
    stopped = time.monotonic()
    try:
        await asyncio.sleep(2)
        during = len(sent)
        await emu.send_text(ann.id, "/help")  # asked while the database is down
        await asyncio.sleep(OUTAGE_SECONDS - (time.monotonic() - stopped))
    finally:
        await asyncio.to_thread(pg_ctl, cluster, "start")
    back = time.monotonic()
    await writing
    await arrived(emu, {sara.id: sent}, timeout=60)
    caught_up = time.monotonic() - back
    name = f"PostgreSQL down {OUTAGE_SECONDS:.0f} s, 5 messages/s"
    tally = Tally.of(name, sent, emu, sara.id)
    print(f"  caught up {caught_up:.1f} s after the server came back")
    assert tally.lost == [] and tally.out_of_order == 0
    # Nothing was killed: nothing is ambiguous, so nothing may come twice.
    assert tally.doubled == {}
    answers = [m["text"] or "" for m in emu.bot_messages(ann.id)[help_seen:]]
    assert any("/human" in text or "Hulp" in text for text in answers), answers
    assert during >= 10  # messages were really sent into the outage
    assert bot.process is not None and bot.process.poll() is None  # still running
    assert "Traceback" not in bot.log()
