"""PATCH /api/v1/sales-site-accounts/{id}/ with If-Match: an edit based on an account as it was before someone
else's change is refused (412 changed_meanwhile) and changes nothing; without the header PATCH works as before."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from integrations.models import SalesSiteAccount
from integrations.services import account_update
from sellers.models import Membership, User
from tests.factories import make_account, make_seller_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    seller, _ = make_seller_user(username="demo")
    staff2 = User.objects.create_user(username="staff2", password="x")
    Membership.objects.create(user=staff2, seller=seller, role=Membership.Role.STAFF)
    account = make_account(seller=seller, shop_id="shop-a", auto_stock_sync=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=User.objects.get(username='demo')).key}")
    return account, client


def test_api_an_etag_read_before_another_change_is_refused_with_412_and_nothing_changes(api):
    account, client = api
    url = f"/api/v1/sales-site-accounts/{account.pk}/"
    etag = client.get(url)["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    account_update(account=account, shop_id="shop-a", account_number="LO10000001",
                   actor=User.objects.get(username="staff2"), auto_stock_sync=False)

    refused = client.patch(url, {"shop_id": "shop-renamed", "auto_stock_sync": True, "is_active": False},
                           format="json", HTTP_IF_MATCH=etag)
    assert refused.status_code == 412
    body = refused.json()
    assert body["code"] == "changed_meanwhile" and body["message"].startswith("staff2 changed this account")
    assert body["extra"]["changed_by"] == "staff2" and f'"{body["extra"]["version"]}"' != etag
    account.refresh_from_db()
    assert (account.shop_id, account.auto_stock_sync, account.is_active) == ("shop-a", False, True)

    current = client.get(url)["ETag"]
    assert current == f'"{body["extra"]["version"]}"'
    done = client.patch(url, {"shop_id": "shop-renamed"}, format="json", HTTP_IF_MATCH=current)
    assert done.status_code == 200, done.json()
    assert done["ETag"] != current and done.json()["auto_stock_sync"] is False
    # Without If-Match (or with *) PATCH applies to whatever is current, as before.
    assert client.patch(url, {"shop_id": "shop-b"}, format="json").status_code == 200
    assert client.patch(url, {"shop_id": "shop-c"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert SalesSiteAccount.objects.get(pk=account.pk).shop_id == "shop-c"


def test_api_another_sellers_account_is_still_404_whatever_if_match_says(api):
    _, client = api
    other_seller, _ = make_seller_user()
    other = make_account(seller=other_seller, shop_id="theirs", account_number="LO20000002")
    url = f"/api/v1/sales-site-accounts/{other.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"shop_id": "mine"}, format="json", HTTP_IF_MATCH='"x"').status_code == 404
    assert SalesSiteAccount.objects.get(pk=other.pk).shop_id == "theirs"


def test_the_schema_documents_if_match_the_etag_and_the_412():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    path = schema["paths"]["/api/v1/sales-site-accounts/{id}/"]
    assert "If-Match" in {p["name"] for p in path["patch"]["parameters"] if p["in"] == "header"}
    assert "changed_meanwhile" in path["patch"]["responses"]["412"]["description"]
    assert "ETag" in path["get"]["responses"]["200"]["headers"]
