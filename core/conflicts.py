"""Transactions the database stopped because another one held what they needed, tried again.

PostgreSQL ends one of two transactions that wait for each other (a deadlock: QFC ships an order while the
seller prints its invoice, each holding a row the other needs) and says so with SQLSTATE 40P01; the other one
goes through. Everything the stopped one wrote is rolled back, so running it once more is safe and, a moment
later, succeeds. SQLite reports a write lock it waited for in vain as "database is locked".
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, connection

from core.exceptions import ApplicationError

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
# deadlock_detected, serialization_failure
CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3


def is_write_conflict(exc: BaseException) -> bool:
    if getattr(exc.__cause__, "pgcode", None) in CONFLICT_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def retried_on_conflict(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` (a service that opens its own transaction) again when the database stopped it for a
    conflict with another transaction; after the last attempt, a ``busy`` error that says nothing changed.

    Inside a caller's transaction it runs once: the whole transaction is lost, and only its owner can run
    it again."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.in_atomic_block:
            return func(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                if not is_write_conflict(exc):
                    raise
                logger.warning("%s stopped by a conflicting transaction (attempt %d of %d): %s",
                               func.__qualname__, attempt, ATTEMPTS, str(exc).splitlines()[0])
                if attempt == ATTEMPTS:
                    raise ApplicationError(
                        "Someone else was changing the same orders at this very moment. Nothing was changed: "
                        "try again.", code="busy") from exc
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

    return wrapper
