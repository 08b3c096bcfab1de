"""Client-side rate limiting, per API key, shared by all sales-site clients.

The interface is one method, ``acquire(key)``, which blocks until one call may be made. The
in-process ``TokenBucketLimiter`` is enough for one worker process; the Django side can plug in a
shared (cache-backed) implementation with the same method so that many Celery processes share one
budget per key.

Callers pass a *fingerprint* of the API key (``key_fingerprint``), never the key itself, so that a
shared implementation never writes a secret into cache key names.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from integrations.errors import RateLimited


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
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.rate = per_minute / 60.0
        # A burst of one second's worth keeps a restarted worker from firing a minute's budget at once.
        self.capacity = burst if burst is not None else max(1.0, self.rate)
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
                raise RateLimited(
                    "The portal is pacing its own calls to the sales site; it will try again shortly.",
                    retry_after=wait,
                )
            bucket.tokens -= 1
            return wait

    def acquire(self, key: str) -> None:
        wait = self._reserve(key)
        if wait > 0:
            self._sleep(wait)


_default_lock = threading.Lock()
_default_limiter: TokenBucketLimiter | None = None


def default_limiter() -> TokenBucketLimiter:
    """One process-wide limiter (3,000 calls/min per key) for clients that are not given one.

    Shared so that several client objects for the same key in one process share one budget.
    """
    global _default_limiter
    with _default_lock:
        if _default_limiter is None:
            _default_limiter = TokenBucketLimiter(3000)
        return _default_limiter
