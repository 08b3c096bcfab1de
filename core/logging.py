"""Logging pieces: error reports to the operators by e-mail, without a flood when one failure repeats."""

from __future__ import annotations

import logging
import threading
import time


class OncePerInterval(logging.Filter):
    """Lets a record through once per ``seconds`` for the same logger, message and exception type.

    A failure that comes back with every beat tick (a crashed sync each minute) would otherwise send one
    e-mail a minute; the log itself keeps every occurrence.
    """

    def __init__(self, seconds: float = 3600.0, clock=time.monotonic) -> None:
        super().__init__()
        self.seconds = seconds
        self._clock = clock
        self._last: dict[tuple[str, str, str], float] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        # The message with its arguments (the path of a 500, the account of a crashed sync) and the exception.
        key = (record.name, record.getMessage()[:300], record.exc_info[0].__name__ if record.exc_info else "")
        now = self._clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.seconds:
                return False
            self._last[key] = now
            return True
