"""Numbers issued from several connections at once are all different (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from waybills.models import WaybillKind
from waybills.services.numbers import numbers_issue

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_concurrent_batches_never_share_a_number():
    issued: list[list[str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            for _ in range(5):
                numbers = numbers_issue(kind=WaybillKind.INVOICE, count=20)
                with lock:
                    issued.append(numbers)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    flat = [n for batch in issued for n in batch]
    assert len(flat) == 400 and len(set(flat)) == 400
    for batch in issued:  # each batch is one consecutive run of serials
        serials = [int(n[3:-1]) for n in batch]
        assert serials == list(range(serials[0], serials[0] + 20))
