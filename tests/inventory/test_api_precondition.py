"""PATCH /api/v1/skus/{id}/ with If-Match: an edit based on a SKU as it was before someone else's change is
refused (412 changed_meanwhile) and changes nothing; without the header PATCH works as before."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.models import OptionSku, Sku
from inventory.services.skus import sku_update
from inventory.services.stock import stock_receive
from sellers.models import User
from tests.factories import make_seller_user
from tests.inventory.factories import make_multi, make_single

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    seller, user = make_seller_user(username="bot")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return seller, client


def test_an_etag_read_before_another_change_is_refused_with_412_and_nothing_changes(api):
    seller, client = api
    sku = make_multi(seller=seller, name="데일리 노트북 백팩", options=[("BAG-BLK", "블랙"), ("BAG-GRY", "그레이")])
    url = f"/api/v1/skus/{sku.pk}/"
    read = client.get(url)
    etag = read["ETag"]
    assert etag.startswith('"') and etag.endswith('"')

    colleague = User.objects.create_user(username="staff2")
    sku_update(sku=sku, name="백팩 이름변경-A", code="", options=[], actor=colleague)

    black = read.json()["options"][0]
    refused = client.patch(url, {"options": [{"id": black["id"], "code": "BAG-BLK", "option_values": "블랙",
                                              "barcode": "8801234567890"}]}, format="json", HTTP_IF_MATCH=etag)
    assert refused.status_code == 412
    body = refused.json()
    assert body["code"] == "changed_meanwhile" and body["message"].startswith("staff2 changed this SKU")
    assert body["extra"]["changed_by"] == "staff2" and f'"{body["extra"]["version"]}"' != etag
    assert Sku.objects.get(pk=sku.pk).name == "백팩 이름변경-A"
    assert OptionSku.objects.get(pk=black["id"]).barcode == ""

    # With the current ETag (or none) the same edit applies.
    current = client.get(url)["ETag"]
    assert current == f'"{body["extra"]["version"]}"'
    done = client.patch(url, {"options": [{"id": black["id"], "code": "BAG-BLK", "option_values": "블랙",
                                           "barcode": "8801234567890"}]}, format="json", HTTP_IF_MATCH=current)
    assert done.status_code == 200, done.json()
    assert done["ETag"] != current and done.json()["name"] == "백팩 이름변경-A"
    assert OptionSku.objects.get(pk=black["id"]).barcode == "8801234567890"


def test_without_if_match_or_with_star_patch_works_as_before_and_stock_does_not_change_the_etag(api):
    seller, client = api
    sku = make_single(seller=seller, code="EAR-01", name="무선 이어폰")
    url = f"/api/v1/skus/{sku.pk}/"
    etag = client.get(url)["ETag"]
    stock_receive(seller=seller, option=sku.options.get(), quantity=4)
    assert client.get(url)["ETag"] == etag, "stock figures are not part of the version"
    assert client.patch(url, {"name": "A"}, format="json").status_code == 200
    assert client.patch(url, {"name": "B"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    # Several ETags: one of them current is enough; a weak one never matches (If-Match compares strongly).
    current = client.get(url)["ETag"]
    assert client.patch(url, {"name": "C"}, format="json", HTTP_IF_MATCH=f'"old", {current}').status_code == 200
    assert client.patch(url, {"name": "D"}, format="json", HTTP_IF_MATCH=f"W/{client.get(url)['ETag']}").status_code == 412
    assert Sku.objects.get(pk=sku.pk).name == "C"


def test_another_sellers_sku_is_still_404_whatever_if_match_says(api):
    seller, client = api
    other_seller, _ = make_seller_user()
    other = make_single(seller=other_seller, code="X-1", name="남의 상품")
    assert client.patch(f"/api/v1/skus/{other.pk}/", {"name": "mine"}, format="json",
                        HTTP_IF_MATCH='"x"').status_code == 404
    assert Sku.objects.get(pk=other.pk).name == "남의 상품"


def test_the_schema_documents_if_match_the_etag_and_the_412():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    patch = schema["paths"]["/api/v1/skus/{id}/"]["patch"]
    headers = {p["name"] for p in patch["parameters"] if p["in"] == "header"}
    assert "If-Match" in headers
    assert "changed_meanwhile" in patch["responses"]["412"]["description"]
    assert patch["responses"]["412"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "ETag" in schema["paths"]["/api/v1/skus/{id}/"]["get"]["responses"]["200"]["headers"]
