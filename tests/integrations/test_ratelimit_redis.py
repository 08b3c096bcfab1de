"""RedisRateLimiter against the real Redis (REDIS_URL): one budget per key for every instance and process.

Each test uses a key of its own, so runs in parallel (xdist, other people's runs on the same Redis) do not
share a bucket. The fallback tests need no Redis: they point the limiter at a closed port.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
import redis
import responses
from django.test import override_settings

from integrations.errors import RateLimited
from integrations.lotteon import adapter
from integrations.lotteon import client as lc
from integrations.ratelimit import RedisRateLimiter, TokenBucketLimiter, default_limiter
from tests.integrations.lotteon.helpers import BASE, KEY, envelope, make_client

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/0; CI's .ci/run sets it)"
)


@pytest.fixture
def key():
    """A bucket of this test's own; deleted afterwards (it would expire by itself anyway)."""
    name = f"test:{uuid.uuid4().hex}"
    yield name
    if REDIS_URL:
        redis.Redis.from_url(REDIS_URL).delete(f"smartship:ratelimit:{name}")


def limiter(per_minute: float, **options) -> RedisRateLimiter:
    return RedisRateLimiter.from_url(REDIS_URL, per_minute, **options)


def since(started: float) -> float:
    """Seconds since `started`, plus a millisecond for Redis's clock ticking apart from this process's."""
    return time.monotonic() - started + 0.001


def closed_port_url(password: str = "") -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    auth = f":{password}@" if password else ""
    return f"redis://{auth}127.0.0.1:{port}/0"


@needs_redis
def test_two_instances_share_one_budget(key) -> None:
    a, b = limiter(60, burst=2, max_wait=0), limiter(60, burst=2, max_wait=0)  # one call a second
    started = time.monotonic()
    a.acquire(key)
    b.acquire(key)
    for other in (a, b):
        with pytest.raises(RateLimited) as info:
            other.acquire(key)
        assert 1.0 - since(started) < info.value.retry_after <= 1.0


@needs_redis
def test_two_instances_are_paced_at_the_rate_together(key) -> None:
    a, b = limiter(1200, burst=1), limiter(1200, burst=1)  # 20 calls a second
    started = time.monotonic()
    for i in range(21):
        (a if i % 2 else b).acquire(key)
    # Alone, each instance would make its 10-11 calls in 0.5 s; together they need 20 intervals.
    assert time.monotonic() - started >= 0.95


CHILD = textwrap.dedent("""
    import sys, time
    from integrations.ratelimit import RedisRateLimiter

    url, key, start, calls = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    limiter = RedisRateLimiter.from_url(url, 1200, burst=1, max_wait=30)
    limiter._redis.ping()
    while time.time() < start:
        time.sleep(0.001)
    for _ in range(calls):
        limiter.acquire(key)
        print(time.time(), flush=True)
""")


@needs_redis
def test_two_processes_share_one_budget(key) -> None:
    start = time.time() + 2.0  # both processes begin together, after their imports
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, REDIS_URL, key, repr(start), "15"],
                         cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        for _ in range(2)
    ]
    outputs = [child.communicate(timeout=60)[0] for child in children]
    assert [child.returncode for child in children] == [0, 0]
    per_process = [[float(line) for line in out.split()] for out in outputs]
    assert [len(times) for times in per_process] == [15, 15]
    times = sorted(t for p in per_process for t in p)
    # 20 calls a second, burst 1: any 11 consecutive calls span at least 10 intervals (0.5 s). Two
    # processes each with their own bucket would put about 20 calls in that half second.
    for i in range(len(times) - 10):
        assert times[i + 10] - times[i] >= 0.45, times
    assert times[-1] - times[0] >= 1.4  # 29 intervals of 0.05 s
    # Both ran at the same time: each has calls in the first half of the run.
    middle = times[len(times) // 2]
    assert all(p[0] < middle for p in per_process)


@needs_redis
def test_bursts_up_to_the_burst_size(key) -> None:
    sleeps: list[float] = []
    rl = limiter(60, burst=5, max_wait=0, sleep=sleeps.append)
    started = time.monotonic()
    for _ in range(5):
        rl.acquire(key)
    assert time.monotonic() - started < 0.5 and sleeps == []
    with pytest.raises(RateLimited):
        rl.acquire(key)


@needs_redis
def test_default_burst_is_one_second_of_calls(key) -> None:
    sleeps: list[float] = []
    rl = limiter(600, sleep=sleeps.append)  # 10 a second
    started = time.monotonic()
    for _ in range(10):
        rl.acquire(key)
    assert sleeps == []
    rl.acquire(key)
    # The bucket refilled for as long as the calls took (Redis's clock), so the wait is a little under 0.1 s.
    assert len(sleeps) == 1 and 0.1 - since(started) < sleeps[0] <= 0.1


@needs_redis
def test_waits_within_max_wait_queue_up(key) -> None:
    sleeps: list[float] = []
    rl = limiter(60, burst=1, max_wait=5, sleep=sleeps.append)
    started = time.monotonic()
    for _ in range(3):
        rl.acquire(key)  # the second and third reserve the slots due in 1 s and 2 s
    assert len(sleeps) == 2
    took = since(started)
    assert 1.0 - took < sleeps[0] <= 1.0 and 2.0 - took < sleeps[1] <= 2.0


@needs_redis
def test_wait_beyond_max_wait_raises_and_takes_no_slot(key) -> None:
    rl = limiter(60, burst=1, max_wait=0.5)
    rl.acquire(key)
    stored = rl._redis.get(rl.prefix + key)
    for _ in range(3):
        with pytest.raises(RateLimited) as info:
            rl.acquire(key)
        assert 0.5 < info.value.retry_after <= 1.0
    assert rl._redis.get(rl.prefix + key) == stored  # refusals did not push later callers back


@needs_redis
def test_keys_expire_by_themselves(key) -> None:
    rl = limiter(600, burst=1, max_wait=60, sleep=lambda s: None)  # one call per 0.1 s
    rl.acquire(key)
    assert 0 < rl._redis.pttl(rl.prefix + key) <= 101
    for _ in range(9):
        rl.acquire(key)  # reserves the next 9 slots: the key lives until the last one is due
    assert 900 < rl._redis.pttl(rl.prefix + key) <= 1001
    deadline = time.monotonic() + 3
    while rl._redis.exists(rl.prefix + key) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not rl._redis.exists(rl.prefix + key)


@needs_redis
@responses.activate
def test_redis_key_names_hold_a_fingerprint_not_the_api_key() -> None:
    prefix = f"smartship-test:{uuid.uuid4().hex}:"
    rl = RedisRateLimiter.from_url(REDIS_URL, 3000, prefix=prefix)
    responses.get(BASE + lc.IDENTITY.path, json=envelope({"trGrpCd": "SR", "trDvsCd": "01", "trNo": "LO10000001",
                                                          "trNm": "스마트샵"}))
    client, _ = make_client(rate_limiter=rl)
    client.identity()
    names = [name.decode() for name in rl._redis.scan_iter(match=prefix + "*")]
    assert len(names) == 1 and names[0].startswith(prefix + "lotteon:")
    assert KEY not in names[0]
    assert KEY.encode() not in rl._redis.get(names[0])
    rl._redis.delete(*names)


def test_redis_down_falls_back_to_the_process_bucket_and_warns_once(caplog) -> None:
    url = closed_port_url(password="redis-pass-5a4b")
    rl = RedisRateLimiter.from_url(url, 60, burst=2, max_wait=0, recheck_after=0)  # tries Redis every call
    caplog.set_level(logging.INFO, logger="smartship.ratelimit")
    started = time.monotonic()
    rl.acquire("k")
    rl.acquire("k")
    with pytest.raises(RateLimited):  # still limited, by the in-process bucket
        rl.acquire("k")
    rl.acquire("other")
    assert time.monotonic() - started < 2
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "ConnectionError" in warnings[0].getMessage()
    assert "redis-pass-5a4b" not in caplog.text


def test_redis_down_skips_redis_until_recheck_after() -> None:
    now = [0.0]
    rl = RedisRateLimiter.from_url(closed_port_url(), 6000, recheck_after=5, clock=lambda: now[0])
    tries = []
    real = rl._script

    def counting(**kwargs):
        tries.append(1)
        return real(**kwargs)

    rl._script = counting
    for _ in range(3):
        rl.acquire("k")
    assert len(tries) == 1
    now[0] = 5.0
    rl.acquire("k")
    assert len(tries) == 2


@needs_redis
def test_a_connection_redis_closed_is_reopened_without_falling_back(key, caplog) -> None:
    rl = limiter(60, burst=1, max_wait=0)
    rl.acquire(key)
    redis.Redis.from_url(REDIS_URL).client_kill_filter(_id=rl._redis.client_id())  # as a Redis restart does
    caplog.set_level(logging.INFO, logger="smartship.ratelimit")
    with pytest.raises(RateLimited):  # Redis's bucket, not a fresh in-process one
        rl.acquire(key)
    assert caplog.records == []


@needs_redis
def test_redis_back_shares_again_and_says_so(key, caplog) -> None:
    rl = limiter(60, burst=1, max_wait=0, recheck_after=0)
    real = rl._script
    rl._script = lambda **kwargs: (_ for _ in ()).throw(redis.ConnectionError("down"))
    caplog.set_level(logging.INFO, logger="smartship.ratelimit")
    rl.acquire(key)  # fallback bucket
    rl._script = real
    rl.acquire(key)  # Redis again: its bucket is still full
    with pytest.raises(RateLimited):
        rl.acquire(key)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2 and "cannot be used" in messages[0] and "is back" in messages[1]


def test_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError):
        RedisRateLimiter.from_url(closed_port_url(), 0)
    with pytest.raises(ValueError):
        RedisRateLimiter.from_url(closed_port_url(), 60, burst=0.5)


# --- Which limiter the LotteON adapter uses -------------------------------------------------------------


def test_adapter_uses_the_process_bucket_without_redis(monkeypatch) -> None:
    monkeypatch.setattr(adapter, "_limiters", {})
    with override_settings(CELERY_BROKER_URL="filesystem://", LOTTEON_CALLS_PER_MINUTE=1234):
        limiter_ = adapter.shared_limiter()
        assert isinstance(limiter_, TokenBucketLimiter)
        assert limiter_ is default_limiter(1234) is adapter.shared_limiter()
        assert limiter_.rate == pytest.approx(1234 / 60)


def test_adapter_uses_redis_when_redis_url_is_set(monkeypatch) -> None:
    monkeypatch.setattr(adapter, "_limiters", {})
    url = closed_port_url()
    with override_settings(CELERY_BROKER_URL=url, LOTTEON_CALLS_PER_MINUTE=1234):
        limiter_ = adapter.shared_limiter()
        assert isinstance(limiter_, RedisRateLimiter)
        assert limiter_ is adapter.shared_limiter()
        assert limiter_.rate == pytest.approx(1234 / 60)
        # Its fallback is the process bucket other clients in this process use for the same rate.
        assert limiter_.fallback is default_limiter(1234)


def test_a_tls_broker_url_as_celery_takes_it_builds_the_shared_limiter():
    """Celery accepts ssl_cert_reqs=CERT_REQUIRED; redis-py wants "required" and refused the URL, which left every
    process on its own budget without saying why."""
    limiter = RedisRateLimiter.from_url("rediss://:secret@redis.example:6380/0?ssl_cert_reqs=CERT_REQUIRED", 600)
    kwargs = limiter._redis.connection_pool.connection_kwargs
    assert kwargs["ssl_cert_reqs"] == "required" and kwargs["password"] == "secret"
    assert "secret" not in limiter._where
