"""Fault tests: the bot as a real process (`digibank run`) against the emulator in this
process, killed with SIGKILL, starved of its database, answered late, refused with 429s
and 5xx. Each test tallies what the citizens sent and what arrived, and reports it."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from bot.emulator import BotApiEmulator
from tests.e2e.conftest import ADMIN_ID, free_port

REPORTS: list[str] = []  # printed at the end of the run (tests/conftest.py)
TOKEN = re.compile(r"\bmsg-(\d{3})\b")


@dataclass
class Tally:
    """What was sent against what arrived, by their `msg-NNN` tokens."""

    name: str
    sent: list[str]
    received: list[str]
    lost: list[str] = field(init=False)
    doubled: dict[str, int] = field(init=False)  # message → copies, for those with several
    extra: int = field(init=False)  # copies beyond the first, all messages together
    out_of_order: int = field(init=False)

    def __post_init__(self) -> None:
        counts = Counter(self.received)
        self.lost = [token for token in self.sent if token not in counts]
        self.doubled = {token: n for token, n in counts.items() if n > 1}
        self.extra = len(self.received) - len(counts)
        firsts = list(dict.fromkeys(self.received))
        self.out_of_order = sum(1 for a, b in itertools.pairwise(firsts) if b < a)

    @classmethod
    def of(cls, name: str, sent: list[str], emu: BotApiEmulator, chat: int) -> Tally:
        """What `chat` received of `sent`, reported."""
        tally = cls(name, sent, tokens(emu.bot_messages(chat)))
        tally.report()
        return tally

    def report(self) -> str:
        line = (
            f"{self.name}: sent {len(self.sent)}, received {len(set(self.received))} "
            f"({len(self.received)} copies), lost {len(self.lost)}, "
            f"doubled {len(self.doubled)} ({self.extra} extra copies), "
            f"out of order {self.out_of_order}"
        )
        REPORTS.append(line)
        print(line)
        return line


def tokens(messages: list[dict]) -> list[str]:
    """The `msg-NNN` tokens in what a chat received, in order (texts and captions)."""
    found = []
    for message in messages:
        found += TOKEN.findall((message.get("text") or "") + (message.get("caption") or ""))
    return [f"msg-{n}" for n in found]


async def arrived(emu: BotApiEmulator, expected: dict[int, list[str]], timeout: float) -> bool:  # noqa: ASYNC109
    """Wait until every chat got every token meant for it; False (not an error) when that
    did not happen in time, so the test still reports what was lost before it fails."""
    try:
        await emu.wait_until(
            lambda: all(
                set(sent) <= set(tokens(emu.bot_messages(chat))) for chat, sent in expected.items()
            ),
            timeout=timeout,
            what="every message on the other side",
        )
    except (AssertionError, TimeoutError):
        return False
    return True


class BotProcess:
    """`digibank run` in a child process, on the emulator, with its log in a file."""

    def __init__(self, emu: BotApiEmulator, database_url: str, log_dir: Path, **env: str):
        self.emu = emu
        self.port = free_port()
        self.log_path = log_dir / "bot.log"
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": emu.token,
            "TELEGRAM_API_BASE_URL": emu.base_url,
            "DATABASE_URL": database_url,
            "PORT": str(self.port),
            "ADMIN_TELEGRAM_IDS": str(ADMIN_ID),
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    async def start(self) -> None:
        executable = Path(sys.executable).parent / "digibank"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: ASYNC220 (returns at once)
                [str(executable), "run"], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.starts += 1
        await self.healthy()

    async def healthy(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        url = f"http://127.0.0.1:{self.port}/healthz"
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as http:
            while asyncio.get_running_loop().time() < deadline:
                assert self.process is not None and self.process.poll() is None, self.log()
                try:
                    async with http.get(url) as answer:
                        if answer.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"the bot did not start\n{self.log()}")

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.process.wait, 20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]


StartProcess = Callable[..., Awaitable[BotProcess]]


@pytest.fixture
async def bot_process(
    emu: BotApiEmulator, database_url: str, tmp_path: Path
) -> AsyncIterator[StartProcess]:
    started: list[BotProcess] = []

    async def start(**env: str) -> BotProcess:
        process = BotProcess(emu, database_url, tmp_path, **env)
        await process.start()
        started.append(process)
        return process

    yield start
    for process in started:
        await process.stop()
