"""REST API: SKUs with their options, the Excel import, Needs mapping; errors and seller isolation."""

from __future__ import annotations

import io

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.models import Sku
from orders.models import LineStatus, Order, OrderLine
from smartship.celery import app
from tests.factories import make_seller_user
from tests.inventory.factories import make_single, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    seller, user = make_seller_user()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return seller, client


def test_create_list_update_deactivate(api):
    seller, client = api
    created = client.post("/api/v1/skus/", {"kind": "multi", "name": "반팔 티셔츠", "code": "TSHIRT", "options": [
        {"code": "TSHIRT-BLK-M", "option_values": "블랙 / M"}, {"code": "TSHIRT-BLK-L", "option_values": "블랙 / L"},
    ]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert [o["code"] for o in body["options"]] == ["TSHIRT-BLK-M", "TSHIRT-BLK-L"]
    assert body["options"][0]["available"] == 0 and body["link"]["state"] == "no_account"
    single = client.post("/api/v1/skus/", {"kind": "single", "name": "이어폰", "code": "EARBUDS-01",
                                           "barcode": "880"}, format="json").json()
    assert single["options"][0]["barcode"] == "880"

    listed = client.get("/api/v1/skus/", {"q": "blk-l"}).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    assert client.get("/api/v1/skus/", {"kind": "single"}).json()["count"] == 1

    first = body["options"][0]
    patched = client.patch(f"/api/v1/skus/{body['id']}/", {"name": "티셔츠", "options": [
        {"id": first["id"], "code": "TSHIRT-BLK-M", "option_values": "검정 / M", "is_active": False},
        {"code": "TSHIRT-WHT-M", "option_values": "흰색 / M"},
    ]}, format="json").json()
    assert patched["name"] == "티셔츠" and len(patched["options"]) == 3
    assert patched["options"][0]["option_values"] == "검정 / M" and not patched["options"][0]["is_active"]

    off = client.post(f"/api/v1/skus/{single['id']}/deactivate/").json()
    assert off["is_active"] is False
    assert client.get("/api/v1/skus/", {"status": "inactive"}).json()["count"] == 1
    assert client.post(f"/api/v1/skus/{single['id']}/activate/").json()["is_active"] is True


def test_errors_are_clear_json(api):
    seller, client = api
    make_single(seller=seller, code="TAKEN-1", name="기존")
    duplicate = client.post("/api/v1/skus/", {"kind": "single", "name": "새", "code": "taken-1"}, format="json")
    assert duplicate.status_code == 400
    body = duplicate.json()
    assert set(body) == {"message", "code", "extra"} and body["code"] == "invalid"
    assert "is already the Seller defined code of SKU “기존”" in body["extra"]["fields"]["code"][0]
    rows = client.post("/api/v1/skus/", {"kind": "multi", "name": "x", "options": [
        {"code": "A", "option_values": ""}, {"code": "a", "option_values": "b"}]}, format="json").json()
    assert set(rows["extra"]["fields"]) == {"options.0.option_values", "options.1.code"}
    assert client.post("/api/v1/skus/", {"kind": "multi", "name": "x"}, format="json").status_code == 400
    assert client.post("/api/v1/skus/", {"kind": "bundle", "name": "x"}, format="json").status_code == 400
    assert Sku.objects.filter(seller=seller).count() == 1


def test_another_sellers_sku_is_404(api):
    _, client = api
    other, _ = make_seller_user()
    foreign = make_single(seller=other, code="F-1")
    assert client.get(f"/api/v1/skus/{foreign.pk}/").status_code == 404
    assert client.patch(f"/api/v1/skus/{foreign.pk}/", {"name": "x"}, format="json").status_code == 404
    assert client.post(f"/api/v1/skus/{foreign.pk}/deactivate/").status_code == 404
    assert client.get("/api/v1/skus/").json()["count"] == 0
    assert APIClient().get("/api/v1/skus/").status_code in (401, 403)


def test_import_job_and_needs_mapping(api, django_capture_on_commit_callbacks):
    seller, client = api
    order = Order.objects.create(seller=seller, site="lotteon", order_no="2026112700000009", recipient_name="김",
                                 address="서울", status="confirmed")
    OrderLine.objects.create(order=order, seller=seller, line_no="1", product_name="티셔츠", option_name="블랙 / M",
                             seller_product_code="TSHIRT", seller_option_code="TSHIRT-BLK-M", quantity=2,
                             status=LineStatus.CONFIRMED)
    waiting = client.get("/api/v1/needs-mapping/").json()
    assert waiting["results"] == [{"code": "TSHIRT-BLK-M", "is_product_code": False, "product_code": "TSHIRT",
                                   "product_name": "티셔츠", "option_name": "블랙 / M", "lines": 1, "orders": 1,
                                   "quantity": 2, "first_at": waiting["results"][0]["first_at"]}]

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        upload = io.BytesIO(xlsx([["TSHIRT-BLK-M", "티셔츠", "블랙 / M", "TSHIRT", None, None],
                                  ["", "빈 코드", None, None, None, None]]))
        upload.name = "skus.xlsx"
        with django_capture_on_commit_callbacks(execute=True):
            job = client.post("/api/v1/sku-imports/", {"file": upload}, format="multipart")
        assert job.status_code == 202 and job.json()["status"] == "queued"
        done = client.get(f"/api/v1/sku-imports/{job.json()['id']}/").json()
        assert done["status"] == "rejected" and done["finished"]
        assert done["errors"] == [{"row": 3, "column": "SKU Seller Management Code",
                                   "message": "Enter the Seller defined code."}]

        good = io.BytesIO(xlsx([["TSHIRT-BLK-M", "티셔츠", "블랙 / M", "TSHIRT", None, None]]))
        good.name = "skus.xlsx"
        with django_capture_on_commit_callbacks(execute=True):
            job = client.post("/api/v1/sku-imports/", {"file": good}, format="multipart").json()
        done = client.get(f"/api/v1/sku-imports/{job['id']}/").json()
        assert (done["status"], done["skus_created"], done["lines_mapped"]) == ("succeeded", 1, 1)
    finally:
        app.conf.task_always_eager = previous
    assert client.get("/api/v1/needs-mapping/").json()["count"] == 0

    bad = io.BytesIO(b"hello")
    bad.name = "skus.xlsx"
    refused = client.post("/api/v1/sku-imports/", {"file": bad}, format="multipart")
    assert refused.status_code == 400 and "not an Excel workbook" in refused.json()["extra"]["fields"]["file"][0]
    other, other_user = make_seller_user()
    stranger = APIClient()
    stranger.force_authenticate(other_user)
    assert stranger.get(f"/api/v1/sku-imports/{job['id']}/").status_code == 404


def test_schema_lists_the_inventory_endpoints(api):
    _, client = api
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/skus/", "/api/v1/sku-imports/", "/api/v1/needs-mapping/", "check-link"):
        assert path in schema

