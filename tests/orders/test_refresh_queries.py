"""orders_refresh, the last step of every action that changes lines (confirm, print, push, dismiss, ship, cancel),
costs the same queries for few orders as for many, also when each order's attention reason is its own (a tracking
push refused names the order's lines and number)."""

from __future__ import annotations

import pytest

from orders.models import Order
from orders.services.store import orders_refresh
from tests.action_queries import counted
from tests.page_data import seller_with_rows
from tests.page_queries import FEW, MANY

pytestmark = pytest.mark.django_db


def test_orders_with_reasons_of_their_own_are_refreshed_in_the_same_queries_for_few_and_many():
    counts = []
    for n in (FEW, MANY):
        data = seller_with_rows(n)
        orders = Order.objects.filter(seller=data.seller)
        Order.objects.filter(pk__in=orders).update(needs_attention=False, attention_reason="", total_quantity=0)
        ids = set(orders.values_list("pk", flat=True))
        count, _ = counted(lambda ids=ids: orders_refresh(order_ids=ids))
        reasons = set(orders.filter(needs_attention=True).values_list("attention_reason", flat=True))
        assert not orders.filter(total_quantity=0).exists()
        counts.append((len(reasons), count))
    (few, few_queries), (many, many_queries) = counts
    assert many > few > 1, "orders whose reasons differ, more of them for the larger seller"
    assert few_queries == many_queries, f"{few_queries} queries for {few} reasons, {many_queries} for {many}"
