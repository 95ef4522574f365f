"""The one mechanism for background work in this process: named lanes, each one worker thread
(a ``ThreadPoolExecutor(max_workers=1)``), started on first use.

- ``heavy``: pretrain, embed (minutes to hours);
- ``light``: fit_probe, predict, sample, and building a probe session when a map opens, so a refit after a
  label never waits behind a pretraining;
- ``accuracy``: the probe's cross-validated accuracy, computed after the scores are out, so it never delays
  the next refit either;
- ``live``: the debounce of :mod:`backend.worker.live` (waits, then asks for a refit);
- ``warmup``: opening the tile readers and rendering a first tile when the server starts.

Work on one lane runs in order, one item at a time. :meth:`Lanes.close` stops taking work, drops what has
not started and sets the context's ``stopping`` flag (a running task stops at its next progress report, and
its run is left to be resumed when asked again); :meth:`Lanes.idle` waits for everything submitted (tests).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Any

log = logging.getLogger("skylabel.worker")
LANES = ("heavy", "light", "accuracy", "live", "warmup")


class Lanes:
    def __init__(self, names: tuple[str, ...] = LANES, stopping: threading.Event | None = None) -> None:
        self.names = names
        self.stopping = stopping or threading.Event()
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, lane: str, fn: Callable[..., Any], *args: Any) -> Future[Any] | None:
        """Run ``fn(*args)`` on ``lane`` after what is queued there; None once the lanes are closed."""
        if lane not in self.names:
            raise ValueError(f"unknown lane {lane!r}: one of {', '.join(self.names)}")
        with self._lock:
            if self.stopping.is_set():
                return None
            pool = self._pools.get(lane)
            if pool is None:
                pool = self._pools[lane] = ThreadPoolExecutor(max_workers=1,
                                                              thread_name_prefix=f"skylabel-{lane}")
            future = pool.submit(self._logged, fn, *args)
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    @staticmethod
    def _logged(fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception:  # tasks record their own failures: this is a bug in the bookkeeping itself
            log.exception("background work %s%s escaped its error handling", getattr(fn, "__name__", fn), args)
            return None

    def _done(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def idle(self, timeout: float = 30.0) -> bool:
        """Wait until every lane is empty, work submitted by running work included; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = set(self._pending)
            if not pending:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            wait_futures(pending, timeout=remaining)

    def close(self, timeout: float = 2.0) -> None:
        """Stop: nothing new starts, queued work is dropped, running work is asked to stop (idempotent)."""
        with self._lock:
            self.stopping.set()
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)
        self.idle(timeout)  # give running work a moment to reach its next progress report
