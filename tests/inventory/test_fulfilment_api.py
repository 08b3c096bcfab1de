"""REST API of fulfilment orders, stock movements and stock pushes: token auth, seller isolation, warehouse
operators only for warehouse endpoints, errors as {message, code, extra}."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.models import FulfilmentOrder, LinkStatus, SiteOptionLink, StockPush
from inventory.services.stock import stock_receive
from orders.services.manual import ManualItem, manual_order_create
from sellers.models import User
from tests.factories import make_account, make_seller_user
from tests.inventory.factories import make_single

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def order(seller, user, code: str, quantity: int = 1):
    return manual_order_create(seller=seller, actor=user, recipient_name="김민준", zip_code="04524",
                               address="서울 중구 세종대로 110", recipient_mobile="010-1234-5678",
                               items=[ManualItem(product_name="머그", quantity=quantity, seller_code=code)])


def test_send_list_ship_and_isolation():
    seller, user = make_seller_user()
    sku = make_single(seller=seller, code="MUG-1")
    option = sku.options.get()
    first, waiting = order(seller, user, "MUG-1", 2), order(seller, user, "NOPE")
    client = api(user)

    unknown = client.post("/api/v1/fulfilment-orders/", {"order_ids": [first.pk, 999999]}, format="json")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found", unknown.json()
    refused = client.post("/api/v1/fulfilment-orders/", {"order_ids": [first.pk, waiting.pk]}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "not_ready"
    assert "1 of 1 line not mapped: NOPE" in refused.json()["message"]
    created = client.post("/api/v1/fulfilment-orders/", {"order_ids": [first.pk]}, format="json")
    assert created.status_code == 201
    (fo,) = created.json()
    assert (fo["state"], fo["origin"], fo["short"], fo["lines"][0]["option_code"], fo["lines"][0]["reserved"]) == (
        "open", "manual", True, "MUG-1", 2)
    assert client.get("/api/v1/fulfilment-orders/").json()["count"] == 1
    assert client.get(f"/api/v1/fulfilment-orders/{fo['id']}/").json()["number"] == fo["number"]

    other_seller, other_user = make_seller_user()
    other = api(other_user)
    assert other.get(f"/api/v1/fulfilment-orders/{fo['id']}/").status_code == 404
    assert other.get("/api/v1/fulfilment-orders/").json()["count"] == 0
    assert other.post("/api/v1/fulfilment-orders/", {"order_ids": [waiting.pk]}, format="json").status_code == 404
    assert other.get("/api/v1/stock-movements/").json()["count"] == 0

    # Sellers cannot use the warehouse endpoints; operators can.
    assert client.post(f"/api/v1/warehouse/fulfilment-orders/{fo['id']}/ship/", {}, format="json").status_code == 403
    assert client.post("/api/v1/warehouse/stock-receipts/", {"option": option.pk, "quantity": 1},
                       format="json").status_code == 403
    operator = api(User.objects.create_user("qfc-api", password="x", is_warehouse_operator=True))
    assert operator.get("/api/v1/warehouse/fulfilment-orders/").json()["count"] == 1
    short = operator.post(f"/api/v1/warehouse/fulfilment-orders/{fo['id']}/ship/", {}, format="json")
    assert short.status_code == 409 and short.json()["code"] == "stock_negative"
    receipt = operator.post("/api/v1/warehouse/stock-receipts/", {"option": option.pk, "quantity": 5, "note": "입고"},
                            format="json")
    assert receipt.status_code == 201 and receipt.json()["quantity"] == 5
    bad = operator.post("/api/v1/warehouse/stock-adjustments/", {"option": option.pk, "quantity": -9,
                                                                 "reason": "damaged"}, format="json")
    assert bad.status_code == 409 and "Not enough stock of MUG-1" in bad.json()["message"]
    shipped = operator.post(f"/api/v1/warehouse/fulfilment-orders/{fo['id']}/ship/", {}, format="json")
    assert shipped.status_code == 200 and shipped.json()["state"] == "shipped"
    option.refresh_from_db()
    assert (option.on_hand, option.reserved) == (3, 0)
    kinds = [m["kind"] for m in client.get("/api/v1/stock-movements/", {"option": option.pk}).json()["results"]]
    assert kinds == ["shipment", "receipt", "reservation"]
    assert operator.post("/api/v1/warehouse/fulfilment-orders/999999/ship/", {}, format="json").status_code == 404


def test_stock_push_failures_and_retry():
    seller, user = make_seller_user()
    account = make_account(seller=seller, account_number="LO66666666", auto_stock_sync=True)
    option = make_single(seller=seller, code="MUG-2").options.get()
    link = SiteOptionLink.objects.create(option=option, seller=seller, account=account, site="lotteon",
                                         site_product_id="LO1", site_option_id="LO1_1", status=LinkStatus.LINKED,
                                         source="catalog", checked_at="2026-11-01T00:00:00Z")
    stock_receive(seller=seller, option=option, quantity=2)
    push = StockPush.objects.get(link=link)
    StockPush.objects.filter(pk=push.pk).update(state="failed", dirty=False, code="9999", message="refused")
    client = api(user)
    rows = client.get("/api/v1/stock-pushes/").json()["results"]
    assert [(r["id"], r["option_code"], r["state"]) for r in rows] == [(push.pk, "MUG-2", "failed")]
    assert client.post("/api/v1/stock-pushes/retry/", {"ids": [push.pk]}, format="json").json() == {"retried": 1}
    push.refresh_from_db()
    assert push.dirty and push.state == "pending"
    twice = client.post("/api/v1/stock-pushes/retry/", {"ids": [push.pk]}, format="json")
    assert (twice.status_code, twice.json()["code"]) == (409, "nothing_to_retry"), "a double click: not a 404"
    assert twice.json()["message"].endswith("Read the list again (GET)."), "a program has no page to reload"
    assert client.post("/api/v1/stock-sync/", {}, format="json").json() == {"accounts": [account.pk]}

    _, other_user = make_seller_user()
    other = api(other_user)
    assert other.get("/api/v1/stock-pushes/").json()["count"] == 0
    assert other.post("/api/v1/stock-pushes/retry/", {"ids": [push.pk]}, format="json").status_code == 404
    assert not FulfilmentOrder.objects.exists()
