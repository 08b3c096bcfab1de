"""Deleting a sales site account with many orders, call log rows, runs, links and stock pushes, and Beat's history
prune of many rows, cost the same queries for few rows as for many (a batch of rows per statement at most)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.services import history_prune
from integrations.models import ApiCallLog, SalesSiteAccount, SyncRun
from inventory.models import StockSyncRun
from orders.models import Order
from tests.action_queries import counted, post_counted
from tests.page_data import seller_with_rows
from tests.page_queries import FEW, MANY
from waybills.models import TrackingPush

pytestmark = pytest.mark.django_db


def delete_account(n: int) -> int:
    data = seller_with_rows(n)
    # Numbers still on their way would refuse the deletion (waybills.hooks.before_account_delete): settled here.
    TrackingPush.objects.filter(account=data.account).update(state=TrackingPush.State.CONFIRMED)
    orders = list(Order.objects.filter(account=data.account).values_list("pk", flat=True))
    count = post_counted(data, f"/sales-sites/{data.account.pk}/delete/", {})
    assert not SalesSiteAccount.objects.filter(pk=data.account.pk).exists()
    assert Order.objects.filter(pk__in=orders).count() == len(orders), "the orders it brought in stay"
    return count


def prune(n: int) -> int:
    seller_with_rows(n)
    old = timezone.now() - timedelta(days=400)
    ApiCallLog.objects.update(started_at=old)
    SyncRun.objects.update(queued_at=old)
    StockSyncRun.objects.update(started_at=old, status=StockSyncRun.Status.SUCCEEDED)
    count, pruned = counted(history_prune)
    assert pruned["api_calls"] and pruned["sync_runs"] and pruned["stock_runs"]
    assert not ApiCallLog.objects.exists() and not StockSyncRun.objects.exists()
    return count


@pytest.mark.parametrize("action", [delete_account, prune])
def test_the_action_costs_the_same_queries_for_few_and_many_rows(action):
    few, many = action(FEW), action(MANY)
    assert few == many, f"{action.__name__}: {few} queries for {FEW} rows' worth, {many} for {MANY}"
