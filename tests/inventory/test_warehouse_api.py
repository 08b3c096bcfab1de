"""The QFC warehouse through the REST API alone: list, detail, start picking (one order or the pick list), pack,
Done on a flag, the carriers to choose from, ship; sellers get 403 and unknown ids 404 (no HTTP to LotteON:
manual orders without an account, the adapter's built-in carrier list)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.models import FulfilmentOrder
from inventory.services.fulfilment import fulfilment_orders_send
from inventory.services.stock import stock_receive
from orders.models import LineStatus, OrderEvent
from orders.services import hooks
from orders.services.manual import ManualItem, manual_order_create
from sellers.models import User
from tests.factories import make_seller_user
from tests.inventory.factories import make_multi

pytestmark = pytest.mark.django_db
HUGE = "9" * 25  # beyond 64 bits: an id no row can have
WH = "/api/v1/warehouse"


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def setup(settings):
    settings.LOTTEON_BASE_URL = "http://127.0.0.1:9"  # unreachable: nothing may be asked of LotteON
    seller, user = make_seller_user(name="스마트십 데모상점")
    sku = make_multi(seller=seller, name="반팔 티셔츠", options=[("TS-BLK-M", "블랙 / M"), ("TS-WHT-L", "화이트 / L")])
    black, white = sku.options.order_by("position")
    stock_receive(seller=seller, option=black, quantity=10)
    stock_receive(seller=seller, option=white, quantity=10)
    order = manual_order_create(
        seller=seller, actor=user, recipient_name="김민준", zip_code="04524", address="서울 중구 세종대로 110",
        recipient_mobile="010-1234-5678", items=[ManualItem(product_name="반팔 티셔츠", quantity=2, seller_code="TS-BLK-M"),
                                                 ManualItem(product_name="반팔 티셔츠", quantity=1, seller_code="TS-WHT-L")])
    (fo,) = fulfilment_orders_send(seller=seller, order_ids=[order.pk], actor=user)
    operator = User.objects.create_user("qfc-api-op", password="x", is_warehouse_operator=True)
    return {"seller": seller, "user": user, "order": order, "fo": fo, "black": black, "white": white,
            "operator": api(operator)}


def test_an_operator_walks_a_fulfilment_order_through_the_api_alone(setup):
    client, fo, order = setup["operator"], setup["fo"], setup["order"]

    listed = client.get(f"{WH}/fulfilment-orders/").json()
    assert [row["id"] for row in listed["results"]] == [fo.pk]

    detail = client.get(f"{WH}/fulfilment-orders/{fo.pk}/")
    assert detail.status_code == 200
    body = detail.json()
    assert (body["number"], body["state"], body["flagged"], body["tracking_no"]) == (fo.number, "open", False, "")
    assert sorted((line["option_code"], line["quantity"]) for line in body["lines"]) == [("TS-BLK-M", 2),
                                                                                          ("TS-WHT-L", 1)]

    picking = client.post(f"{WH}/fulfilment-orders/{fo.pk}/start-picking/")
    assert picking.status_code == 200 and picking.json()["state"] == "picking" and picking.json()["picked_at"]
    again = client.post(f"{WH}/fulfilment-orders/{fo.pk}/start-picking/")
    assert again.status_code == 200 and again.json()["state"] == "picking"  # already picking: stays so

    # The buyer cancels the white line after picking started: the order is flagged, a dead end until Done.
    white_line = order.lines.get(sku_option=setup["white"])
    white_line.status = LineStatus.CANCELLED
    white_line.save(update_fields=["status"])
    hooks.lines_cancelled(seller_id=order.seller_id, line_ids=[white_line.pk])
    flagged = client.get(f"{WH}/fulfilment-orders/{fo.pk}/").json()
    assert flagged["flagged"] and "TS-WHT-L" in flagged["flag_reason"]
    assert [row["id"] for row in client.get(f"{WH}/fulfilment-orders/", {"tab": "flagged"}).json()["results"]] == [
        fo.pk]
    refused = client.post(f"{WH}/fulfilment-orders/{fo.pk}/pack/")
    assert refused.status_code == 409 and refused.json()["code"] == "flagged"
    refused = client.post(f"{WH}/fulfilment-orders/{fo.pk}/ship/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "flagged"

    done = client.post(f"{WH}/fulfilment-orders/{fo.pk}/clear-flag/")
    assert done.status_code == 200 and not done.json()["flagged"]
    assert OrderEvent.objects.filter(order=order, message__startswith=f"QFC handled the flag of {fo.number}").exists()
    twice = client.post(f"{WH}/fulfilment-orders/{fo.pk}/clear-flag/")
    assert twice.status_code == 409 and twice.json()["code"] == "not_flagged"

    packed = client.post(f"{WH}/fulfilment-orders/{fo.pk}/pack/")
    assert packed.status_code == 200 and packed.json()["state"] == "packed" and packed.json()["packed_at"]

    couriers = client.get(f"{WH}/fulfilment-orders/{fo.pk}/couriers/")
    assert couriers.status_code == 200
    site = couriers.json()
    assert site["site"] == "lotteon" and site["couriers"]
    assert client.get(f"{WH}/couriers/", {"site": "lotteon"}).json() == site
    assert client.get(f"{WH}/couriers/").json() == site  # the first registered site
    cj = next(c for c in site["couriers"] if c["name"] == "CJ대한통운")

    bad = client.post(f"{WH}/fulfilment-orders/{fo.pk}/ship/", {"courier_code": "NOPE", "tracking_no": "1234"},
                      format="json")
    assert bad.status_code == 400
    # A wrong field name: the answer names the field missing and the one not taken, not "enter both".
    unnamed = client.post(f"{WH}/fulfilment-orders/{fo.pk}/ship/", {"courier": cj["code"], "tracking_no": "1234"},
                          format="json")
    assert unnamed.status_code == 400 and set(unnamed.json()["extra"]["fields"]) == {"courier_code", "courier"}
    short = client.post(f"{WH}/fulfilment-orders/{fo.pk}/ship/", {"courier_code": cj["code"], "tracking_no": "12"},
                        format="json")
    assert short.status_code == 400 and short.json()["code"] == "tracking_no_short"
    assert "send it again with short_confirmed set" in short.json()["message"]
    assert client.get(f"{WH}/fulfilment-orders/{fo.pk}/").json()["state"] == "packed"
    shipped = client.post(f"{WH}/fulfilment-orders/{fo.pk}/ship/",
                          {"courier_code": cj["code"], "tracking_no": "6012-3456-7890"}, format="json")
    assert shipped.status_code == 200, shipped.json()
    body = shipped.json()
    assert (body["state"], body["courier_code"], body["courier_name"], body["tracking_no"]) == (
        "shipped", cj["code"], "CJ대한통운", "601234567890")
    black, white = setup["black"], setup["white"]
    black.refresh_from_db()
    white.refresh_from_db()
    assert (black.on_hand, black.reserved, white.on_hand, white.reserved) == (8, 0, 10, 0)

    for action in ("start-picking", "pack"):
        late = client.post(f"{WH}/fulfilment-orders/{fo.pk}/{action}/")
        assert late.status_code == 409 and late.json()["code"] == "wrong_state", action
    assert client.get(f"{WH}/fulfilment-orders/{fo.pk}/").json()["state"] == "shipped"


def test_pick_list_starts_picking_and_answers_the_pdf(setup):
    client, fo = setup["operator"], setup["fo"]
    response = client.post(f"{WH}/fulfilment-orders/pick-list/", {"ids": [fo.pk]}, format="json")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="pick-list-1-orders.pdf"' in response["Content-Disposition"]
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "TS-BLK-M" in text and fo.number in text
    assert FulfilmentOrder.objects.get(pk=fo.pk).state == "picking"

    empty = client.post(f"{WH}/fulfilment-orders/pick-list/", {"ids": []}, format="json")
    assert empty.status_code == 400 and empty.json()["code"] == "invalid"
    FulfilmentOrder.objects.filter(pk=fo.pk).update(state="shipped")
    gone = client.post(f"{WH}/fulfilment-orders/pick-list/", {"ids": [fo.pk, 999999]}, format="json")
    assert gone.status_code == 409 and gone.json()["code"] == "nothing_to_pick"


def test_sellers_get_403_and_unknown_ids_404(setup):
    fo = setup["fo"]
    seller_client = api(setup["user"])
    gets = [f"{WH}/fulfilment-orders/{fo.pk}/", f"{WH}/fulfilment-orders/{fo.pk}/couriers/", f"{WH}/couriers/"]
    posts = [f"{WH}/fulfilment-orders/{fo.pk}/{action}/" for action in ("start-picking", "pack", "clear-flag", "ship")]
    posts.append(f"{WH}/fulfilment-orders/pick-list/")
    for url in gets:
        assert seller_client.get(url).status_code == 403, url
    for url in posts:
        assert seller_client.post(url, {"ids": [fo.pk]}, format="json").status_code == 403, url
    assert FulfilmentOrder.objects.get(pk=fo.pk).state == "open"

    client = setup["operator"]
    for pk in (999999, HUGE):
        assert client.get(f"{WH}/fulfilment-orders/{pk}/").status_code == 404
        assert client.get(f"{WH}/fulfilment-orders/{pk}/couriers/").status_code == 404
        for action in ("start-picking", "pack", "clear-flag", "ship"):
            response = client.post(f"{WH}/fulfilment-orders/{pk}/{action}/", {}, format="json")
            assert response.status_code == 404, (pk, action)
            assert set(response.json()) == {"message", "code", "extra"}
    unknown_site = client.get(f"{WH}/couriers/", {"site": "nowhere"})
    assert unknown_site.status_code == 400 and "site" in unknown_site.json()["extra"]["fields"]
