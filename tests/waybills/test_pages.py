"""Print Waybill, downloads, receiving, push failures and the REST API through Django's test client:
rules, refusals that change nothing, seller isolation and the warehouse operator's access."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from rest_framework.authtoken.models import Token

from orders.models import LineStatus, Order, OrderLine, OrderStatus
from sellers.models import User
from tests.factories import PASSWORD, make_account, make_seller_user
from waybills.labels.numbers import packing_format
from waybills.models import NumberCounter, PrintBatch, TrackingPush, Waybill, WaybillKind
from waybills.services.numbers import numbers_issue

pytestmark = [pytest.mark.django_db]


def make_order(seller, account=None, *, status=OrderStatus.CONFIRMED, lines=1, manual=False, name="홍길동") -> Order:
    count = Order.objects.count() + 1
    order = Order.objects.create(
        seller=seller, account=account, site="lotteon" if account or not manual else "",
        source=Order.Source.MANUAL if manual else Order.Source.PULLED, order_no=f"20261127{count:08d}",
        status=status, recipient_name=name, recipient_mobile="010-1111-2222", zip_code="06236",
        address="서울특별시 강남구 테헤란로 1", delivery_message="문 앞")
    line_status = {OrderStatus.CONFIRMED: LineStatus.CONFIRMED, OrderStatus.READY: LineStatus.CONFIRMED,
                   OrderStatus.NEW: LineStatus.NEW, OrderStatus.SHIPPED: LineStatus.SHIPPED,
                   OrderStatus.CANCELLED: LineStatus.CANCELLED}[status]
    for n in range(1, lines + 1):
        OrderLine.objects.create(order=order, seller=seller, line_no=str(n), product_name=f"상품 {n}",
                                 option_name="블랙", quantity=n, status=line_status, seller_option_code=f"CODE-{n}",
                                 site_product_id="LO1", site_option_id="LO1_2")
    return order


@pytest.fixture
def seller_client(client):
    seller, user = make_seller_user(name="셀러 A")
    account = make_account(seller=seller)
    client.login(username=user.username, password=PASSWORD)
    client.seller, client.user, client.account = seller, user, account
    return client


@pytest.fixture
def operator():
    return User.objects.create_user(username="qfc", password=PASSWORD, is_warehouse_operator=True)


def test_numbers_are_unique_and_never_reused():
    first = numbers_issue(kind=WaybillKind.INVOICE, count=3)
    second = numbers_issue(kind=WaybillKind.INVOICE, count=2)
    assert len(set(first + second)) == 5 and first[0] < first[-1] < second[0]
    assert NumberCounter.objects.get(name="qsp").last_value >= 5
    labels = numbers_issue(kind=WaybillKind.PACKING, count=1)
    assert labels[0].startswith("PK")


def test_a_deleted_waybills_number_is_never_issued_again(seller_client):
    order = make_order(seller_client.seller, seller_client.account)
    seller_client.post("/waybills/print/", {"order_ids": [order.pk], "kind": "invoice", "paper": "label"})
    first = Waybill.objects.get().number
    Waybill.objects.all().delete()
    seller_client.post("/waybills/print/", {"order_ids": [order.pk], "kind": "invoice", "paper": "label"})
    assert Waybill.objects.get().number > first


def test_print_page_lists_orders_ready_to_ship_and_prints_a_batch(seller_client):
    ready = make_order(seller_client.seller, seller_client.account, lines=2, name="김민준")
    manual = make_order(seller_client.seller, manual=True, name="박서준")
    new = make_order(seller_client.seller, seller_client.account, status=OrderStatus.NEW, name="새주문")
    shipped = make_order(seller_client.seller, seller_client.account, status=OrderStatus.SHIPPED, name="발송됨")
    other_seller, _ = make_seller_user()
    foreign = make_order(other_seller, name="남의주문")

    page = seller_client.get("/waybills/print/").content.decode()
    assert "김민준" in page and "박서준" in page
    assert "새주문" not in page and "발송됨" not in page and "남의주문" not in page
    assert "nothing is pushed" in page

    response = seller_client.post("/waybills/print/", {"order_ids": [ready.pk, manual.pk], "kind": "invoice",
                                                       "paper": "label"})
    batch = PrintBatch.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"batch={batch.pk}")
    assert batch.label_count == 2 and batch.seller == seller_client.seller
    assert TrackingPush.objects.filter(order=ready).count() == 2 and not TrackingPush.objects.filter(order=manual)
    ready.refresh_from_db()
    manual.refresh_from_db()
    assert ready.status == OrderStatus.READY and manual.status == OrderStatus.SHIPPED

    page = seller_client.get(response["Location"]).content.decode()
    assert f"Batch {batch.pk}: 2 invoices" in page

    pdf = seller_client.get(f"/waybills/batches/{batch.pk}/download/?paper=label")
    assert pdf["Content-Type"] == "application/pdf" and "attachment" in pdf["Content-Disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages)
    numbers = list(Waybill.objects.order_by("pk").values_list("number", flat=True))
    assert all(n in text for n in numbers) and "김민준" in text and "Manual order: not pushed" in text
    zpl = b"".join(seller_client.get(f"/waybills/batches/{batch.pk}/download/?paper=zpl").streaming_content)
    assert zpl.decode().count("^XA") == 2
    a4 = seller_client.get(f"/waybills/batches/{batch.pk}/download/?paper=a4")
    assert len(PdfReader(io.BytesIO(b"".join(a4.streaming_content))).pages) == 1

    for refused, why in ((new, "not confirmed yet"), (shipped, "already shipped")):
        response = seller_client.post("/waybills/print/", {"order_ids": [ready.pk, refused.pk], "kind": "invoice",
                                                           "paper": "label"}, follow=True)
        assert why in response.content.decode() and PrintBatch.objects.count() == 1, "nothing changed"
    response = seller_client.post("/waybills/print/", {"order_ids": [foreign.pk], "kind": "invoice",
                                                       "paper": "label"}, follow=True)
    assert "not found" in response.content.decode() and not Waybill.objects.filter(order=foreign).exists()


@pytest.mark.parametrize("params", [
    {"date_from": "2026-11-28", "date_to": "2026-11-20"},
    {"date_from": "2026-11-28", "date_to": "2026-11-20", "kind": "packing"},
    {"account": "999"},
    {"printed": "maybe"},
])
def test_print_filters_that_cannot_be_applied_list_nothing_and_offer_clear_filters(seller_client, params):
    make_order(seller_client.seller, seller_client.account, name="김민준")
    page = seller_client.get("/waybills/print/", params).content.decode()
    assert "김민준" not in page and 'name="order_ids"' not in page, "not the orders the filters did not choose"
    assert "Fix the filters to see orders" in page
    clear = "/waybills/print/?kind=packing" if params.get("kind") == "packing" else "/waybills/print/"
    assert page.count(f'<a class="btn" href="{clear}">Clear filters</a>') == 2, "what is printed stays"


def test_print_offers_clear_filters_whenever_a_filter_or_the_search_is_on(seller_client):
    make_order(seller_client.seller, seller_client.account, name="김민준")
    for params in ({"q": "김민준"}, {"account": str(seller_client.account.pk)}, {"printed": "no"},
                   {"date_from": "2020-01-01"}):
        page = seller_client.get("/waybills/print/", params).content.decode()
        assert "김민준" in page and '<a class="btn" href="/waybills/print/">Clear filters</a>' in page, params
    page = seller_client.get("/waybills/print/", {"kind": "packing"}).content.decode()
    assert "김민준" in page and "Clear filters" not in page


def test_cancelled_orders_are_refused_with_a_clear_message(seller_client):
    ok = make_order(seller_client.seller, seller_client.account)
    cancelled = make_order(seller_client.seller, seller_client.account, status=OrderStatus.CANCELLED)
    response = seller_client.post("/waybills/print/", {"order_ids": [ok.pk, cancelled.pk], "kind": "packing",
                                                       "paper": "a4"}, follow=True)
    assert f"{cancelled.order_no} (cancelled by the buyer)" in response.content.decode()
    assert not Waybill.objects.exists()


def test_reprint_reuses_the_number_and_says_so(seller_client):
    order = make_order(seller_client.seller, seller_client.account)
    seller_client.post("/waybills/print/", {"order_ids": [order.pk], "kind": "packing", "paper": "label"})
    seller_client.post("/waybills/print/", {"order_ids": [order.pk], "kind": "packing", "paper": "label"})
    waybill = Waybill.objects.get()
    assert waybill.print_count == 2
    second = PrintBatch.objects.order_by("pk").last()
    assert second.reprint_ids == [waybill.pk]
    pdf = b"".join(seller_client.get(f"/waybills/batches/{second.pk}/download/").streaming_content)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "REPRINT" in text and waybill.number in text


def test_other_sellers_batches_and_orders_are_not_found(seller_client):
    other, other_user = make_seller_user()
    order = make_order(other, make_account(seller=other, account_number="LO20000002"))
    from waybills.services.printing import waybills_print

    batch = waybills_print(seller_id=other.pk, order_ids=[order.pk], kind=WaybillKind.INVOICE)
    assert seller_client.get(f"/waybills/batches/{batch.pk}/download/").status_code == 404
    assert seller_client.get(f"/waybills/orders/{order.pk}/").status_code == 404
    push = TrackingPush.objects.get()
    response = seller_client.post("/waybills/push-failures/", {"action": "retry", "push_ids": [push.pk]})
    assert response.status_code == 404

    token = Token.objects.create(user=seller_client.user)
    api = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert seller_client.get(f"/api/v1/waybills/batches/{batch.pk}/labels/", **api).status_code == 404
    assert seller_client.post("/api/v1/waybills/print/", {"order_ids": [order.pk]}, content_type="application/json",
                              **api).status_code == 404
    assert seller_client.post(f"/api/v1/tracking-pushes/{push.pk}/retry/", **api).status_code == 404
    assert seller_client.get("/api/v1/tracking-pushes/", **api).json()["count"] == 0
    assert seller_client.get("/api/v1/waybills/", **api).json()["count"] == 0


def test_api_prints_and_downloads(seller_client):
    order = make_order(seller_client.seller, seller_client.account, lines=2)
    token = Token.objects.create(user=seller_client.user)
    api = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    response = seller_client.post("/api/v1/waybills/print/", {"order_ids": [order.pk], "kind": "invoice"},
                                  content_type="application/json", **api)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["label_count"] == 1 and set(body["downloads"]) == {"label", "a4", "zpl"}
    pdf = seller_client.get(body["downloads"]["label"], **api)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    pushes = seller_client.get("/api/v1/tracking-pushes/?state=pending", **api).json()
    assert pushes["count"] == 2 and pushes["results"][0]["courier_code"] == "9999"
    bad = seller_client.post("/api/v1/waybills/print/", {"order_ids": []}, content_type="application/json", **api)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_receiving_is_for_warehouse_operators_only(seller_client, operator, client, settings):
    settings.LOTTEON_BASE_URL = "http://127.0.0.1:9"  # unreachable: the built-in courier list is used
    assert seller_client.get("/waybills/receiving/").status_code == 403
    client.logout()
    client.login(username="qfc", password=PASSWORD)
    page = client.get("/waybills/receiving/")
    assert page.status_code == 200 and "CJ대한통운" in page.content.decode()


def test_receiving_refusals_change_nothing(seller_client, operator, client, settings):
    settings.LOTTEON_BASE_URL = "http://127.0.0.1:9"  # unreachable: the built-in courier list is used
    order = make_order(seller_client.seller, seller_client.account, lines=2)
    cancelled = make_order(seller_client.seller, seller_client.account)
    seller_client.post("/waybills/print/", {"order_ids": [order.pk, cancelled.pk], "kind": "packing",
                                            "paper": "label"})
    label = Waybill.objects.get(order=order).number
    other_label = Waybill.objects.get(order=cancelled).number
    Order.objects.filter(pk=cancelled.pk).update(status=OrderStatus.CANCELLED)
    OrderLine.objects.filter(order=cancelled).update(status=LineStatus.CANCELLED)
    client.logout()
    client.login(username="qfc", password=PASSWORD)

    def scan(label_code, courier="0002", number="123456789012"):
        response = client.post("/waybills/receiving/", {"label": label_code, "courier": courier,
                                                        "tracking_no": number}, HTTP_ACCEPT="application/json")
        return response.status_code, response.json()

    wrong_digit = label[:-1] + str((int(label[-1]) + 1) % 10)
    cases = [  # a label to scan again: 400; a parcel the state keeps back: 409, as in the REST API
        (wrong_digit, "0002", "123456789012", "check_digit", 400),
        ("8801234567890", "0002", "123456789012", "not_ours", 400),
        (packing_format(999_999), "0002", "123456789012", "unknown_label", 400),
        (other_label, "0002", "123456789012", "order_cancelled", 409),
        (label, "7777", "123456789012", "unknown_courier", 400),
        (label, "0002", "12345678901234567", "invalid_tracking_no", 400),
        (label, "0002", "12", "tracking_no_short", 400),
        (label, "0002", "1234567", "tracking_no_short", 400),
        (label, "0002", label, "tracking_no_is_label", 400),
    ]
    for code, courier, number, expected, expected_status in cases:
        status, body = scan(code, courier, number)
        assert (status, body["ok"], body["code"]) == (expected_status, False, expected), (code, body)
        assert body["message"]
    assert not TrackingPush.objects.exists() and not Waybill.objects.filter(status="received").exists()

    status, body = scan(label.lower())
    assert status == 200 and body["ok"] and order.order_no in body["message"]
    assert TrackingPush.objects.filter(order=order, courier_code="0002", tracking_no="123456789012").count() == 2
    status, body = scan(label, number="999999999999")
    assert (status, body["code"]) == (409, "already_received") and "Nothing changed" in body["message"]
    assert TrackingPush.objects.count() == 2

    lookup = client.get("/waybills/receiving/lookup/", {"label": other_label}).json()
    assert lookup["code"] == "order_cancelled"


def test_receiving_records_a_short_number_scanned_twice(seller_client, operator, client, settings):
    settings.LOTTEON_BASE_URL = "http://127.0.0.1:9"
    order = make_order(seller_client.seller, seller_client.account)
    seller_client.post("/waybills/print/", {"order_ids": [order.pk], "kind": "packing", "paper": "label"})
    label = Waybill.objects.get().number
    client.login(username="qfc", password=PASSWORD)
    form = {"label": label, "courier": "0002", "tracking_no": "7654321"}
    refused = client.post("/waybills/receiving/", form, HTTP_ACCEPT="application/json").json()
    assert refused["code"] == "tracking_no_short" and "7654321 has only 7 characters" in refused["message"]
    assert not TrackingPush.objects.exists()
    received = client.post("/waybills/receiving/", {**form, "short_confirmed": "on"}, HTTP_ACCEPT="application/json")
    assert received.json()["ok"] and TrackingPush.objects.get().tracking_no == "7654321"


def test_receiving_api_for_operators(seller_client, operator, client, settings):
    settings.LOTTEON_BASE_URL = "http://127.0.0.1:9"
    order = make_order(seller_client.seller, seller_client.account)
    seller_client.post("/waybills/print/", {"order_ids": [order.pk], "kind": "packing", "paper": "label"})
    label = Waybill.objects.get().number
    body = {"label": label, "courier_code": "0005", "tracking_no": "3456-7890-1234"}
    seller_token = Token.objects.create(user=seller_client.user)
    denied = client.post("/api/v1/receiving/scans/", body, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Token {seller_token.key}")
    assert denied.status_code == 403
    token = Token.objects.create(user=operator)
    response = client.post("/api/v1/receiving/scans/", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 201, response.content
    assert (response.json()["courier_code"], response.json()["tracking_no"]) == ("0005", "345678901234")
    again = client.post("/api/v1/receiving/scans/", body, content_type="application/json",
                        HTTP_AUTHORIZATION=f"Token {token.key}")
    assert again.status_code == 409 and again.json()["code"] == "already_received"


def test_push_failures_page_lists_and_retries(seller_client):
    order = make_order(seller_client.seller, seller_client.account)
    seller_client.post("/waybills/print/", {"order_ids": [order.pk], "kind": "invoice", "paper": "label"})
    push = TrackingPush.objects.get()
    TrackingPush.objects.filter(pk=push.pk).update(state=TrackingPush.State.FAILED, attempts=1,
                                                   last_message="slQty must be 1..1", last_code="9999")
    page = seller_client.get("/waybills/push-failures/").content.decode()
    assert push.tracking_no in page and "slQty must be 1..1" in page and "Retry" in page
    tracking = seller_client.get(f"/waybills/orders/{order.pk}/").content.decode()
    assert push.tracking_no in tracking and "Failed" in tracking
    other = make_order(seller_client.seller, seller_client.account)
    printing = seller_client.get("/waybills/print/").content.decode()
    rows = dict(re.findall(r'data-order="(\d+)">(.*?)</tr>', printing, re.S))
    assert "Tracking push failed" in rows[str(order.pk)] and "Tracking push failed" not in rows[str(other.pk)]
    response = seller_client.post("/waybills/push-failures/", {"action": "retry", "push_ids": [push.pk]}, follow=True)
    assert "sent again" in response.content.decode()
    push.refresh_from_db()
    assert push.state == TrackingPush.State.PENDING
    assert "Tracking push failed" not in seller_client.get("/waybills/print/").content.decode()


def test_retry_from_a_page_drawn_before_someone_else_dismissed_says_so(seller_client):
    orders = [make_order(seller_client.seller, seller_client.account) for _ in range(2)]
    seller_client.post("/waybills/print/", {"order_ids": [o.pk for o in orders], "kind": "invoice", "paper": "label"})
    TrackingPush.objects.update(state=TrackingPush.State.FAILED, attempts=1, last_code="9999", last_message="refused")
    first, second = TrackingPush.objects.order_by("pk")
    seller_client.post("/waybills/push-failures/", {"action": "dismiss", "push_ids": [first.pk]})
    seller_client.post("/waybills/push-failures/", {"action": "retry", "push_ids": [second.pk]})
    stale = seller_client.post("/waybills/push-failures/", {"action": "retry", "push_ids": [first.pk, second.pk]},
                               follow=True).content.decode()
    assert ("None of the selected pushes failed, so there is nothing to retry. Since the page was drawn: "
            "1 dismissed, 1 already on the way again.") in stale


def test_500_labels_print_and_download_in_one_request_within_seconds(seller_client):
    import time

    seller = seller_client.seller
    orders = Order.objects.bulk_create(Order(
        seller=seller, account=seller_client.account, site="lotteon", order_no=f"2026112799{i:06d}",
        status=OrderStatus.CONFIRMED, recipient_name=f"김민준{i}", recipient_mobile="010-1234-5678", zip_code="06236",
        address="서울특별시 강남구 테헤란로 152", delivery_message="문 앞") for i in range(500))
    OrderLine.objects.bulk_create(OrderLine(
        order=o, seller=seller, line_no="1", product_name="기본 티셔츠", option_name="블랙 / M", quantity=1,
        status=LineStatus.CONFIRMED, seller_option_code="TSHIRT-BLK-M", site_product_id="LO1", site_option_id="LO1_2")
        for o in orders)
    token = Token.objects.create(user=seller_client.user)
    started = time.monotonic()
    response = seller_client.post("/api/v1/waybills/print/", {"order_ids": [o.pk for o in orders], "download": True},
                                  content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}")
    pdf = b"".join(response.streaming_content)
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert elapsed < 15, f"500 labels took {elapsed:.1f} s"
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 500
    assert PrintBatch.objects.get(pk=int(response["X-Print-Batch"])).label_count == 500
    assert TrackingPush.objects.filter(state=TrackingPush.State.PENDING).count() == 500
    assert "김민준499" in reader.pages[499].extract_text()


def test_manual_order_packing_label_received_ships_without_a_push(seller_client, operator, client, settings):
    settings.LOTTEON_BASE_URL = "http://127.0.0.1:9"
    order = make_order(seller_client.seller, manual=True, lines=2)
    seller_client.post("/waybills/print/", {"order_ids": [order.pk], "kind": "packing", "paper": "label"})
    label = Waybill.objects.get().number
    order.refresh_from_db()
    assert order.status == OrderStatus.READY
    client.logout()
    client.login(username="qfc", password=PASSWORD)
    body = client.post("/waybills/receiving/", {"label": label, "courier": "CJ대한통운", "tracking_no": "111122223333"},
                       HTTP_ACCEPT="application/json").json()
    assert body["ok"] and "nothing to push" in body["message"]
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and not TrackingPush.objects.exists()
    assert order.events.filter(message__contains="CJ대한통운 111122223333").exists()


def test_a_new_waybill_is_first_and_last_printed_at_the_same_moment(seller_client):
    from waybills.services.printing import waybills_print

    order = make_order(seller_client.seller, seller_client.account)
    waybills_print(seller_id=seller_client.seller.pk, order_ids=[order.pk], kind=WaybillKind.PACKING)
    waybill = Waybill.objects.get(order=order)
    assert waybill.first_printed_at == waybill.last_printed_at


def test_an_order_whose_account_was_deleted_is_not_called_a_manual_order(seller_client):
    """A pulled order stays when its sales-site account is deleted, and its tracking number can no longer be
    sent. Print Waybill and the Orders list say so, instead of calling it a manual shipping order (or nothing)."""
    seller = seller_client.seller
    other = make_account(seller=seller, shop_id="gone-shop", account_number="LO20000002")
    pulled = make_order(seller, other, name="삭제계정")
    manual = make_order(seller, manual=True, name="수동주문")
    other.delete()

    page = seller_client.get("/waybills/print/?kind=invoice").content.decode()
    rows = {name: re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{name}(?:(?!</tr>).)*</tr>", page, re.S).group(0)
            for name in ("삭제계정", "수동주문")}
    assert "Account deleted" in rows["삭제계정"] and ">Manual<" not in rows["삭제계정"]
    assert ">Manual<" in rows["수동주문"] and "Account deleted" not in rows["수동주문"]

    listing = seller_client.get("/orders/").content.decode()
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{pulled.order_no}(?:(?!</tr>).)*</tr>", listing, re.S).group(0)
    assert "Account deleted" in row
    assert manual.order_no in listing


def test_print_all_prints_every_matching_order_across_pages_but_not_held_ones_nor_another_sellers(seller_client):
    seller = seller_client.seller
    orders = [make_order(seller, seller_client.account, name=f"수취인{n:03d}") for n in range(105)]
    held = make_order(seller, seller_client.account, name="보류")
    OrderLine.objects.filter(order=held).update(cancel_request_no="CLM1")
    other_seller, _ = make_seller_user()
    make_order(other_seller, name="남의주문")
    manual = make_order(seller, manual=True, name="수동")

    page = seller_client.get("/waybills/print/?kind=packing&account=" + str(seller_client.account.pk)).content.decode()
    assert "Print all 105 matching" in page, "the account filter leaves the manual order out; held ones not counted"
    response = seller_client.post("/waybills/print/", {
        "scope": "all", "matching": "105", "kind": "packing", "paper": "label",
        "next": f"/waybills/print/?kind=packing&account={seller_client.account.pk}"})
    batch = PrintBatch.objects.get()
    assert response["Location"].endswith(f"batch={batch.pk}")
    assert set(Waybill.objects.values_list("order_id", flat=True)) == {o.pk for o in orders}
    assert not Waybill.objects.filter(order__in=[held, manual]).exists()


def test_print_all_refuses_when_the_matching_orders_changed_since_the_page_was_drawn(seller_client):
    for n in range(101):
        make_order(seller_client.seller, seller_client.account, name=f"수취인{n:03d}")
    page = seller_client.get("/waybills/print/").content.decode()
    assert "Print all 101 matching" in page
    make_order(seller_client.seller, seller_client.account, name="방금 도착")  # pulled meanwhile
    response = seller_client.post("/waybills/print/", {"scope": "all", "matching": "101", "kind": "invoice",
                                                        "paper": "label", "next": "/waybills/print/"}, follow=True)
    assert ("102 orders match the filters now, not 101 as when the page was drawn: nothing was printed."
            in response.content.decode())
    assert not Waybill.objects.exists() and not TrackingPush.objects.exists()


def test_one_page_has_no_print_all_and_a_refused_print_keeps_the_ticked_boxes(seller_client):
    ready = make_order(seller_client.seller, seller_client.account, name="김민준")
    cancelled = make_order(seller_client.seller, seller_client.account, name="취소됨")
    page = seller_client.get("/waybills/print/").content.decode()
    assert "Print all" not in page
    Order.objects.filter(pk=cancelled.pk).update(status=OrderStatus.CANCELLED)
    OrderLine.objects.filter(order=cancelled).update(status=LineStatus.CANCELLED)
    response = seller_client.post("/waybills/print/", {"order_ids": [ready.pk, cancelled.pk], "kind": "invoice",
                                                        "paper": "label", "next": "/waybills/print/?"}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/waybills/print/?selected={ready.pk}%2C{cancelled.pk}"
    assert re.search(rf'value="{ready.pk}" class="row-select"[^>]* checked', page), "ticked again"
    assert not Waybill.objects.exists()
