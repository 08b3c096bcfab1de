"""Mapping is set-based: the number of queries does not grow with the number of lines."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import SiteOptionLink
from inventory.services.mapping import lines_map, lines_remap
from inventory.services.skus import OptionInput, sku_create
from orders.models import LineStatus, Order, OrderEvent, OrderLine
from tests.factories import make_account, make_seller_user

pytestmark = pytest.mark.django_db


def make_lines(seller, account, count: int, *, offset: int = 0) -> list[int]:
    orders = Order.objects.bulk_create([
        Order(seller=seller, account=account, site="lotteon", order_no=f"Q{offset + i:015d}", recipient_name="김",
              address="서울", status="new") for i in range(count)])
    lines = OrderLine.objects.bulk_create([
        OrderLine(order=order, seller=seller, line_no="1", product_name="p", quantity=1, status=LineStatus.NEW,
                  seller_product_code=f"P{i % 40}", seller_option_code=f"P{i % 40}-O{i % 3}",
                  site_product_id=f"LO{i % 40:010d}", site_option_id=f"LO{i % 40:010d}_{i % 3}")
        for i, order in enumerate(orders)])
    return [line.pk for line in lines]


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def test_lines_map_costs_the_same_queries_for_100_and_3000_lines():
    seller, _ = make_seller_user()
    account = make_account(seller=seller, account_number="LO90000009")
    for p in range(40):
        sku_create(seller=seller, kind="multi", name=f"상품 {p}", code=f"P{p}",
                   options=[OptionInput(code=f"P{p}-O{o}", option_values=str(o)) for o in range(2)])
    small = make_lines(seller, account, 100)
    large = make_lines(seller, account, 3000, offset=100)

    few = queries(lambda: lines_map(seller_id=seller.pk, line_ids=small))
    SiteOptionLink.objects.all().delete()
    many = queries(lambda: lines_map(seller_id=seller.pk, line_ids=large))

    assert many <= few + 4, (few, many)
    assert many < 20
    mapped = OrderLine.objects.filter(pk__in=large, sku_option__isnull=False).count()
    assert mapped == 2000, "options O0 and O1 exist, O2 does not"
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.MAPPED).count() == len(small) * 2 // 3 + 2000 + 1
    assert SiteOptionLink.objects.count() == 80, "one link per option SKU and account"

    # Lines stored without the hook (as if a SKU change raced a sync): the next remap picks them all up.
    make_lines(seller, account, 1500, offset=5000)
    sku_create(seller=seller, kind="multi", name="추가", options=[OptionInput(code=f"P{p}-O2", option_values="2")
                                                               for p in range(40)])
    assert OrderLine.objects.filter(sku_option__isnull=True).count() == 1000, "the new SKU took its own code's lines"
    assert queries(lambda: lines_remap(seller_id=seller.pk)) < 10
    assert OrderLine.objects.filter(sku_option__isnull=True).count() == 0
