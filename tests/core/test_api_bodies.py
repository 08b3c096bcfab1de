"""REST API request bodies: a field an endpoint does not take is refused by name and changes nothing, a
resource read with GET can be sent back as it is, and a body in a type the endpoint does not read says which
types it does."""

from __future__ import annotations

import re

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.serializers import NO_BODY, UNKNOWN_FIELD
from integrations.models import SalesSiteAccount
from inventory.models import OptionSku, Sku
from orders.models import Order
from sellers.models import User
from tests.api_schema import openapi
from tests.factories import make_account, make_seller_user
from tests.inventory.factories import make_multi, make_single

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    seller, user = make_seller_user()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return seller, client


def refused_fields(response) -> dict:
    assert response.status_code == 400, (response.status_code, response.content)
    body = response.json()
    assert body["code"] == "invalid"
    return body["extra"]["fields"]


def test_a_misspelt_option_is_refused_and_nothing_changes(api):
    seller, client = api
    account = make_account(seller=seller, auto_stock_sync=False)
    fields = refused_fields(client.patch(f"/api/v1/sales-site-accounts/{account.pk}/",
                                         {"shop_id": "new-shop", "auto_stok_sync": True}, format="json"))
    assert fields == {"auto_stok_sync": [UNKNOWN_FIELD]}
    account.refresh_from_db()
    assert account.shop_id != "new-shop" and account.auto_stock_sync is False


def test_an_account_read_with_get_can_be_sent_back_with_a_change(api):
    seller, client = api
    account = make_account(seller=seller, auto_stock_sync=False)
    read = client.get(f"/api/v1/sales-site-accounts/{account.pk}/").json()
    response = client.patch(f"/api/v1/sales-site-accounts/{account.pk}/", {**read, "auto_stock_sync": True},
                            format="json")
    assert response.status_code == 200, response.json()
    account.refresh_from_db()
    assert account.auto_stock_sync is True


def test_an_accounts_site_does_not_change(api):
    seller, client = api
    account = make_account(seller=seller)
    fields = refused_fields(client.patch(f"/api/v1/sales-site-accounts/{account.pk}/",
                                         {"site": "othersite", "shop_id": "new-shop"}, format="json"))
    assert "does not change" in fields["site"][0]
    account.refresh_from_db()
    assert account.site == "lotteon" and account.shop_id != "new-shop"


def test_a_sku_read_with_get_can_be_sent_back_with_a_change(api):
    seller, client = api
    sku = make_multi(seller=seller, options=[("TSHIRT-BLK-M", "블랙 / M")])
    read = client.get(f"/api/v1/skus/{sku.pk}/").json()
    read["options"][0]["option_values"] = "검정 / M"
    response = client.patch(f"/api/v1/skus/{sku.pk}/", {**read, "name": "티셔츠"}, format="json")
    assert response.status_code == 200, response.json()
    assert OptionSku.objects.get(sku=sku).option_values == "검정 / M"


def test_an_unknown_field_in_an_option_row_is_named_with_its_row(api):
    seller, client = api
    response = client.post("/api/v1/skus/", {"kind": "multi", "name": "반팔 티셔츠", "options": [
        {"code": "TSHIRT-BLK-M"}, {"code": "TSHIRT-BLK-L", "stock": 5}]}, format="json")
    assert refused_fields(response) == {"options": {"1": {"stock": [UNKNOWN_FIELD]}}}
    assert not Sku.objects.exists()


@pytest.mark.parametrize(("url", "body"), [
    ("/api/v1/skus/", {"kind": "single", "name": "이어폰", "code": "EARBUDS-01", "quantity": 3}),
    ("/api/v1/manual-orders/", {"recipient_name": "홍길동", "items": [], "extra": 1}),
    ("/api/v1/orders/confirm/", {"order_ids": [], "orders": [1]}),
    ("/api/v1/waybills/print/", {"order_ids": [1], "labels": "invoice"}),
    ("/api/v1/stock-sync/", {"accounts": [1]}),
])
def test_each_write_names_a_field_it_does_not_take(api, url, body):
    seller, client = api
    before = (Sku.objects.count(), Order.objects.count(), SalesSiteAccount.objects.count())
    fields = refused_fields(client.post(url, body, format="json"))
    unknown = {name for name, errors in fields.items() if errors == [UNKNOWN_FIELD]}
    assert unknown == set(body) - {"kind", "name", "code", "recipient_name", "items", "order_ids"}
    assert (Sku.objects.count(), Order.objects.count(), SalesSiteAccount.objects.count()) == before


def test_a_body_of_a_type_the_endpoint_does_not_read_names_the_types_it_does(api):
    seller, client = api
    make_single(seller=seller, code="EARBUDS-01")
    response = client.post("/api/v1/skus/", "kind=single", content_type="text/plain")
    assert response.status_code == 415
    message = response.json()["message"]
    assert "text/plain" in message and "application/json" in message and "nothing was changed" in message
    assert Sku.objects.count() == 1


def _bodyless_writes() -> list[tuple[str, str]]:
    """Every write the API schema documents without a request body, its path parameters filled with 1."""
    writes = []
    for template, operations in openapi()["paths"].items():
        for method, operation in operations.items():
            if method in {"post", "put", "patch", "delete"} and "requestBody" not in operation:
                writes.append((method, re.sub(r"\{[^}]+\}", "1", template)))
    return sorted(writes)


def test_the_schema_has_writes_without_a_body():
    # Guards the parametrisation below against a schema change that would leave it with nothing to check.
    assert ("post", "/api/v1/tracking-pushes/retry-failed/") in _bodyless_writes()
    assert ("delete", "/api/v1/sales-site-accounts/1/") in _bodyless_writes()


@pytest.mark.parametrize(("method", "url"), _bodyless_writes())
def test_a_write_without_a_body_refuses_one_by_name(method, url):
    user = make_seller_user()[1]
    if "/warehouse/" in url:
        user = User.objects.create_user("qfc-op", password="x", is_warehouse_operator=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    fields = refused_fields(getattr(client, method)(url, {"account": 3}, format="json"))
    assert fields == {"account": [UNKNOWN_FIELD]}
    fields = refused_fields(getattr(client, method)(url, [3], format="json"))
    assert fields == {"non_field_errors": [NO_BODY]}


def test_an_empty_body_or_a_browsers_form_token_is_no_body(api):
    seller, client = api
    account = make_account(seller=seller, is_active=False)
    for body, kind in (({}, "json"), (None, None), ({"csrfmiddlewaretoken": "x"}, "multipart")):
        response = client.post(f"/api/v1/sales-site-accounts/{account.pk}/sync/", body, format=kind)
        assert response.status_code == 409 and response.json()["code"] == "account_inactive"
