"""Client-side rate limiting, per API key, shared by all sales-site clients.

The interface is one method, ``acquire(key)``, which blocks until one call may be made. The
in-process ``TokenBucketLimiter`` is enough for one process; ``RedisRateLimiter`` keeps the same
budget in Redis, so every process on that Redis (web, each Celery worker process) shares one budget
per key. The Django side chooses between them (``integrations.lotteon.adapter.shared_limiter``).

Callers pass a *fingerprint* of the API key (``key_fingerprint``), never the key itself, so that a
shared implementation never writes a secret into key names.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from integrations.errors import RateLimited

logger = logging.getLogger("smartship.ratelimit")

PACING_MESSAGE = "The portal is pacing its own calls to the sales site; it will try again shortly."


class RateLimiter(Protocol):
    def acquire(self, key: str) -> None:
        """Block until one call for ``key`` may be made (or raise ``RateLimited``)."""


def key_fingerprint(api_key: str) -> str:
    """A short, stable, non-reversible name for an API key (safe in logs and cache keys)."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:16]


class NoRateLimit:
    """For tests and one-off scripts."""

    def acquire(self, key: str) -> None:
        return None


@dataclass
class _Bucket:
    tokens: float
    updated: float


def rate_and_capacity(per_minute: float, burst: float | None) -> tuple[float, float]:
    """Tokens per second and the bucket's size, shared by both limiters. A burst of one second's worth by
    default keeps a restarted worker from firing a minute's budget at once."""
    if per_minute <= 0:
        raise ValueError("per_minute must be positive")
    rate = per_minute / 60.0
    return rate, burst if burst is not None else max(1.0, rate)


class TokenBucketLimiter:
    """Thread-safe token bucket per key: ``per_minute`` calls a minute, bursts up to ``burst``.

    A caller that finds the bucket empty *reserves* the next token (the level may go negative)
    and sleeps outside the lock, so waiting threads are served in arrival order and never hold
    the lock while sleeping. If the wait would exceed ``max_wait`` seconds the call is refused
    with ``RateLimited`` instead, so a Celery task can retry later rather than block a worker.
    """

    def __init__(
        self,
        per_minute: float = 3000,
        *,
        burst: float | None = None,
        max_wait: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate, self.capacity = rate_and_capacity(per_minute, burst)
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def _reserve(self, key: str) -> float:
        """Take one token for ``key`` and return how long the caller must wait for it."""
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(tokens=self.capacity, updated=now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            wait = 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self.rate
            if wait > self.max_wait:
                # Refused calls take no token, so they do not push later callers further back.
                raise RateLimited(PACING_MESSAGE, retry_after=wait)
            bucket.tokens -= 1
            return wait

    def acquire(self, key: str) -> None:
        wait = self._reserve(key)
        if wait > 0:
            self._sleep(wait)


# GCRA, the token bucket above kept as one number: the "theoretical arrival time" (TAT) of the next
# call, in microseconds of the Redis server's clock (one clock for every process and host). A bucket of
# ``burst`` tokens refilled one per ``interval`` is full when TAT <= now; a call may go at
# TAT + interval - burst * interval. Like TokenBucketLimiter, a caller reserves its slot (TAT moves on)
# and sleeps on its own side; a wait beyond max_wait is refused without taking the slot. Once TAT has
# passed, the state equals a missing key, so the key expires then. Integers travel as "%.0f" strings:
# Lua's own number-to-string keeps 14 digits and a TAT has 16.
# KEYS[1] bucket; ARGV interval (µs), burst (calls), max_wait (µs). Returns {taken 1/0, wait µs}.
GCRA_SCRIPT = """
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now) or now
if tat < now then tat = now end
local new_tat = tat + interval
local wait = new_tat - burst * interval - now
if wait < 0 then wait = 0 end
if wait > max_wait then return {0, math.ceil(wait)} end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', string.format('%.0f', math.ceil((new_tat - now) / 1000) + 1))
return {1, math.ceil(wait)}
"""


# The broker URL as Celery takes it may name the TLS check Python's way (ssl_cert_reqs=CERT_REQUIRED); redis-py
# only knows required / optional / none, and would refuse the URL, leaving every process on its own budget.
_CERT_REQS = {"CERT_REQUIRED": "required", "CERT_OPTIONAL": "optional", "CERT_NONE": "none"}


def _redis_py_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [(name, _CERT_REQS.get(value, value) if name == "ssl_cert_reqs" else value)
             for name, value in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query)))


class RedisRateLimiter:
    """``TokenBucketLimiter`` with its buckets in Redis: every process on that Redis shares one budget per key.

    One round trip per call (``GCRA_SCRIPT``, atomic; the Redis server's clock). Bucket keys are
    ``prefix + key`` (the caller's key is an API-key fingerprint) and expire by themselves once the
    bucket is full again. When Redis cannot be used, the call is paced by ``fallback`` (an in-process
    bucket of the same rate) instead of failing; one warning is logged, Redis is tried again after
    ``recheck_after`` seconds, and its return is logged too.
    """

    def __init__(
        self,
        client: redis.Redis,
        per_minute: float = 3000,
        *,
        burst: float | None = None,
        max_wait: float = 60.0,
        prefix: str = "smartship:ratelimit:",
        fallback: TokenBucketLimiter | None = None,
        recheck_after: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate, self.capacity = rate_and_capacity(per_minute, burst)
        if self.capacity < 1:
            raise ValueError("burst must be at least 1")
        self.max_wait = max_wait
        self.prefix = prefix
        self.fallback = fallback or TokenBucketLimiter(
            per_minute, burst=self.capacity, max_wait=max_wait, clock=clock, sleep=sleep
        )
        self.recheck_after = recheck_after
        self._clock = clock
        self._sleep = sleep
        self._redis = client
        self._script = client.register_script(GCRA_SCRIPT)
        self._args = (
            repr(1_000_000 / self.rate),
            repr(float(self.capacity)),
            # Bounded so that float("inf") still reaches Lua as a number.
            f"{min(max_wait, 86_400.0) * 1_000_000:.0f}",
        )
        kwargs = client.connection_pool.connection_kwargs
        # Where Redis is, for the log: host and port (or socket path), never the URL (it may hold a password).
        self._where = kwargs.get("path") or f"{kwargs.get('host')}:{kwargs.get('port')}"
        self._state_lock = threading.Lock()
        self._down_until: float | None = None  # set while Redis is not used; None when it is

    @classmethod
    def from_url(cls, url: str, per_minute: float = 3000, **options) -> RedisRateLimiter:
        """A limiter on its own connection pool that gives up on Redis quickly (it has a fallback)."""
        client = redis.Redis.from_url(
            _redis_py_url(url),
            socket_connect_timeout=0.5,
            socket_timeout=0.5,
            # One immediate retry covers a pooled connection Redis closed (restart); a timeout is not
            # retried, so a Redis that hangs costs one call 0.5 s per recheck_after.
            retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
        )
        return cls(client, per_minute, **options)

    def _reserve(self, key: str) -> float | None:
        """Take one slot for ``key`` in Redis and return the wait in seconds; None if Redis is not usable."""
        down_until = self._down_until
        if down_until is not None and self._clock() < down_until:
            return None
        try:
            taken, wait_us = self._script(keys=[self.prefix + key], args=self._args)
        except redis.RedisError as e:
            with self._state_lock:
                first = self._down_until is None
                self._down_until = self._clock() + self.recheck_after
            if first:
                logger.warning(
                    "rate limiter: Redis at %s cannot be used (%s: %s); calls are paced per process until it "
                    "is back, so processes together may exceed the shared limit",
                    self._where, type(e).__name__, str(e)[:200],
                )
            return None
        if down_until is not None:
            with self._state_lock:
                back, self._down_until = self._down_until is not None, None
            if back:
                logger.info("rate limiter: Redis at %s is back; calls share one limit again", self._where)
        wait = int(wait_us) / 1_000_000
        if not int(taken):
            raise RateLimited(PACING_MESSAGE, retry_after=wait)
        return wait

    def acquire(self, key: str) -> None:
        wait = self._reserve(key)
        if wait is None:
            self.fallback.acquire(key)
        elif wait > 0:
            self._sleep(wait)


_default_lock = threading.Lock()
_default_limiters: dict[float, TokenBucketLimiter] = {}


def default_limiter(per_minute: float = 3000) -> TokenBucketLimiter:
    """The process-wide in-process limiter for a rate (3,000 calls/min per key unless given).

    Shared so that several client objects for the same key in one process share one budget: clients
    built without a limiter get it, and so does the Django side when there is no Redis.
    """
    with _default_lock:
        limiter = _default_limiters.get(per_minute)
        if limiter is None:
            limiter = _default_limiters[per_minute] = TokenBucketLimiter(per_minute)
        return limiter
