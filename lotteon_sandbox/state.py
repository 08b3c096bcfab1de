"""The running sandbox: the world behind one lock, plus faults, rate limits and the call log."""

from __future__ import annotations

import math
import os
import pickle
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .codes import now_kst
from .generate import build_world
from .model import World

DEFAULT_SEED = 42
DEFAULT_LINES = 60
DEFAULT_DAYS = 7
# Bumped whenever the model classes change shape, so an old state file is set aside, not misread.
STATE_FORMAT = 1
# Decision row 5: 10,000 calls per minute per API key unless an admin call changes it.
DEFAULT_PER_MINUTE = 10_000
CALL_LOG_SIZE = 10_000
WINDOW_SECONDS = 60.0


@dataclass(slots=True)
class Fault:
    id: int
    count: int = 1
    status: int | None = None
    path: str | None = None
    delay: float = 0.0
    malformed: bool = False
    returnCode: str | None = None
    retryAfter: int | None = None
    noRetryAfter: bool = False  # a 429 without the header: API.md §4 does not say whether LotteON sends one
    afterApply: bool = False
    used: int = 0

    @property
    def replaces_response(self) -> bool:
        return self.malformed or self.returnCode is not None or self.status is not None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class RateLimiter:
    """A sliding one-minute window per API key."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.per_key: dict[str, int] = {}
        self._windows: dict[str, deque[float]] = {}

    def set(self, per_minute: int, api_key: str | None = None) -> None:
        if api_key is None:
            self.per_minute = per_minute
            self.per_key.clear()
            self._windows.clear()
        else:
            self.per_key[api_key] = per_minute
            self._windows.pop(api_key, None)

    def hit(self, api_key: str, now: float) -> int | None:
        """Count one call; return the seconds to wait instead when the key is over its limit."""
        limit = self.per_key.get(api_key, self.per_minute)
        window = self._windows.setdefault(api_key, deque())
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()
        if len(window) >= limit:
            wait = window[0] + WINDOW_SECONDS - now if window else WINDOW_SECONDS
            return max(1, math.ceil(wait))
        window.append(now)
        return None


class Sandbox:
    def __init__(self, *, seed: int = DEFAULT_SEED, lines: int = DEFAULT_LINES, days: int = DEFAULT_DAYS) -> None:
        self.lock = threading.RLock()
        self.calls: deque[dict[str, Any]] = deque(maxlen=CALL_LOG_SIZE)
        # Call ids keep growing across resets so `calls?since=` taken before a reset stays meaningful.
        self._call_seq = 0
        self._fault_seq = 0
        self.faults: list[Fault] = []
        self.limiter = RateLimiter(DEFAULT_PER_MINUTE)
        self.world: World
        self.seed = seed
        self.reset(seed=seed, lines=lines, days=days)

    def reset(
        self,
        *,
        seed: int = DEFAULT_SEED,
        lines: int = DEFAULT_LINES,
        days: int = DEFAULT_DAYS,
        suppliers: list[dict[str, Any]] | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        started = time.perf_counter()
        world = build_world(seed=seed, lines=lines, days=days, suppliers=suppliers, now=now or now_kst())
        elapsed = time.perf_counter() - started
        with self.lock:
            self.world = world
            self.seed = seed
            self.faults.clear()
            self.limiter = RateLimiter(DEFAULT_PER_MINUTE)
            self.calls.clear()
            return self.summary(seed=seed, lines=lines, days=days, seconds=round(elapsed, 4))

    # the world kept on disk

    def snapshot(self) -> bytes:
        """The world (catalog, orders, claims, stock, id sequences) as bytes ``restore`` reads back."""
        with self.lock:
            return pickle.dumps({"format": STATE_FORMAT, "seed": self.seed, "world": self.world})

    def restore(self, data: bytes) -> None:
        """Go on from a ``snapshot``; ``ValueError`` when ``data`` is not one this version wrote. Only the
        sandbox's own ``--state-file`` is read: unpickling runs code."""
        try:
            saved = pickle.loads(data)  # noqa: S301 - the sandbox's own file
            world, seed = saved["world"], saved["seed"]
            if saved["format"] != STATE_FORMAT or not isinstance(world, World):
                raise ValueError
        except Exception:  # written by another version of these classes, or cut short
            raise ValueError("not a state file of this sandbox version") from None
        with self.lock:
            self.world, self.seed = world, seed

    def summary(self, **extra: Any) -> dict[str, Any]:
        shops = self.world.shops
        return {
            **extra,
            "suppliers": [s.as_dict() for s in self.world.suppliers.values()],
            "shops": [
                {
                    "trNo": shop.trNo,
                    "products": len(shop.products),
                    "items": len(shop.items),
                    "orders": len(shop.orders),
                    "lines": len(shop.lines),
                    "claims": len(shop.claims),
                }
                for shop in shops.values()
            ],
        }

    # faults

    def add_fault(self, fault_spec: dict[str, Any]) -> Fault:
        with self.lock:
            self._fault_seq += 1
            fault = Fault(id=self._fault_seq, **fault_spec)
            self.faults.append(fault)
            return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def take_fault(self, path: str) -> Fault | None:
        """The first stacked fault that matches `path`; each match consumes one of its count."""
        with self.lock:
            for fault in self.faults:
                if fault.path and fault.path not in path:
                    continue
                fault.used += 1
                if fault.count > 0:
                    fault.count -= 1
                    if fault.count == 0:
                        self.faults.remove(fault)
                return fault
            return None

    # call log

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self._call_seq += 1
            entry["id"] = self._call_seq
            self.calls.append(entry)

    def calls_since(self, since: int) -> list[dict[str, Any]]:
        with self.lock:
            return [call for call in self.calls if call["id"] > since]


def save_state(sandbox: Sandbox, path: Path, last: bytes | None = None) -> bytes:
    """Write the snapshot to ``path`` unless it equals ``last`` (what was written before), whole or not at all."""
    data = sandbox.snapshot()
    if data != last:
        part = path.with_name(path.name + ".part")
        part.write_bytes(data)
        os.replace(part, path)
    return data
