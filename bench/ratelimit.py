"""Rate limiter benchmark: what one ``acquire`` costs, in-process bucket against the Redis-backed one.

    .venv/bin/python bench/ratelimit.py [--calls 20000] [--threads 1 4] [--repeat 3]
    REDIS_URL=redis://HOST:6379/0 .venv/bin/python bench/ratelimit.py   # default: redis://127.0.0.1:6379/0

Every limiter gets a rate so high that no call ever waits, so the figures are the limiter's own cost
per call (the Redis one: one EVALSHA round trip). Also measured: the Redis limiter pointed at a closed
port, i.e. the in-process fallback while Redis is down, and a bare ``PING`` on the same kind of
connection: the round trip no Redis limiter can beat. Printed per limiter and thread count: the
mean, median and 99th percentile of one call in microseconds and the calls per second of all threads
together, each the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from integrations.ratelimit import RedisRateLimiter, TokenBucketLimiter  # noqa: E402

NO_WAIT = 1e9  # calls a minute: ~17 million a second, never reached


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Ping:
    """A bare round trip to Redis through redis-py, with ``acquire``'s signature."""

    def __init__(self, url: str) -> None:
        self._redis = RedisRateLimiter.from_url(url)._redis

    def acquire(self, key: str) -> None:
        self._redis.ping()


def run(limiter, calls: int, threads: int) -> tuple[list[float], float]:
    """``calls`` acquires split over ``threads`` threads, each on its own key; per-call µs and total s."""
    durations: list[list[float]] = [[] for _ in range(threads)]
    per_thread = calls // threads

    def work(slot: int) -> None:
        key = f"bench:{uuid.uuid4().hex}"
        out = durations[slot]
        for _ in range(per_thread):
            started = time.perf_counter()
            limiter.acquire(key)
            out.append((time.perf_counter() - started) * 1e6)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return [d for ds in durations for d in ds], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    limiters = {
        "in-process TokenBucketLimiter": TokenBucketLimiter(NO_WAIT),
        "RedisRateLimiter": RedisRateLimiter.from_url(url, NO_WAIT),
        "bare Redis PING (floor)": Ping(url),
        "RedisRateLimiter, Redis down (fallback)": RedisRateLimiter.from_url(
            f"redis://127.0.0.1:{closed_port()}/0", NO_WAIT
        ),
    }
    host = url.rsplit("@", 1)[-1]
    print(f"Redis: {host}; {args.calls} calls per run, median of {args.repeat} runs; µs per acquire")
    print(f"{'limiter':<42} {'threads':>7} {'mean':>8} {'median':>8} {'p99':>8} {'calls/s':>10}")
    for name, limiter in limiters.items():
        limiter.acquire("bench:warm-up")  # connect, load the script, log the fallback warning
        for threads in args.threads:
            runs = [run(limiter, args.calls, threads) for _ in range(args.repeat)]
            mean = statistics.median(statistics.fmean(d) for d, _ in runs)
            median = statistics.median(statistics.median(d) for d, _ in runs)
            p99 = statistics.median(statistics.quantiles(d, n=100)[98] for d, _ in runs)
            rate = statistics.median(len(d) / s for d, s in runs)
            print(f"{name:<42} {threads:>7} {mean:>8.1f} {median:>8.1f} {p99:>8.1f} {rate:>10,.0f}")


if __name__ == "__main__":
    main()
