"""The warehouse's tab numbers: the work to do counted exactly, Shipped and Cancelled (every order ever) up to
COUNT_LIMIT and shown "1,000+" beyond; the Shipped tab's pages counted likewise."""

from __future__ import annotations

import pytest
from django.test import Client

from core.paginators import CappedPaginator
from inventory.models import FulfilmentOrder
from inventory.selectors_fulfilment import fulfilment_counts
from tests.page_data import seller_with_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    data = seller_with_rows(30)  # 15 fulfilment orders: open, shipped, packed, picking in turn (3 flagged)
    FulfilmentOrder.objects.filter(seller=data.seller, state="picking").update(state="cancelled")
    return data


def test_counts_are_exact_up_to_the_limit(data):
    counts = fulfilment_counts()
    by_state = {state: FulfilmentOrder.objects.filter(state=state).count() for state in FulfilmentOrder.State.values}
    assert counts == {**by_state, "active": by_state["open"] + by_state["picking"] + by_state["packed"],
                      "flagged": FulfilmentOrder.objects.filter(flagged=True).count()}
    assert fulfilment_counts(closed=False).keys() == {"active", "open", "picking", "packed", "flagged"}


def test_closed_tabs_stop_counting_at_the_limit(data, monkeypatch):
    monkeypatch.setattr("inventory.selectors_fulfilment.COUNT_LIMIT", 2)
    assert FulfilmentOrder.objects.filter(state="shipped").count() == 4
    assert fulfilment_counts()["shipped"] == 3  # COUNT_LIMIT + 1: more than the limit
    web = Client()
    web.force_login(data.user)
    body = web.get("/inventory/fulfilment/").content.decode()
    assert 'Shipped <span class="ff-count">2+</span>' in body
    assert 'Open <span class="ff-count">4</span>' in body  # the work to do: exact, whatever the limit


def test_the_shipped_tab_counts_its_pages_up_to_the_limit(data, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "limit", 2)
    monkeypatch.setattr("inventory.selectors_fulfilment.PAGE_SIZE", 1)
    web = Client()
    web.force_login(data.user)
    body = web.get("/inventory/fulfilment/?tab=shipped").content.decode()
    assert "1–1 of 2+" in body
