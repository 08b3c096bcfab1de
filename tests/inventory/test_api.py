"""REST API: SKUs with their options, the Excel import, Needs mapping; errors and seller isolation."""

from __future__ import annotations

import io
import json
from urllib.parse import urlencode

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.models import Sku
from orders.models import LineStatus, Order, OrderLine
from smartship.celery import app
from tests.factories import make_seller_user
from tests.inventory.factories import make_multi, make_single, xlsx

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


def _state(sku):
    sku.refresh_from_db()
    return sku.kind, sku.name, sku.code, [(o.code, o.option_values, o.is_active) for o in sku.options.order_by("pk")]


def test_option_rows_for_a_single_option_type_sku_are_refused(api):
    """Its one option SKU is the SKU itself: rows sent for it had nowhere to go and were dropped with a 200."""
    seller, client = api
    single = make_single(seller=seller, code="MUG-1", name="머그")
    before = _state(single)
    response = client.patch(f"/api/v1/skus/{single.pk}/", {"name": "새 머그", "options": [
        {"code": "MUG-2", "option_values": "블랙"}]}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and set(body["extra"]["fields"]) == {"options"}
    assert "`code` and `barcode`" in body["extra"]["fields"]["options"][0]
    assert _state(single) == before
    # Sent back empty, as a GET of it lists them after the code: nothing to refuse.
    assert client.patch(f"/api/v1/skus/{single.pk}/", {"options": []}, format="json").status_code == 200

    created = client.post("/api/v1/skus/", {"kind": "single", "name": "컵", "code": "CUP-1", "options": [
        {"code": "CUP-1-A", "option_values": "A"}]}, format="json")
    assert created.status_code == 400 and set(created.json()["extra"]["fields"]) == {"options"}
    assert Sku.objects.filter(seller=seller).count() == 1


def test_the_type_of_a_sku_does_not_change(api):
    seller, client = api
    multi = make_multi(seller=seller, options=[("TEE-M", "M")])
    before = _state(multi)
    response = client.patch(f"/api/v1/skus/{multi.pk}/", {"kind": "single", "name": "x"}, format="json")
    assert response.status_code == 400 and set(response.json()["extra"]["fields"]) == {"kind"}
    assert _state(multi) == before
    # The GET body sent back with a change is fine.
    again = client.patch(f"/api/v1/skus/{multi.pk}/", {"kind": "multi", "name": "티"}, format="json")
    assert again.status_code == 200 and again.json()["name"] == "티"


def test_activity_is_changed_by_its_actions_not_by_patch(api):
    """``is_active`` is in the SKU's GET body; PATCHed, it was dropped with a 200."""
    seller, client = api
    single = make_single(seller=seller, code="MUG-1")
    response = client.patch(f"/api/v1/skus/{single.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 400 and set(response.json()["extra"]["fields"]) == {"is_active"}
    assert "/deactivate/" in response.json()["extra"]["fields"]["is_active"][0]
    single.refresh_from_db()
    assert single.is_active
    assert client.patch(f"/api/v1/skus/{single.pk}/", {"is_active": True, "name": "머그"},
                        format="json").status_code == 200


def test_sku_writes_take_json_only(api):
    """A form body cannot carry option rows: DRF read ``options=[…]`` as none and answered 200."""
    seller, client = api
    multi = make_multi(seller=seller, options=[("TEE-M", "M")])
    before = _state(multi)
    rows = json.dumps([{"code": "TEE-L", "option_values": "L"}])
    for body in ({"data": {"name": "x", "options": rows}, "format": "multipart"},
                 {"data": urlencode({"name": "x", "options": rows}),
                  "content_type": "application/x-www-form-urlencoded"}):
        response = client.patch(f"/api/v1/skus/{multi.pk}/", **body)
        assert response.status_code == 415, response.content
        assert response.json()["code"] == "unsupported_media_type"
    assert _state(multi) == before
    created = client.post("/api/v1/skus/", {"kind": "single", "name": "컵", "code": "CUP-1"})
    assert created.status_code == 415
    assert not Sku.objects.filter(seller=seller, code="CUP-1").exists()


def test_option_rows_of_another_sku_or_seller_change_nothing(api):
    """PATCH applies rows through sku_update, as the SKU form: all or nothing, and only this SKU's option ids."""
    seller, client = api
    multi = make_multi(seller=seller, options=[("TEE-M", "M")])
    own = make_multi(seller=seller, options=[("CAP-1", "1")], code="CAP").options.get()
    other, _ = make_seller_user()
    foreign = make_multi(seller=other, options=[("X-1", "1")], code="X").options.get()
    before = _state(multi)
    for stranger in (own, foreign):
        response = client.patch(f"/api/v1/skus/{multi.pk}/", {"name": "x", "options": [
            {"code": "TEE-L", "option_values": "L"},
            {"id": stranger.pk, "code": "TEE-S", "option_values": "S"}]}, format="json")
        assert response.status_code == 400
        assert set(response.json()["extra"]["fields"]) == {"options.1.code"}
    assert _state(multi) == before
    foreign.refresh_from_db()
    assert foreign.code == "X-1"


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

