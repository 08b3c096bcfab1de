"""The waybills pages and lists cost the same queries for 3 rows as for 30 (no query per order, line or push)."""

from __future__ import annotations

import pytest

from tests.page_queries import assert_same_queries

pytestmark = pytest.mark.django_db


def orders_of(data) -> str:
    return f"P{data.key}0"


@pytest.mark.parametrize("query", ["", "?kind=packing", "?printed=yes"])
def test_print_waybill_list(query):
    assert_same_queries(lambda data: f"/waybills/print/{query}", row=orders_of)


def test_print_waybill_list_not_printed_yet():
    # The orders ready to send to fulfilment (R…) have a packing label and no invoice.
    assert_same_queries(lambda data: "/waybills/print/?printed=no", row=lambda data: f"R{data.key}0")


def test_print_waybill_list_with_print_all(monkeypatch):
    from waybills import views

    # Print all counts every matching order only when there is more than one page: two for either seller.
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    assert_same_queries(lambda data: "/waybills/print/")


def test_tracking_push_failures():
    assert_same_queries(lambda data: "/waybills/push-failures/", row=orders_of)


def test_order_tracking_of_an_order_with_many_lines():
    assert_same_queries(lambda data: f"/waybills/orders/{data.order.pk}/", row=lambda data: f"B{data.key}-")


def test_receiving():
    # The latest receipts of every seller: the page lists at most ten, whatever the table holds.
    assert_same_queries(lambda data: f"/waybills/receiving/?label={data.label}", longer=False)


@pytest.mark.parametrize("query", ["", "?failing=true", "?state=failed"])
def test_tracking_push_api(query):
    assert_same_queries(lambda data: f"/api/v1/tracking-pushes/{query}", row=orders_of)


def test_waybill_api():
    assert_same_queries(lambda data: "/api/v1/waybills/", row=orders_of)
