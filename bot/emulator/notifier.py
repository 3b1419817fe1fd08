"""Wake-up signal for everything that waits on emulator state (long polls, test helpers).

Unlike ``asyncio.Condition`` it can be triggered from synchronous code (e.g. ``add_user``),
which is safe because the emulator only ever runs on one event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class ChangeNotifier:
    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def notify(self) -> None:
        """Wake every waiter so it re-checks its condition."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    def close(self) -> None:
        """Release all current and future waiters at once (used at shutdown)."""
        self._closed = True
        self.notify()

    def reopen(self) -> None:
        self._closed = False

    async def wait_for(self, predicate: Callable[[], bool], seconds: float) -> bool:
        """Wait up to ``seconds`` until ``predicate()`` is true; False on timeout or when closed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, seconds)
        while True:
            if predicate():
                return True
            remaining = deadline - loop.time()
            if self._closed or remaining <= 0:
                return False
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait({waiter}, timeout=remaining)
            finally:
                self._waiters.discard(waiter)
                if not waiter.done():
                    waiter.cancel()

    async def sleep(self, seconds: float) -> None:
        """Sleep, but wake up early when the notifier is closed (so shutdown never hangs)."""
        await self.wait_for(lambda: self._closed, seconds)
