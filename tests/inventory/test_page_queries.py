"""The inventory and warehouse pages and lists cost the same queries for 3 rows as for 30 (SKUs with their
options and links, fulfilment orders with their lines, movements, stock pushes)."""

from __future__ import annotations

import pytest

from tests.page_queries import assert_same_queries

pytestmark = pytest.mark.django_db


def skus_of(data) -> str:
    return f"S{data.key}-"


@pytest.mark.parametrize("query", ["", "?status=all&link=unlinked", "?q=S"])
def test_sku_management(query):
    assert_same_queries(lambda data: f"/inventory/skus/{query}", row=skus_of)


@pytest.mark.parametrize("page", ["", "edit/"])
def test_sku_with_many_options(page):
    assert_same_queries(lambda data: f"/inventory/skus/{data.sku.pk}/{page}", row=skus_of)


def test_needs_mapping():
    assert_same_queries(lambda data: "/inventory/needs-mapping/")


@pytest.mark.parametrize("tab", ["ready", "waiting", "sent"])
def test_send_to_fulfilment(tab):
    assert_same_queries(lambda data: f"/inventory/fulfilment/send/?tab={tab}")


@pytest.mark.parametrize("url", ["/inventory/stock-sync/", "/inventory/movements/"])
def test_seller_stock_pages(url):
    assert_same_queries(lambda data: url, row=skus_of)


@pytest.mark.parametrize("tab", ["active", "shipped", "flagged"])
def test_warehouse_fulfilment_list(tab):
    # Every seller's: FEW orders, then FEW + MANY.
    assert_same_queries(lambda data: f"/inventory/fulfilment/?tab={tab}")


def test_warehouse_fulfilment_of_an_order_with_many_lines():
    assert_same_queries(lambda data: f"/inventory/fulfilment/{data.fulfilment.pk}/", row=skus_of)


@pytest.mark.parametrize("url", ["/inventory/stock/", "/inventory/stock/movements/"])
def test_warehouse_stock_pages(url):
    assert_same_queries(lambda data: url)


@pytest.mark.parametrize("url", ["/api/v1/skus/", "/api/v1/needs-mapping/", "/api/v1/fulfilment-orders/",
                                 "/api/v1/stock-movements/", "/api/v1/stock-pushes/",
                                 "/api/v1/warehouse/fulfilment-orders/"])
def test_api_lists(url):
    assert_same_queries(lambda data: url)


@pytest.mark.parametrize("url", ["/api/v1/skus/{sku}/", "/api/v1/fulfilment-orders/{fulfilment}/",
                                 "/api/v1/warehouse/fulfilment-orders/{fulfilment}/"])
def test_api_details_with_many_options_or_lines(url):
    assert_same_queries(lambda data: url.format(sku=data.sku.pk, fulfilment=data.fulfilment.pk), row=skus_of)
