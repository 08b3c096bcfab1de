"""A transaction the database stopped for a conflict with another one is run again (core/conflicts.py)."""

from __future__ import annotations

import pytest
from django.db import OperationalError, transaction

from core import conflicts
from core.conflicts import retried_on_conflict
from core.exceptions import ApplicationError


class Deadlock(Exception):
    pgcode = "40P01"


def stopped(cause: Exception) -> OperationalError:
    """What Django raises for the driver's error: the driver's own exception is its cause."""
    try:
        raise OperationalError("deadlock detected\nDETAIL: ...") from cause
    except OperationalError as exc:
        return exc


@pytest.fixture(autouse=True)
def no_wait(monkeypatch):
    monkeypatch.setattr(conflicts.time, "sleep", lambda seconds: None)


def flaky(failures: list[Exception]):
    calls = []

    @retried_on_conflict
    def service():
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return "done"

    return service, calls


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_victim_runs_again_and_succeeds():
    service, calls = flaky([stopped(Deadlock()), stopped(Deadlock())])
    assert service() == "done" and len(calls) == 3


@pytest.mark.django_db(transaction=True)
def test_sqlite_waiting_in_vain_for_the_write_lock_runs_again():
    service, calls = flaky([OperationalError("database is locked")])
    assert service() == "done" and len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_stopped_every_time_is_a_busy_error_that_says_nothing_changed():
    service, calls = flaky([stopped(Deadlock()) for _ in range(5)])
    with pytest.raises(ApplicationError) as refused:
        service()
    assert refused.value.code == "busy" and "Nothing was changed" in refused.value.message
    assert len(calls) == conflicts.ATTEMPTS


@pytest.mark.django_db(transaction=True)
def test_other_database_errors_are_not_retried():
    service, calls = flaky([OperationalError("no such table: orders_order")])
    with pytest.raises(OperationalError):
        service()
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_it_runs_once():
    service, calls = flaky([stopped(Deadlock())])
    with pytest.raises(OperationalError), transaction.atomic():
        service()
    assert len(calls) == 1
