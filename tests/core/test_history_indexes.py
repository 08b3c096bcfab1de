"""What grows with time is read through an index, on SQLite and on PostgreSQL: the daily prune's "older than
90 days", the admin's lists of every account's calls and runs, an account's calls (which the index of every
account's must not take over), the warehouse's Shipped tab of one seller.

The tables are empty here; PostgreSQL is told not to scan or sort where it could use an index, so that the plan
shows the index a table of a year's rows would use (docs/performance.md has the plans at that size)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from integrations.models import ApiCallLog, SyncRun
from inventory.selectors_fulfilment import FulfilmentFilters, fulfilment_list

pytestmark = pytest.mark.django_db


def plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


CUTOFF = timezone.now() - timedelta(days=90)


@pytest.mark.parametrize(("query", "index"), [
    (lambda: ApiCallLog.objects.filter(started_at__lt=CUTOFF).values_list("pk", flat=True)[:5000], "apicall_time"),
    (lambda: SyncRun.objects.filter(queued_at__lt=CUTOFF).exclude(status__in=["queued", "running"])
     .values_list("pk", flat=True)[:5000], "syncrun_time"),
    (lambda: ApiCallLog.objects.order_by("-started_at", "-id")[:100], "apicall_time"),
    (lambda: SyncRun.objects.order_by("-queued_at", "-id")[:100], "syncrun_time"),
    (lambda: ApiCallLog.objects.filter(account_id=1).order_by("-started_at", "-id")[:25], "apicall_account_time_id"),
    (lambda: fulfilment_list(filters=FulfilmentFilters(tab="shipped", seller_id=1)).values("pk")[:50],
     "fulfilment_seller_state_upd"),
], ids=["prune calls", "prune sync runs", "admin calls", "admin sync runs", "account page calls",
        "QFC shipped of a seller"])
def test_read_through_an_index(query, index):
    plan = plan_of(query())
    assert index in plan, plan
