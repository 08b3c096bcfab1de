"""An order with many lines and events costs the same queries as one with a few, on its page and in the API."""

from __future__ import annotations

import pytest

from tests.page_queries import assert_same_queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/orders/{pk}/", "/api/v1/orders/{pk}/"])
def test_order_with_many_lines_and_events(url):
    assert_same_queries(lambda data: url.format(pk=data.order.pk))


@pytest.mark.parametrize("url", ["/orders/", "/api/v1/orders/"])
def test_order_lists(url):
    assert_same_queries(lambda data: url, row=lambda data: f"P{data.key}0")


def test_dashboard():
    # The signed-in user is also a QFC operator: the dashboard counts the warehouse's work too.
    assert_same_queries(lambda data: "/")
