"""Login throttling: after too many failed logins in a window, ``POST /api/auth/login`` answers 429 with
``Retry-After`` until the oldest failure leaves the window, even for the right password.

Two counters: per (username, client address) -- ``SKYLABEL_LOGIN_MAX_FAILURES`` (5) in
``SKYLABEL_LOGIN_WINDOW_S`` (300 s) -- so one guesser cannot lock a colleague out from elsewhere, and per client
address at four times that, against one address trying many usernames. A successful login clears its pair.
The counters live in the API process (a cache, like the tile cache): behind a proxy with several processes each
counts its own share, so the limit a guesser meets is at most the process count times the setting.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from backend.errors import SkylabelError


class TooManyLoginsError(SkylabelError):
    """Too many failed logins (429); ``retry_after`` is in whole seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed logins: try again in {retry_after} s")


class LoginThrottle:
    def __init__(self, max_failures: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def _keys(self, username: str, address: str) -> list[tuple[tuple[str, str], int]]:
        return [((username.strip().lower(), address), self.max_failures), (("", address), 4 * self.max_failures)]

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def check(self, username: str, address: str) -> None:
        """Raise :class:`TooManyLoginsError` when either counter is full."""
        now = self.clock()
        for key, limit in self._keys(username, address):
            times = self._recent(key, now)
            if len(times) >= limit:
                wait = times[len(times) - limit] + self.window_s - now
                raise TooManyLoginsError(max(1, math.ceil(wait)))

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        for key, _ in self._keys(username, address):
            self._failures.setdefault(key, deque()).append(now)
        if len(self._failures) > 100_000:  # a flood of made-up names: forget the stale ones
            for key in list(self._failures):
                self._recent(key, now)

    def succeeded(self, username: str, address: str) -> None:
        self._failures.pop(self._keys(username, address)[0][0], None)
