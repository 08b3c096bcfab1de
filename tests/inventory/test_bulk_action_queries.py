"""The inventory and warehouse actions on many rows at once cost the same queries for few rows as for many: Send to
fulfilment, the pick list PDF, Ship of a fulfilment order of many lines, Needs mapping ▸ Pick SKU for a code many
lines wait for, Activate of a SKU many lines wait for, a SKU Excel upload, stock Retry all."""

from __future__ import annotations

from unittest import mock

import pytest

from inventory.models import FulfilmentOrder, OptionSku, StockPush
from inventory.services.fulfilment import fulfilment_orders_send
from inventory.services.imports import sku_import_create, sku_import_run
from orders.models import LineStatus, Order, OrderLine, OrderStatus
from tests.action_queries import counted, post_counted
from tests.inventory.factories import make_multi, xlsx
from tests.page_data import seller_with_rows
from tests.page_queries import FEW, MANY

pytestmark = pytest.mark.django_db


def waiting_lines(data, code: str, n: int) -> list[int]:
    """n confirmed orders of the seller, each with one line of ``code`` that no SKU has yet."""
    orders = Order.objects.bulk_create([
        Order(seller=data.seller, account=data.account, site="lotteon", order_no=f"W{data.key}{code}{i:06d}",
              recipient_name="김", address="서울", status=OrderStatus.CONFIRMED) for i in range(n)])
    lines = OrderLine.objects.bulk_create([
        OrderLine(order=order, seller=data.seller, line_no="1", product_name="상품", quantity=1,
                  status=LineStatus.CONFIRMED, confirm_state="confirmed", seller_option_code=code)
        for order in orders])
    return [line.pk for line in lines]


def send(n: int) -> int:
    data = seller_with_rows(n)
    ids = list(Order.objects.filter(seller=data.seller, order_no__startswith="R").values_list("pk", flat=True))
    count = post_counted(data, "/inventory/fulfilment/send/", {"ids": ids})
    assert FulfilmentOrder.objects.filter(order_id__in=ids).count() == n
    return count


def pick_list(n: int) -> int:
    data = seller_with_rows(n)
    ids = list(FulfilmentOrder.objects.filter(seller=data.seller, state__in=["open", "picking"])
               .values_list("pk", flat=True))
    assert ids
    return post_counted(data, "/inventory/fulfilment/pick-list/", {"ids": ids}, status=200)


def ship(n: int) -> int:
    data = seller_with_rows(1)
    sku = make_multi(seller=data.seller, options=[(f"SHIP{data.key}-{i}", str(i)) for i in range(n)])
    OptionSku.objects.filter(sku=sku).update(on_hand=5)
    order = Order.objects.create(seller=data.seller, account=data.account, site="lotteon", order_no=f"S{data.key}",
                                 recipient_name="김", address="서울", status=OrderStatus.CONFIRMED)
    OrderLine.objects.bulk_create([
        OrderLine(order=order, seller=data.seller, line_no=str(k), product_name="상품", quantity=1,
                  status=LineStatus.CONFIRMED, confirm_state="confirmed", sku_option=option)
        for k, option in enumerate(sku.options.all(), start=1)])
    (fo,) = fulfilment_orders_send(seller=data.seller, order_ids=[order.pk], actor=data.user)
    url = f"/inventory/fulfilment/{fo.pk}/"
    post_counted(data, url, {"action": "pick"})
    post_counted(data, url, {"action": "pack"})
    count = post_counted(data, url, {"action": "ship", "courier": "9999", "tracking_no": "123456789012"})
    assert FulfilmentOrder.objects.get(pk=fo.pk).state == FulfilmentOrder.State.SHIPPED
    return count


def pick_sku(n: int) -> int:
    data = seller_with_rows(1)
    option = make_multi(seller=data.seller, options=[(f"OLD{data.key}", "블랙")]).options.get()
    lines = waiting_lines(data, f"NEW{data.key}", n)
    count = post_counted(data, "/inventory/needs-mapping/", {"code": f"NEW{data.key}", "option_id": option.pk})
    assert OrderLine.objects.filter(pk__in=lines, sku_option=option).count() == n
    return count


def activate(n: int) -> int:
    data = seller_with_rows(1)
    sku = make_multi(seller=data.seller, options=[(f"ACT{data.key}-{i}", str(i)) for i in range(3)])
    post_counted(data, f"/inventory/skus/{sku.pk}/deactivate/", {})
    lines = [pk for i in range(3) for pk in waiting_lines(data, f"ACT{data.key}-{i}", n)]
    count = post_counted(data, f"/inventory/skus/{sku.pk}/activate/", {})
    assert OrderLine.objects.filter(pk__in=lines, sku_option__sku=sku).count() == 3 * n
    return count


def sku_upload(n: int) -> int:
    data = seller_with_rows(1)
    make_multi(seller=data.seller, options=[(f"UP{data.key}-{i}", str(i)) for i in range(0, n, 2)],
               code=f"UP{data.key}")
    for i in range(n):
        waiting_lines(data, f"UP{data.key}-{i}", 1)
    rows = ([[f"UP{data.key}-{i}", "상품", f"v{i}", f"UP{data.key}", None, "Y"] for i in range(n)]
            + [[f"ONE{data.key}-{i}", f"단일 {i}", None, None, None, None] for i in range(n)])
    with mock.patch("inventory.services.imports.transaction.on_commit"):  # run below, not by a worker
        job = sku_import_create(seller=data.seller, actor=data.user, filename="skus.xlsx", content=xlsx(rows))
    count, job = counted(lambda: sku_import_run(import_id=job.pk))
    assert job.status == job.Status.SUCCEEDED and job.lines_mapped == n, job.message
    return count


def stock_retry(n: int) -> int:
    data = seller_with_rows(n)
    failed = StockPush.objects.filter(seller=data.seller, state="failed")
    total = failed.count()
    count = post_counted(data, "/inventory/stock-sync/", {"action": "retry-all"})
    assert total and StockPush.objects.filter(seller=data.seller, state="pending").count() == total
    return count


ACTIONS = {"send": send, "pick-list": pick_list, "ship": ship, "pick-sku": pick_sku, "activate": activate,
           "sku-upload": sku_upload, "stock-retry": stock_retry}


@pytest.mark.parametrize("action", ACTIONS)
def test_the_action_costs_the_same_queries_for_few_and_many_rows(action):
    few, many = ACTIONS[action](FEW), ACTIONS[action](MANY)
    assert few == many, f"{action}: {few} queries for {FEW} rows, {many} for {MANY}"
