"""Fulfilment and stock work is set-based: the queries do not grow with the number of orders or lines."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import FulfilmentOrder, LinkStatus, OptionSku, SiteOptionLink, StockMovement, StockPush
from inventory.services.fulfilment import fulfilment_lines_cancelled, fulfilment_orders_auto
from inventory.services.skus import OptionInput, sku_create
from inventory.services.stock import stock_totals
from orders.models import LineStatus, Order, OrderLine, OrderStatus
from tests.factories import make_account, make_seller_user

pytestmark = pytest.mark.django_db


def make_orders(seller, account, options: list[OptionSku], count: int, *, offset: int = 0) -> list[int]:
    orders = Order.objects.bulk_create([
        Order(seller=seller, account=account, site="lotteon", order_no=f"F{offset + i:015d}", recipient_name="김",
              address="서울", status=OrderStatus.CONFIRMED) for i in range(count)])
    OrderLine.objects.bulk_create([
        OrderLine(order=order, seller=seller, line_no=str(n), product_name="p", quantity=2, status=LineStatus.CONFIRMED,
                  sku_option=options[(i + n) % len(options)])
        for i, order in enumerate(orders) for n in (1, 2)])
    return [order.pk for order in orders]


def queries(fn) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    return len(captured.captured_queries), result


def test_creating_and_cancelling_fulfilment_orders_costs_the_same_queries_for_20_and_1000_orders():
    seller, _ = make_seller_user()
    account = make_account(seller=seller, account_number="LO90000010", auto_fulfillment=True, auto_stock_sync=True)
    sku = sku_create(seller=seller, kind="multi", name="상품", options=[
        OptionInput(code=f"Q-{i}", option_values=str(i)) for i in range(30)]).sku
    options = list(sku.options.all())
    SiteOptionLink.objects.bulk_create([
        SiteOptionLink(option=o, seller=seller, account=account, site="lotteon", site_product_id="LO1",
                       site_option_id=f"LO1_{o.pk}", status=LinkStatus.LINKED, source="catalog",
                       checked_at="2026-11-01T00:00:00Z") for o in options])
    small = make_orders(seller, account, options, 20)
    large = make_orders(seller, account, options, 1000, offset=100)

    few, _ = queries(lambda: fulfilment_orders_auto(seller_id=seller.pk, order_ids=small))
    many, result = queries(lambda: fulfilment_orders_auto(seller_id=seller.pk, order_ids=large))
    assert len(result.created) == 1000 and FulfilmentOrder.objects.count() == 1020
    assert many <= few + 6, (few, many)
    assert many < 40
    assert StockMovement.objects.filter(kind="reservation").count() == 2040
    assert StockPush.objects.filter(dirty=True).count() == 30

    lines = list(OrderLine.objects.filter(order_id__in=large).values_list("pk", flat=True))
    OrderLine.objects.filter(pk__in=lines).update(status=LineStatus.CANCELLED, cancelled_quantity=2)
    cancelled, touched = queries(lambda: fulfilment_lines_cancelled(seller_id=seller.pk, line_ids=lines))
    assert len(touched) == 1000 and cancelled < 40, cancelled
    totals = stock_totals(option_ids=[o.pk for o in options])
    for option in OptionSku.objects.filter(pk__in=[o.pk for o in options]):
        assert (option.on_hand, option.reserved) == totals[option.pk]
    assert sum(o.reserved for o in OptionSku.objects.filter(pk__in=[o.pk for o in options])) == 20 * 2 * 2
