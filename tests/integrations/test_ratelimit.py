import threading

import pytest

from integrations.errors import RateLimited
from integrations.ratelimit import TokenBucketLimiter, default_limiter, key_fingerprint


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_burst_then_paced() -> None:
    t = FakeTime()
    limiter = TokenBucketLimiter(60, burst=3, clock=t.clock, sleep=t.sleep)  # one call a second
    for _ in range(3):
        limiter.acquire("k")
    assert t.sleeps == []
    limiter.acquire("k")
    assert t.sleeps == [pytest.approx(1.0)]


def test_refills_over_time() -> None:
    t = FakeTime()
    limiter = TokenBucketLimiter(60, burst=2, clock=t.clock, sleep=t.sleep)
    limiter.acquire("k")
    limiter.acquire("k")
    t.now += 2.0
    limiter.acquire("k")
    limiter.acquire("k")
    assert t.sleeps == []


def test_keys_are_independent() -> None:
    t = FakeTime()
    limiter = TokenBucketLimiter(60, burst=1, clock=t.clock, sleep=t.sleep)
    limiter.acquire("a")
    limiter.acquire("b")
    assert t.sleeps == []


def test_default_is_3000_per_minute() -> None:
    limiter = TokenBucketLimiter()
    assert limiter.rate == pytest.approx(50.0)
    assert default_limiter() is default_limiter()
    assert default_limiter().rate == pytest.approx(50.0)


def test_wait_beyond_max_wait_raises_rate_limited() -> None:
    t = FakeTime()
    limiter = TokenBucketLimiter(1, burst=1, max_wait=5, clock=t.clock, sleep=t.sleep)
    limiter.acquire("k")
    with pytest.raises(RateLimited) as info:
        limiter.acquire("k")
    assert info.value.retry_after == pytest.approx(60.0)
    assert t.sleeps == []


def test_waiting_callers_queue_up() -> None:
    t = FakeTime()
    limiter = TokenBucketLimiter(60, burst=1, clock=t.clock, sleep=lambda s: t.sleeps.append(s))
    limiter.acquire("k")
    limiter.acquire("k")  # reserves the token due in 1 s
    limiter.acquire("k")  # and the next one, due in 2 s
    assert t.sleeps == [pytest.approx(1.0), pytest.approx(2.0)]


def test_thread_safe_never_exceeds_budget() -> None:
    t = FakeTime()
    lock = threading.Lock()
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    limiter = TokenBucketLimiter(600, burst=10, clock=t.clock, sleep=sleep)  # 10/s, clock frozen
    threads = [threading.Thread(target=lambda: [limiter.acquire("k") for _ in range(10)]) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    # 80 calls with a frozen clock: 10 from the burst, 70 reserved 0.1 s apart, each a distinct slot.
    assert len(waits) == 70
    assert sorted(round(w, 6) for w in waits) == [round(0.1 * i, 6) for i in range(1, 71)]


def test_fingerprint_hides_the_key() -> None:
    fp = key_fingerprint("my-secret-key")
    assert "my-secret-key" not in fp
    assert fp == key_fingerprint("my-secret-key")
    assert fp != key_fingerprint("other-key")


def test_rejects_non_positive_rate() -> None:
    with pytest.raises(ValueError):
        TokenBucketLimiter(0)
