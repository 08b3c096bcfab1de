"""Fulfilment and stock pages: who may open them, seller isolation, and what each action does (no HTTP to
LotteON: manual orders without an account, and stock pushes to an account whose option is off)."""

from __future__ import annotations

import html
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from inventory.models import FulfilmentOrder, LinkStatus, SiteOptionLink, StockMovement, StockPush
from inventory.services.fulfilment import fulfilment_lines_cancelled, fulfilment_orders_send
from inventory.services.stock import stock_receive
from orders.models import LineStatus, Order, OrderStatus
from orders.services.manual import ManualItem, manual_order_create
from sellers.models import User
from tests.factories import make_account, make_seller_user
from tests.inventory.factories import make_multi, make_single

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return User.objects.create_user("qfc-op", password="x", is_warehouse_operator=True)


def manual_order(seller, user, code: str, quantity: int = 1, name: str = "김민준") -> Order:
    return manual_order_create(seller=seller, actor=user, recipient_name=name, zip_code="04524",
                               address="서울 중구 세종대로 110", recipient_mobile="010-1234-5678",
                               items=[ManualItem(product_name="반팔 티셔츠", option_name="블랙 / M", quantity=quantity,
                                                 seller_code=code)])


@pytest.fixture
def setup():
    seller, user = make_seller_user(name="스마트십 데모상점")
    sku = make_multi(seller=seller, name="반팔 티셔츠", options=[("TS-BLK-M", "블랙 / M"), ("TS-WHT-L", "화이트 / L")])
    black, white = sku.options.order_by("position")
    stock_receive(seller=seller, option=black, quantity=10)
    order = manual_order(seller, user, "TS-BLK-M", 2)
    (fo,) = fulfilment_orders_send(seller=seller, order_ids=[order.pk], actor=user)
    return seller, user, sku, black, white, order, fo


def test_warehouse_pages_are_for_operators_only(client, setup):
    seller, user, *_ , fo = setup
    client.force_login(user)
    for name, args in (("fulfilment-list", []), ("fulfilment-detail", [fo.pk]), ("stock", []), ("stock-movements", [])):
        assert client.get(reverse(f"inventory:{name}", args=args)).status_code == 403, name
    assert client.post(reverse("inventory:fulfilment-pick-list"), {"ids": [fo.pk]}).status_code == 403


def test_fulfilment_search_applies_with_an_unknown_tab_and_odd_numbers(client, setup, operator):
    seller, user, sku, black, white, order, fo = setup
    client.force_login(operator)
    url = reverse("inventory:fulfilment-list")
    found = client.get(url, {"tab": "all", "q": fo.number}).content.decode()
    assert fo.number in found
    assert fo.number not in client.get(url, {"tab": "all", "q": "nobody-like-this"}).content.decode()
    for q in ("FO-" + "9" * 30, "²", "FO-0"):  # beyond 64 bits, a non-ASCII digit, no number at all
        response = client.get(url, {"q": q})
        assert response.status_code == 200 and fo.number not in response.content.decode(), q


def _empty_state(page: str) -> str:
    block = page.split('class="empty-state">', 1)[1].split("</div>", 1)[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", block)).split())


def test_each_fulfilment_tab_and_a_search_without_matches_has_its_own_empty_text(client, setup, operator):
    seller, user, sku, black, white, order, fo = setup  # one open order: every other tab is empty
    client.force_login(operator)
    url = reverse("inventory:fulfilment-list")
    arrive = "Orders arrive here when a seller sends them"
    texts = {}
    for tab in ("picking", "packed", "flagged", "shipped", "cancelled"):
        texts[tab] = _empty_state(client.get(url, {"tab": tab}).content.decode())
        assert arrive not in texts[tab], tab
    assert texts["flagged"].startswith("No flagged fulfilment orders")
    assert texts["packed"].startswith("No packed fulfilment orders")
    assert texts["shipped"].startswith("No shipped fulfilment orders")
    assert texts["cancelled"].startswith("No cancelled fulfilment orders")
    assert texts["picking"].startswith("No fulfilment orders being picked")
    assert len(set(texts.values())) == len(texts)

    page = client.get(url, {"tab": "active", "q": "nobody-like-this"}).content.decode()
    text = _empty_state(page)
    assert arrive not in text
    assert "Nothing under To ship matches “nobody-like-this”. Clear the search." in text
    assert 'href="?tab=active">Clear the search</a>' in page
    text = _empty_state(client.get(url, {"tab": "packed", "seller": seller.pk}).content.decode())
    assert "스마트십 데모상점 has nothing under Packed. Clear the search." in text

    FulfilmentOrder.objects.all().delete()
    assert arrive in _empty_state(client.get(url).content.decode()), "To ship: where orders come from"


def test_fulfilment_list_detail_pick_list_and_ship(client, setup, operator):
    seller, user, sku, black, white, order, fo = setup
    client.force_login(operator)
    page = client.get(reverse("inventory:fulfilment-list")).content.decode()
    assert fo.number in page and "스마트십 데모상점" in page and "TS-BLK-M" in page and "× 2" in page

    response = client.post(reverse("inventory:fulfilment-pick-list"), {"ids": [fo.pk]})
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "TS-BLK-M" in text and "반팔 티셔츠" in text and "블랙 / M" in text and fo.number in text
    fo.refresh_from_db()
    assert fo.state == "picking"

    detail = client.get(reverse("inventory:fulfilment-detail", args=[fo.pk])).content.decode()
    assert "Packed" in detail and "Ship" in detail and order.recipient_name in detail
    client.post(reverse("inventory:fulfilment-detail", args=[fo.pk]), {"action": "pack"})
    fo.refresh_from_db()
    assert fo.state == "packed"
    # Ship pressed without choosing: nothing ships (no tracking number would reach the buyer unasked).
    response = client.post(reverse("inventory:fulfilment-detail", args=[fo.pk]), {"action": "ship", "courier": "",
                                                                                  "tracking_no": ""})
    assert response.status_code == 400
    assert "Choose the carrier, or “None: book the stock out only”." in response.content.decode()
    fo.refresh_from_db()
    assert fo.state == "packed"
    response = client.post(reverse("inventory:fulfilment-detail", args=[fo.pk]), {"action": "ship", "courier": "none",
                                                                                  "tracking_no": ""}, follow=True)
    assert f"{fo.number} shipped" in response.content.decode()
    fo.refresh_from_db()
    black.refresh_from_db()
    order.refresh_from_db()
    assert (fo.state, black.on_hand, black.reserved, order.status) == ("shipped", 8, 0, OrderStatus.SHIPPED)
    assert fo.shipped_by == operator


def test_ship_refusal_is_shown_and_changes_nothing(client, setup, operator):
    seller, user, sku, black, white, order, _ = setup
    short = manual_order(seller, user, "TS-WHT-L", 3)
    (fo,) = fulfilment_orders_send(seller=seller, order_ids=[short.pk])
    client.force_login(operator)
    response = client.post(reverse("inventory:fulfilment-detail", args=[fo.pk]), {"action": "ship", "courier": "none"})
    assert response.status_code == 400
    assert "Not enough stock of TS-WHT-L: 0 on hand, 3 to take out" in response.content.decode()
    fo.refresh_from_db()
    assert fo.state == "open" and not StockMovement.objects.filter(kind="shipment").exists()


@pytest.mark.parametrize("meanwhile", ["shipped", "cancelled"])
def test_ship_on_a_page_drawn_before_another_change_says_the_number_was_not_recorded(client, setup, operator,
                                                                                     meanwhile):
    """Two operators on one fulfilment order, or the buyer cancelling meanwhile: the page pressed no longer has a
    Ship form to show the refusal in, so it goes at the top, naming the number that was not kept."""
    from waybills.selectors import courier_list, default_site

    seller, user, sku, black, white, order, fo = setup
    courier = courier_list(site=default_site())[0]
    client.force_login(operator)
    url = reverse("inventory:fulfilment-detail", args=[fo.pk])
    if meanwhile == "shipped":
        client.post(url, {"action": "ship", "courier": courier.code, "tracking_no": "655555555551"})
    else:
        order.lines.update(status=LineStatus.CANCELLED)  # as the sync stores the buyer's cancellation
        fulfilment_lines_cancelled(seller_id=seller.pk, line_ids=list(order.lines.values_list("pk", flat=True)))
    fo.refresh_from_db()
    assert fo.state == meanwhile

    response = client.post(url, {"action": "ship", "courier": courier.code, "tracking_no": "655555555559"},
                           follow=True)
    page = html.unescape(response.content.decode())
    assert f"{fo.number} is already {meanwhile}. Nothing changed. 655555555559 was not recorded." in page
    fo.refresh_from_db()
    assert fo.tracking_no == ("655555555551" if meanwhile == "shipped" else "")


def test_a_short_tracking_number_is_shipped_only_when_pressed_again_and_a_correction_says_so(client, setup, operator):
    from waybills.selectors import courier_list, default_site

    seller, user, sku, black, white, order, fo = setup
    courier = courier_list(site=default_site())[0]
    client.force_login(operator)
    url = reverse("inventory:fulfilment-detail", args=[fo.pk])
    client.post(url, {"action": "pack"})

    refused = client.post(url, {"action": "ship", "courier": courier.code, "tracking_no": "12"})
    assert refused.status_code == 400
    page = html.unescape(refused.content.decode())
    assert ("12 has only 2 characters: carriers' tracking numbers are longer, so this looks like a partial scan or a "
            "typing slip. Check it; to record it as it is, press Ship again. Nothing changed.") in page
    assert re.search(r'name="short_refused" value="12"', page)
    fo.refresh_from_db()
    black.refresh_from_db()
    assert (fo.state, black.on_hand) == ("packed", 10)
    # Another short number than the one refused is refused in turn.
    other = client.post(url, {"action": "ship", "courier": courier.code, "tracking_no": "123", "short_refused": "12"})
    assert other.status_code == 400 and "123 has only 3 characters" in other.content.decode()

    shipped = client.post(url, {"action": "ship", "courier": courier.code, "tracking_no": "12", "short_refused": "12"},
                          follow=True)
    assert f"{fo.number} shipped with {courier.name} 12." in shipped.content.decode()
    fo.refresh_from_db()
    assert (fo.state, fo.tracking_no) == ("shipped", "12")

    corrected = client.post(url, {"action": "tracking", "courier": courier.code, "tracking_no": "601234567899"},
                            follow=True).content.decode()
    assert f"Tracking number of {fo.number} corrected: {courier.name} 601234567899 (was 12)." in html.unescape(
        corrected)
    assert f"{fo.number} shipped with" not in corrected
    packing = client.post(url, {"action": "tracking", "courier": courier.code, "tracking_no": "PK00000000026"})
    assert packing.status_code == 400 and "is a packing label, not the carrier's tracking number" in html.unescape(
        packing.content.decode())


def test_a_packing_label_the_seller_printed_is_shown_on_the_fulfilment_order(client, setup, operator):
    from waybills.models import WaybillKind
    from waybills.services.printing import waybills_print

    seller, user, sku, black, white, order, fo = setup
    client.force_login(operator)
    detail = reverse("inventory:fulfilment-detail", args=[fo.pk])
    assert "printed a packing label" not in client.get(detail).content.decode()

    batch = waybills_print(seller_id=seller.pk, order_ids=[order.pk], kind=WaybillKind.PACKING, actor=user)
    label = batch.waybill_ids[0]
    from waybills.models import Waybill

    number = Waybill.objects.get(pk=label).number
    page = client.get(detail).content.decode()
    assert "The seller printed a packing label for this order" in page and number in page
    listed = client.get(reverse("inventory:fulfilment-list")).content.decode()
    assert "Seller&#x27;s packing label printed" in listed or "Seller's packing label printed" in listed

    Waybill.objects.filter(pk=label).update(status=Waybill.Status.RECEIVED)
    assert "printed a packing label" not in client.get(detail).content.decode(), "received: the scan tells the rest"


def test_stock_page_finds_by_code_or_barcode_and_books_receipts_and_adjustments(client, setup, operator):
    seller, user, sku, black, white, *_ = setup
    white.barcode = "8801234567890"
    white.save()
    client.force_login(operator)
    page = client.get(reverse("inventory:stock"), {"q": "8801234567890"}).content.decode()
    assert "TS-WHT-L" in page and "Inbound receipt" in page
    page = client.get(reverse("inventory:stock"), {"q": "ts-blk-m"}).content.decode()
    assert f'data-option="{black.pk}"' in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert sorted({i for i in ids if ids.count(i) > 1}) == [], "each label focuses its own form's field"
    assert 'for="id_adjustment_quantity"' in page and 'for="id_receipt_quantity"' in page

    client.post(reverse("inventory:stock"), {"action": "receipt", "option": white.pk, "quantity": 5, "note": "입고"})
    white.refresh_from_db()
    assert white.on_hand == 5
    response = client.post(reverse("inventory:stock"), {"action": "adjustment", "option": white.pk, "quantity": -9,
                                                         "reason": "damaged"})
    assert response.status_code == 409 and "Not enough stock of TS-WHT-L: 5 on hand, 9 to take out" in response.content.decode()
    response = client.post(reverse("inventory:stock"), {"action": "adjustment", "option": white.pk, "quantity": -2,
                                                         "reason": ""})
    assert response.status_code == 400
    client.post(reverse("inventory:stock"), {"action": "adjustment", "option": white.pk, "quantity": -2,
                                             "reason": "damaged", "note": "찢어짐"})
    white.refresh_from_db()
    assert white.on_hand == 3
    movement = StockMovement.objects.filter(option=white, kind="adjustment").get()
    assert (movement.quantity, movement.reason, movement.note, movement.actor) == (-2, "damaged", "찢어짐", operator)
    page = client.get(reverse("inventory:stock-movements"), {"option": white.pk}).content.decode()
    assert "Damaged" in page and "찢어짐" in page


def test_seller_send_to_fulfilment_page_and_isolation(client, setup):
    seller, user, sku, black, white, order, fo = setup
    ready = manual_order(seller, user, "TS-WHT-L", 1, name="이서연")
    waiting = manual_order(seller, user, "NOPE-1", 1, name="박지호")
    client.force_login(user)
    url = reverse("inventory:fulfilment-send")
    page = client.get(url).content.decode()
    assert ready.order_no in page and waiting.order_no not in page and order.order_no not in page
    page = client.get(url, {"tab": "waiting"}).content.decode()
    assert waiting.order_no in page and "1 of 1 line not mapped: NOPE-1" in page
    assert fo.number in client.get(url, {"tab": "sent"}).content.decode()

    response = client.post(url, {"ids": [waiting.pk]}, follow=True)
    assert "Nothing was sent" in response.content.decode()
    client.post(url, {"ids": [ready.pk]})
    assert FulfilmentOrder.objects.filter(order=ready, origin="manual", created_by=user).exists()

    other_seller, other_user = make_seller_user()
    client.force_login(other_user)
    assert fo.number not in client.get(url, {"tab": "sent"}).content.decode()
    assert ready.order_no not in client.get(url).content.decode()
    other_order = manual_order(seller, user, "TS-WHT-L", 1)
    response = client.post(url, {"ids": [other_order.pk]}, follow=True)
    assert "was not found" in response.content.decode()
    assert not FulfilmentOrder.objects.filter(order=other_order).exists()
    page = client.get(reverse("inventory:movements"), {"option": black.pk})
    assert page.status_code == 404, "another seller's option SKU"
    assert "TS-BLK-M" not in client.get(reverse("inventory:movements")).content.decode()


def test_seller_movements_page(client, setup):
    seller, user, sku, black, *_ = setup
    client.force_login(user)
    page = client.get(reverse("inventory:movements"), {"option": black.pk}).content.decode()
    assert "Inbound receipt" in page and "Reserved for a fulfilment order" in page


def test_stock_sync_page_lists_failures_and_retries_them(client):
    seller, user = make_seller_user()
    account = make_account(seller=seller, account_number="LO77777777", auto_stock_sync=True)
    sku = make_single(seller=seller, code="MUG-1")
    option = sku.options.get()
    link = SiteOptionLink.objects.create(option=option, seller=seller, account=account, site="lotteon",
                                         site_product_id="LO1", site_option_id="LO1_2", status=LinkStatus.LINKED,
                                         source="catalog", checked_at="2026-11-01T00:00:00Z")
    push = StockPush.objects.create(link=link, seller=seller, account=account, option=option, dirty=False,
                                    state="failed", code="9999", message="LotteON refused 4: 판매 불가 상품",
                                    attempted_quantity=4, failures=2)
    client.force_login(user)
    url = reverse("inventory:stock-sync")
    page = client.get(url).content.decode()
    assert "MUG-1" in page and "판매 불가 상품" in page and "Automatic Stock Qty Sync on" in page
    response = client.post(url, {"action": "retry", "ids": [push.pk]}, follow=True)
    assert "1 option queued to be pushed again" in response.content.decode()
    push.refresh_from_db()
    assert (push.state, push.dirty, push.site_checked_at) == ("pending", True, None)

    other_seller, other_user = make_seller_user()
    client.force_login(other_user)
    assert "MUG-1" not in client.get(url).content.decode()
    response = client.post(url, {"action": "retry", "ids": [push.pk]}, follow=True)
    assert "not found" in response.content.decode()
    response = client.post(url, {"action": "sync"}, follow=True)
    assert "Automatic Stock Qty Sync is off" in response.content.decode()


def test_stock_sync_page_counts_the_skus_whose_stock_is_not_pushed(client):
    seller, user = make_seller_user()
    client.force_login(user)
    url = reverse("inventory:stock-sync")
    make_single(seller=seller, code="MUG-1")
    assert "not linked" not in client.get(url).content.decode(), "no account: nothing could be linked yet"
    account = make_account(seller=seller, account_number="LO77777777", auto_stock_sync=True)
    linked = make_single(seller=seller, code="MUG-2")
    SiteOptionLink.objects.create(option=linked.options.get(), seller=seller, account=account, site="lotteon",
                                  site_product_id="LO1", site_option_id="LO1_2", status=LinkStatus.LINKED,
                                  source="catalog", checked_at="2026-11-01T00:00:00Z")
    page = " ".join(client.get(url).content.decode().split())
    assert "1 active SKU</strong> has options not linked to a LotteON option: their stock is not pushed." in page
    assert 'href="/inventory/skus/?link=unlinked"' in page
    make_single(seller=seller, code="MUG-3")
    assert "2 active SKUs</strong> have options" in " ".join(client.get(url).content.decode().split())


def test_sync_stock_now_waits_for_its_runs_then_reloads_the_page(client):
    from inventory.models import StockSyncRun

    seller, user = make_seller_user()
    client.force_login(user)
    account = make_account(seller=seller, account_number="LO77777778", auto_stock_sync=True)
    url = reverse("inventory:stock-sync")
    response = client.post(url, {"action": "sync"})
    assert response.status_code == 302 and f"accounts={account.pk}" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "Syncing stock…" in page
    poll = reverse("inventory:stock-sync-wait") + "?" + response["Location"].split("?", 1)[1]
    assert poll.replace("&", "&amp;") in page
    waiting = client.get(poll, HTTP_HX_REQUEST="true")
    assert waiting.status_code == 204 and "HX-Refresh" not in waiting, "no run has ended yet"

    run = StockSyncRun.objects.create(seller=seller, account=account, trigger="manual")
    assert "HX-Refresh" not in client.get(poll, HTTP_HX_REQUEST="true"), "still running"
    StockSyncRun.objects.filter(pk=run.pk).update(status="succeeded")
    assert client.get(poll, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    assert "Syncing stock…" not in client.get(response["Location"]).content.decode()

    # Another seller's account in the query: nothing to wait for there.
    _, other = make_seller_user()
    client.force_login(other)
    assert client.get(poll, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    assert "Syncing stock…" not in client.get(url + "?requested=abc&accounts=1").content.decode()


def test_a_pulled_order_whose_account_was_deleted_is_not_called_manual(client, setup, operator):
    """Send to fulfilment and the QFC page of its fulfilment order said "Manual" / "manual shipping order" for a
    LotteON order whose account the seller deleted: it says "Account deleted", as Orders and Print Waybill do."""
    from tests.orders.factories import make_order

    seller, user, sku, black, white, order, fo = setup
    account = make_account(seller=seller, shop_id="gone-shop")
    pulled = make_order(seller=seller, account=account, status=OrderStatus.CONFIRMED,
                        lines=[{"seller_option_code": "TS-WHT-L", "sku_option": white}])
    account.delete()
    client.force_login(user)
    url = reverse("inventory:fulfilment-send")
    row = re.search(rf"{pulled.order_no}.*?</tr>", client.get(url).content.decode(), re.S).group(0)
    assert "Account deleted" in row and "Manual" not in row

    client.post(url, {"ids": [pulled.pk]})
    sent = FulfilmentOrder.objects.get(order=pulled)
    client.force_login(operator)
    page = client.get(reverse("inventory:fulfilment-detail", args=[sent.pk])).content.decode()
    assert "manual shipping order" not in page and "(sales-site account deleted)" in page
