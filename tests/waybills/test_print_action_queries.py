"""Print Waybill of many orders (invoices and packing labels, a selection and Print all, page and API), a reprint, and
the batch's labels (PDF, A4, ZPL) cost the same queries for few orders as for many."""

from __future__ import annotations

import pytest

from orders.models import Order
from tests.action_queries import counted, post_counted
from tests.orders.factories import make_order
from tests.page_data import seller_with_rows
from tests.page_queries import FEW, MANY, clients
from waybills.models import PrintBatch

pytestmark = pytest.mark.django_db
PRINT = "/waybills/print/"


def printable(n: int):
    """A seller with n confirmed orders of two lines, nothing printed yet, and two manual orders."""
    data = seller_with_rows(1)
    Order.objects.filter(seller=data.seller).update(status="cancelled")  # the list's own rows stay out of Print all
    ids = [make_order(seller=data.seller, account=data.account, status="confirmed", lines=[{}, {}]).pk
           for _ in range(n)]
    ids += [make_order(seller=data.seller, source=Order.Source.MANUAL).pk for _ in range(2)]
    return data, ids


def printed(data, ids, kind) -> PrintBatch:
    batch = PrintBatch.objects.filter(seller=data.seller, kind=kind).latest("pk")
    assert batch.label_count == len(ids)
    return batch


def print_selected(n: int, kind: str) -> tuple[int, ...]:
    data, ids = printable(n)
    first = post_counted(data, PRINT, {"order_ids": ids, "kind": kind, "paper": "label"})
    again = post_counted(data, PRINT, {"order_ids": ids, "kind": kind, "paper": "label"})
    batch = printed(data, ids, kind)
    assert len(batch.reprint_ids) == len(ids)
    web, _ = clients(data)
    downloads = []
    for paper in ("label", "a4", "zpl"):
        count, body = counted(lambda paper=paper: b"".join(
            web.get(f"/waybills/batches/{batch.pk}/download/?paper={paper}")))
        assert body
        downloads.append(count)
    return first, again, *downloads


def print_api(n: int, kind: str) -> tuple[int, ...]:
    data, ids = printable(n)
    count = post_counted(data, "/api/v1/waybills/print/", {"order_ids": ids, "kind": kind}, status=201)
    batch = printed(data, ids, kind)
    _, api = clients(data)
    labels, response = counted(lambda: api.get(f"/api/v1/waybills/batches/{batch.pk}/labels/"))
    assert response.status_code == 200
    return count, labels


def print_all(n: int, kind: str) -> tuple[int, ...]:
    data, ids = printable(n)
    count = post_counted(data, PRINT, {"scope": "all", "matching": len(ids), "kind": kind, "paper": "label",
                                       "next": f"{PRINT}?kind={kind}"})
    printed(data, ids, kind)
    return (count,)


@pytest.mark.parametrize("kind", ["invoice", "packing"])
@pytest.mark.parametrize("action", [print_selected, print_api, print_all])
def test_printing_costs_the_same_queries_for_few_and_many_orders(action, kind):
    few, many = action(FEW, kind), action(MANY, kind)
    assert few == many, f"{action.__name__} {kind}: {few} queries for {FEW} orders, {many} for {MANY}"
