"""Login throttling: the counters, the window and the per-address limit, on a fake clock."""

from __future__ import annotations

import pytest

from backend.auth.throttle import LoginThrottle, TooManyLoginsError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_sixth_try_waits_until_the_oldest_failure_leaves_the_window() -> None:
    clock = Clock()
    throttle = LoginThrottle(5, 300.0, clock)
    for _ in range(5):
        throttle.check("Alice", "10.0.0.1")
        throttle.failed("Alice", "10.0.0.1")
        clock.now += 10
    with pytest.raises(TooManyLoginsError) as refused:
        throttle.check("alice ", "10.0.0.1")  # the same name, however typed
    assert refused.value.retry_after == 250  # first failure at 1000, window 300, now 1050
    throttle.check("alice", "10.0.0.2")  # from elsewhere alice can still sign in
    throttle.check("bob", "10.0.0.1")
    clock.now += 250
    throttle.check("alice", "10.0.0.1")


def test_many_usernames_from_one_address_hit_the_address_limit_and_success_clears_the_pair() -> None:
    clock = Clock()
    throttle = LoginThrottle(2, 60.0, clock)
    throttle.failed("alice", "a")
    throttle.succeeded("alice", "a")
    throttle.failed("alice", "a")
    throttle.check("alice", "a")  # one failure since the success
    for i in range(6):
        throttle.failed(f"user{i}", "a")
    with pytest.raises(TooManyLoginsError):
        throttle.check("someone-new", "a")  # 8 failures from "a": four times the per-name limit
    throttle.check("someone-new", "b")
