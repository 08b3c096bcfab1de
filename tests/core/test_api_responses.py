"""Real answers of the REST API, checked against the OpenAPI schema it publishes (tests/api_schema.py): a sample
of every kind of endpoint (lists, details, writes, files) and of every kind of error (400, 401, 403, 404, 409),
so that a program generated from /api/schema/ reads what the API really sends."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from integrations.models import SyncRun
from orders.models import OrderStatus
from sellers.models import User
from tests.api_schema import schema_problems
from tests.factories import make_account, make_seller_user
from tests.orders.factories import make_order
from waybills.models import TrackingPush


class CheckedClient:
    """An API client that checks each answer against the schema, keeping what does not match."""

    def __init__(self, user: User | None, problems: list[str]):
        self.client = APIClient()
        if user is not None:
            self.client.force_authenticate(user)
        self.problems = problems

    def call(self, method: str, url: str, data=None, *, status: int):
        if method == "get":
            response = self.client.get(url, data)
        else:
            response = getattr(self.client, method)(url, data, format="json")
        assert response.status_code == status, (method, url, response.content[:300])
        self.problems.extend(schema_problems(method.upper(), url, response))
        return response


@pytest.fixture
def world(db):
    seller, user = make_seller_user()
    account = make_account(seller=seller)
    order = make_order(seller=seller, account=account, status=OrderStatus.CONFIRMED)
    SyncRun.objects.create(account=account, seller=seller, trigger=SyncRun.Trigger.MANUAL)
    TrackingPush.objects.create(seller=seller, account=account, order=order, line=order.lines.get(),
                                origin=TrackingPush.Origin.INVOICE, courier_code="9999", tracking_no="QSP0000000001")
    operator = User.objects.create_user("qfc-schema", password="x", is_warehouse_operator=True)
    problems: list[str] = []
    return {"account": account, "order": order, "problems": problems,
            "seller": CheckedClient(user, problems), "operator": CheckedClient(operator, problems),
            "anonymous": CheckedClient(None, problems)}


def test_answers_match_the_schema(world):
    api, operator, account, order = world["seller"], world["operator"], world["account"], world["order"]
    run = SyncRun.objects.get()
    push = TrackingPush.objects.get()

    # Reads.
    for url in ["/api/v1/me/", "/api/v1/sales-sites/", "/api/v1/sales-site-accounts/",
                f"/api/v1/sales-site-accounts/{account.pk}/", f"/api/v1/sales-site-accounts/{account.pk}/calls/",
                "/api/v1/sync-runs/", f"/api/v1/sync-runs/{run.pk}/", "/api/v1/orders/", f"/api/v1/orders/{order.pk}/",
                "/api/v1/tracking-pushes/", "/api/v1/stock-pushes/", "/api/v1/needs-mapping/"]:
        api.call("get", url, status=200)

    # Writes, and the reads of what they made.
    manual = api.call("post", "/api/v1/manual-orders/", {
        "recipient_name": "김민준", "zip_code": "04524", "address": "서울 중구 세종대로 110",
        "recipient_mobile": "010-1234-5678",
        "items": [{"seller_code": "MUG-1", "product_name": "머그", "quantity": 2}]}, status=201).json()
    api.call("get", f"/api/v1/orders/{manual['id']}/", status=200)  # no account: no shop_id either
    api.call("get", "/api/v1/orders/", {"account": "manual"}, status=200)
    sku = api.call("post", "/api/v1/skus/", {"kind": "single", "name": "머그", "code": "MUG-1"}, status=201).json()
    api.call("patch", f"/api/v1/skus/{sku['id']}/", {"name": "머그컵"}, status=200)
    api.call("get", "/api/v1/skus/", status=200)
    api.call("get", f"/api/v1/skus/{sku['id']}/", status=200)
    operator.call("post", "/api/v1/warehouse/stock-receipts/",
                  {"option": sku["options"][0]["id"], "quantity": 5}, status=201)
    api.call("get", "/api/v1/stock-movements/", {"option": sku["options"][0]["id"]}, status=200)
    (fo,) = api.call("post", "/api/v1/fulfilment-orders/", {"order_ids": [manual["id"]]}, status=201).json()
    api.call("get", "/api/v1/fulfilment-orders/", status=200)
    api.call("get", f"/api/v1/fulfilment-orders/{fo['id']}/", status=200)
    operator.call("get", "/api/v1/warehouse/fulfilment-orders/", status=200)
    operator.call("get", f"/api/v1/warehouse/fulfilment-orders/{fo['id']}/", status=200)
    operator.call("get", "/api/v1/warehouse/couriers/", status=200)
    operator.call("post", f"/api/v1/warehouse/fulfilment-orders/{fo['id']}/start-picking/", status=200)
    batch = api.call("post", "/api/v1/waybills/print/", {"order_ids": [order.pk]}, status=201).json()
    api.call("get", f"/api/v1/waybills/batches/{batch['id']}/labels/", {"paper": "zpl"}, status=200)
    api.call("post", "/api/v1/waybills/print/", {"order_ids": [order.pk], "download": True}, status=200)
    api.call("get", "/api/v1/waybills/", status=200)
    api.call("patch", f"/api/v1/sales-site-accounts/{account.pk}/", {"is_active": False}, status=200)

    # Errors: always {"message", "code", "extra"}, with a status the operation documents.
    world["anonymous"].call("get", "/api/v1/orders/", status=401)
    api.call("get", "/api/v1/warehouse/fulfilment-orders/", status=403)
    api.call("get", "/api/v1/orders/", {"status": "bogus"}, status=400)
    api.call("get", "/api/v1/tracking-pushes/", {"order": "abc"}, status=400)
    api.call("post", "/api/v1/skus/", {"kind": "single"}, status=400)
    api.call("get", "/api/v1/orders/999999/", status=404)
    api.call("get", "/api/v1/skus/", {"page": 9}, status=404)
    api.call("post", f"/api/v1/tracking-pushes/{push.pk}/dismiss/", status=409)
    api.call("post", f"/api/v1/sales-site-accounts/{account.pk}/sync/", status=409)  # deactivated
    operator.call("post", f"/api/v1/warehouse/fulfilment-orders/{fo['id']}/ship/",
                  {"courier_code": "0002", "tracking_no": "123456789012"}, status=200)
    operator.call("post", f"/api/v1/warehouse/fulfilment-orders/{fo['id']}/pack/", status=409)  # shipped

    assert not world["problems"], "\n".join(world["problems"])
