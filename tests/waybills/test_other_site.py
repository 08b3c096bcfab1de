"""Waybills and QFC for an order of a second marketplace that takes no tracking numbers (tests/othersite:
OtherSite declares ORDER_INTEGRATION only; its adapter has no couriers(), push_tracking, resolve_tracking,
own_number_courier or tracking_no_normalize). Printing, receiving, fulfilment and the push sweep ask the
registry what the site supports: nothing 500s, nothing is queued for the site, and nothing is ever asked of
its adapter that it lacks. The orders are written with the ORM (no order sync)."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from integrations.models import SalesSiteAccount
from inventory.models import FulfilmentOrder
from inventory.services.fulfilment import fulfilment_orders_send
from inventory.services.stock import stock_receive
from orders.models import LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from sellers.models import User
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.inventory.factories import make_single
from tests.orders.factories import make_order
from waybills import selectors
from waybills.models import TrackingPush, Waybill, WaybillKind
from waybills.services.couriers import couriers_refresh
from waybills.services.push import tracking_push
from waybills.services.tracking import tracking_record

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def adapter_calls(other_site, monkeypatch):
    """Every OtherSite adapter made (through the registry's dotted path) and every attribute asked of one
    that it does not have: the tests assert that the second list stays empty."""
    created, missing = [], []

    class Recording(other_site.OtherSiteAdapter):
        def __init__(self, config):
            super().__init__(config)
            created.append(self)

        def __getattr__(self, name):
            missing.append(name)
            raise AttributeError(name)

    monkeypatch.setattr(other_site, "OtherSiteAdapter", Recording)
    return {"created": created, "missing": missing}


@pytest.fixture
def shop(other_site, adapter_calls, settings):
    cache.clear()
    settings.LOTTEON_BASE_URL = "http://127.0.0.1:9"  # no LotteON here: nothing may reach it
    seller, user = make_seller_user(name="다른마켓 상점")
    account = SalesSiteAccount(seller=seller, site="othersite", shop_id="os-shop", account_number="OS12345")
    account.set_api_key(other_site.GOOD_KEY)
    account.save()
    return seller, user, account


def other_order(seller, account, **fields) -> Order:
    fields.setdefault("lines", [{"seller_option_code": "OS-TS-BLK-M", "quantity": 2},
                                {"line_no": "2", "product_name": "머그", "seller_option_code": "OS-MUG"}])
    return make_order(seller=seller, account=account, site="othersite", status=OrderStatus.CONFIRMED,
                      order_no=f"OS-{Order.objects.count() + 1001}", **fields)


def login(client, user):
    client.logout()
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def operator():
    return User.objects.create_user(username="qfc", password=PASSWORD, is_warehouse_operator=True)


def test_the_registry_decides_carriers_and_number_rules(shop, adapter_calls):
    seller, user, account = shop
    assert couriers_refresh(site="othersite", account=account, force=True) is False
    assert adapter_calls["created"] == []  # the site has no carrier list: its adapter is not even made
    couriers = selectors.courier_list(site="othersite")
    assert couriers == list(selectors.GENERIC_COURIERS) and {"CJ", "ETC"} <= {c.code for c in couriers}
    assert selectors.courier_find(site="othersite", value="CJ대한통운").code == "CJ"
    assert selectors.courier_find(site="othersite", value="0002") is None  # LotteON's codes are LotteON's
    # LotteON keeps its own list and rule.
    assert "0002" in {c.code for c in selectors.courier_list(site="lotteon")}
    assert selectors.tracking_no_normalize(site="othersite", value="1234-5678-9012-3456-78") == "123456789012345678"
    with pytest.raises(ValueError):
        selectors.tracking_no_normalize(site="lotteon", value="1234-5678-9012-3456-78")  # LotteON: at most 15
    with pytest.raises(ValueError, match="1 to 30"):
        selectors.tracking_no_normalize(site="othersite", value="ABC_123")
    assert selectors.own_number_courier("othersite").code == ""
    assert selectors.own_number_courier("lotteon").code == "9999"
    assert adapter_calls["missing"] == []


def test_invoice_prints_ships_at_once_and_queues_no_push(client, shop, adapter_calls):
    seller, user, account = shop
    order = other_order(seller, account)
    login(client, user)
    page = client.get("/waybills/print/")
    assert page.status_code == 200 and order.order_no in page.content.decode()
    assert "not pushed" in page.content.decode()

    response = client.post("/waybills/print/", {"order_ids": [order.pk], "kind": "invoice", "paper": "label"},
                           follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "1 invoice ready to download" in text and "does not take tracking numbers from SmartShip" in text

    waybill = Waybill.objects.get(order=order)
    assert waybill.kind == WaybillKind.INVOICE and waybill.number.startswith("QSP")
    assert (waybill.courier_code, waybill.courier_name, waybill.tracking_no) == ("", "기타택배", waybill.number)
    assert not TrackingPush.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert set(order.lines.values_list("status", flat=True)) == {LineStatus.SHIPPED}
    told = OrderEvent.objects.filter(order=order, message__contains="does not take tracking numbers from SmartShip")
    assert told.filter(message__contains=f"enter {waybill.number}").exists()

    batch = response.context["batch"]
    pdf = client.get(f"/waybills/batches/{batch.pk}/download/?paper=label")
    content = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    label = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert waybill.number in label and "OtherSite" in label
    tracking = client.get(f"/waybills/orders/{order.pk}/")
    assert tracking.status_code == 200 and "OtherSite does not take tracking numbers" in tracking.content.decode()
    assert adapter_calls["missing"] == []


def test_invoice_for_a_lotteon_order_still_queues_its_push(client, shop, adapter_calls):
    seller, user, account = shop
    lotte = make_account(seller=seller)
    order = make_order(seller=seller, account=lotte, status=OrderStatus.CONFIRMED)
    other = other_order(seller, account)
    login(client, user)
    client.post("/waybills/print/", {"order_ids": [order.pk, other.pk], "kind": "invoice", "paper": "label"})
    push = TrackingPush.objects.get()
    assert (push.order_id, push.account_id, push.courier_code) == (order.pk, lotte.pk, "9999")
    assert Waybill.objects.get(order=order).courier_name == "기타택배"
    order.refresh_from_db()
    other.refresh_from_db()
    assert (order.status, other.status) == (OrderStatus.READY, OrderStatus.SHIPPED)
    assert selectors.accounts_with_pushes() == [lotte.pk]


def test_packing_label_received_at_qfc_is_recorded_and_shipped_without_a_push(client, shop, operator, adapter_calls):
    seller, user, account = shop
    order = other_order(seller, account)
    login(client, user)
    client.post("/waybills/print/", {"order_ids": [order.pk], "kind": "packing", "paper": "label"})
    label = Waybill.objects.get(order=order, kind=WaybillKind.PACKING).number
    order.refresh_from_db()
    assert order.status == OrderStatus.READY

    login(client, operator)
    lookup = client.get("/waybills/receiving/lookup/", {"label": label}).json()
    assert lookup["ok"] and lookup["courier_site"] == "othersite"
    assert {"code": "CJ", "name": "CJ대한통운"} in lookup["couriers"]
    page = client.get("/waybills/receiving/", {"label": label}).content.decode()
    assert "CJ대한통운 (CJ)" in page and "(0002)" not in page  # the order's site's carriers, not LotteON's

    def scan(courier, number):
        response = client.post("/waybills/receiving/", {"label": label, "courier": courier, "tracking_no": number},
                               HTTP_ACCEPT="application/json")
        return response.status_code, response.json()

    status, body = scan("0002", "5555-6666-7777")
    assert (status, body["code"]) == (400, "unknown_courier")
    status, body = scan("CJ", "5555_6666")
    assert (status, body["code"]) == (400, "invalid_tracking_no") and "15" not in body["message"]
    status, body = scan("CJ", "5555-6666-7777-8888-99")  # 18 characters: fine for OtherSite
    assert status == 200 and body["ok"], body
    assert "not pushed" in body["message"] and "OtherSite" in body["message"]

    waybill = Waybill.objects.get(number=label)
    assert (waybill.status, waybill.courier_code, waybill.courier_name, waybill.tracking_no) == (
        Waybill.Status.RECEIVED, "CJ", "CJ대한통운", "555566667777888899")
    assert not TrackingPush.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert order.events.filter(message__contains="CJ대한통운 555566667777888899").filter(
        message__contains="not pushed: OtherSite does not take tracking numbers").exists()
    assert adapter_calls["missing"] == []


def test_receiving_api_for_an_other_site_parcel(client, shop, operator, adapter_calls):
    from rest_framework.authtoken.models import Token

    seller, user, account = shop
    order = other_order(seller, account)
    login(client, user)
    client.post("/waybills/print/", {"order_ids": [order.pk], "kind": "packing", "paper": "label"})
    label = Waybill.objects.get(order=order).number
    token = Token.objects.create(user=operator)
    response = client.post("/api/v1/receiving/scans/", {"label": label, "courier_code": "LOGEN",
                                                        "tracking_no": "4455 6677 8899"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 201, response.content
    assert (response.json()["courier_code"], response.json()["tracking_no"]) == ("LOGEN", "445566778899")
    assert not TrackingPush.objects.exists()
    assert adapter_calls["missing"] == []


def test_fulfilment_detail_and_ship_of_an_other_site_order(client, shop, operator, adapter_calls):
    seller, user, account = shop
    sku = make_single(seller=seller, code="OS-MUG", name="머그")
    option = sku.options.get()
    stock_receive(seller=seller, option=option, quantity=5)
    order = other_order(seller, account, lines=[{"seller_product_code": "OS-MUG", "quantity": 2,
                                                 "sku_option": option}])
    (fo,) = fulfilment_orders_send(seller=seller, order_ids=[order.pk], actor=user)

    login(client, operator)
    url = reverse("inventory:fulfilment-detail", args=[fo.pk])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "CJ대한통운 (CJ)" in text and "OtherSite does not take tracking numbers from SmartShip" in text

    response = client.post(url, {"action": "ship", "courier": "HANJIN", "tracking_no": "3344-5566-7788"}, follow=True)
    assert response.status_code == 200
    assert "Not pushed: OtherSite does not take tracking numbers" in response.content.decode()
    fo.refresh_from_db()
    assert (fo.state, fo.courier_code, fo.tracking_no) == (FulfilmentOrder.State.SHIPPED, "HANJIN", "334455667788")
    assert not TrackingPush.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    shipped = OrderEvent.objects.filter(order=order, message__contains=fo.number).values_list("message", flat=True)
    assert not [m for m in shipped if "sent to the sales site" in m], "nothing was sent: the timeline says so"
    assert adapter_calls["missing"] == []


def test_tracking_record_for_other_site_lines_pushes_nothing(shop, adapter_calls):
    seller, user, account = shop
    order = other_order(seller, account)
    ids = list(order.lines.values_list("pk", flat=True))
    recorded = tracking_record(seller_id=seller.pk, line_ids=ids, courier_code="CJ대한통운",
                               tracking_no="1111-2222-3333", actor=user, origin=TrackingPush.Origin.FULFILMENT)
    assert (recorded.courier.code, recorded.tracking_no, recorded.pushes) == ("CJ", "111122223333", [])
    assert sorted(recorded.not_pushed) == sorted(ids)
    assert not TrackingPush.objects.exists()
    assert set(OrderLine.objects.filter(pk__in=ids).values_list("status", flat=True)) == {LineStatus.SHIPPED}
    assert adapter_calls["missing"] == []


def test_push_sweep_and_command_skip_a_site_without_tracking_push(shop, adapter_calls, capsys):
    """No row is created for such a site; one left from before (the site lost TRACKING_PUSH) is closed
    without asking the adapter, its line counts as shipped, and the sweep never lists the account."""
    seller, user, account = shop
    order = other_order(seller, account)
    line = order.lines.first()
    left = TrackingPush.objects.create(seller=seller, account=account, order=order, line=line,
                                       kind=TrackingPush.Kind.SHIP, origin=TrackingPush.Origin.INVOICE,
                                       courier_code="9999", tracking_no="QSP000000000018",
                                       state=TrackingPush.State.UNKNOWN)
    assert selectors.accounts_with_pushes() == []
    assert selectors.accounts_with_pushes(include_held=True) == []

    call_command("push_tracking")
    assert "Nothing to push" in capsys.readouterr().out
    call_command("push_tracking", "--account", str(account.pk))
    assert "OtherSite does not take tracking numbers" in capsys.readouterr().out

    left.refresh_from_db()
    assert (left.state, left.last_code) == (TrackingPush.State.CANCELLED, "not_supported")
    line.refresh_from_db()
    assert line.status == LineStatus.SHIPPED
    stats = tracking_push(account_id=account.pk)  # nothing left: still nothing asked of the adapter
    assert stats.not_supported == "OtherSite" and not stats.error
    assert adapter_calls["created"] == [] and adapter_calls["missing"] == []
