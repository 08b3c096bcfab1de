"""QFC ▸ Stock ▸ Adjustment from a page drawn before someone else changed on hand.

An adjustment corrects a count ("5 on the shelf, the page says 3: +2"). Two operators who counted the same
shelf from pages showing 3 would both book +2; the second is refused, names the figure now and who changed it,
and keeps what was typed so it can be sent again after a look."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from inventory.models import StockMovement
from inventory.services.stock import stock_adjust, stock_receive
from sellers.models import User
from tests.factories import make_seller_user
from tests.inventory.factories import make_single

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    seller, _ = make_seller_user()
    option = make_single(seller=seller, code="EARBUDS-01").options.get()
    stock_receive(seller=seller, option=option, quantity=3)
    return seller, option


def operator(name: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.create_user(name, password="x", is_warehouse_operator=True))
    return client


def adjustment_form(page: str) -> dict[str, str]:
    form = re.search(r'<form[^>]*id="adjustment-form".*?</form>', page, re.S).group(0)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def test_a_correction_from_a_page_drawn_before_another_is_refused_and_can_be_sent_again(shelf):
    seller, option = shelf
    first, second = operator("qfc-kim"), operator("qfc-lee")
    url = reverse("inventory:stock")
    seen_first = adjustment_form(first.get(url, {"option": option.pk}).content.decode())
    seen_second = adjustment_form(second.get(url, {"option": option.pk}).content.decode())
    assert seen_first["on_hand_seen"] == seen_second["on_hand_seen"] == "3"

    counted = {"quantity": 2, "reason": "count", "note": "선반 재고 5개"}
    assert first.post(url, {**seen_first, **counted}).status_code == 302
    refused = second.post(url, {**seen_second, **counted})
    page = refused.content.decode()
    assert refused.status_code == 409
    assert "On hand of EARBUDS-01 changed since this page was shown: 3 then, 5 now" in page
    assert "by qfc-kim" in page and "Nothing was adjusted" in page
    option.refresh_from_db()
    assert option.on_hand == 5
    assert StockMovement.objects.filter(option=option, kind="adjustment").count() == 1

    # The page now stands for 5 and keeps what was typed: after a look, the same press applies it.
    again = adjustment_form(page)
    assert again["on_hand_seen"] == "5"
    assert re.search(r'name="quantity" value="2"', page)
    assert second.post(url, {**again, **counted}).status_code == 302
    option.refresh_from_db()
    assert option.on_hand == 7


def test_a_receipt_meanwhile_also_counts_as_a_change(shelf):
    seller, option = shelf
    stock_receive(seller=seller, option=option, quantity=4)
    with pytest.raises(Exception) as refused:
        stock_adjust(seller=seller, option=option, quantity=-1, reason="damaged", on_hand_seen=3)
    assert refused.value.code == "stock_changed" and refused.value.extra == {"on_hand": 7, "on_hand_seen": 3}
    stock_adjust(seller=seller, option=option, quantity=-1, reason="damaged", on_hand_seen=7)
    option.refresh_from_db()
    assert option.on_hand == 6


def test_the_api_takes_the_figure_seen_and_without_it_adjusts_whatever_on_hand_is(shelf):
    seller, option = shelf
    client = APIClient()
    client.force_authenticate(User.objects.create_user("qfc-api", password="x", is_warehouse_operator=True))
    url = "/api/v1/warehouse/stock-adjustments/"
    body = {"option": option.pk, "quantity": 1, "reason": "found"}
    stale = client.post(url, {**body, "on_hand_seen": 2}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stock_changed"
    assert stale.json()["extra"] == {"on_hand": 3, "on_hand_seen": 2}
    assert client.post(url, {**body, "on_hand_seen": 3}, format="json").status_code == 201
    assert client.post(url, body, format="json").status_code == 201
    option.refresh_from_db()
    assert option.on_hand == 5
