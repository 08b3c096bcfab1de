"""Print Waybill and QFC receiving in a real browser, against the LotteON sandbox and a real Celery worker."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from orders.models import Order, OrderStatus
from sellers.models import User
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.plugins.browser import login
from tests.plugins.worker import wait_for
from tests.waybills.helpers import live_lines, pull
from waybills.models import TrackingPush, Waybill, WaybillKind
from waybills.services.printing import waybills_print
from waybills.services.push import tracking_push

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def account(sandbox, settings):
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.LOTTEON_RETRY_BASE_DELAY = 0.01
    settings.SMARTSHIP_ORDER_LOOKBACK_DAYS = 2
    seller, _ = make_seller_user(name="스마트십 데모상점", username="wb-seller")
    return make_account(seller=seller, shop_id="lotte-shop", api_key=sandbox.DEMO_KEY,
                        account_number=sandbox.DEMO_TR_NO)


def test_select_print_invoices_download_and_see_them_shipped(page, live_server, sandbox, account, screenshot,
                                                             celery_worker_process):
    orders = pull(sandbox, account, 2, 1, 1, recipient={"dvpCustNm": "김민준"})
    chosen = orders[:2]
    celery_worker_process(LOTTEON_BASE_URL=sandbox.url, SMARTSHIP_TRACKING_SWEEP_SECONDS="1",
                          SMARTSHIP_ORDER_SYNC_SECONDS="3600", SMARTSHIP_HEARTBEAT_SECONDS="3600")
    login(page, live_server.url, "wb-seller", PASSWORD)

    page.locator("aside nav").get_by_role("link", name="Print Waybill").click()
    rows = page.locator(".wb-row")
    expect(rows).to_have_count(3)
    screenshot("waybills-print-1366")
    for order in chosen:
        page.get_by_label(f"Select order {order.order_no}").check()
    assert page.locator("#selected-count").inner_text() == "2 selected"
    # The numbers reach the buyers at once: the page asks first; saying no prints nothing.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Print invoices").click()
    assert "sent to the sales site at once" in questions[0] and not Waybill.objects.exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Print invoices").click()

    panel = page.locator(".wb-batch")
    panel.wait_for()
    assert "2 invoices" in panel.inner_text()
    screenshot("waybills-print-batch-1366")
    with page.expect_download() as download_info:
        panel.get_by_role("link", name="Download PDF 100×150 mm (thermal)").click()
    pdf = PdfReader(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert len(pdf.pages) == 2
    numbers = {w.order_id: w.number for w in Waybill.objects.filter(kind=WaybillKind.INVOICE)}
    text = "".join(p.extract_text() for p in pdf.pages)
    assert all(numbers[o.pk] in text for o in chosen) and "김민준" in text

    # The worker's periodic sweep pushes the outbox; LotteON shows the numbers and the orders are Shipped.
    assert wait_for(lambda: Order.objects.filter(pk__in=[o.pk for o in chosen], status=OrderStatus.SHIPPED).count()
                    == 2, timeout=60), list(TrackingPush.objects.values("state", "last_message"))
    live = live_lines(sandbox)
    for order in chosen:
        for line in order.lines.all():
            row = live[(order.order_no, line.line_no)]
            assert (row["odPrgsStepCd"], row["invcNo"], row["dvCoCd"]) == ("13", numbers[order.pk], "9999")

    page.goto(f"{live_server.url}/orders/{chosen[0].pk}/")
    assert "Shipped" in page.locator("h1").inner_text()
    page.goto(f"{live_server.url}/waybills/orders/{chosen[0].pk}/")
    expect(page.locator(".push-confirmed")).to_have_count(2)
    screenshot("waybills-order-tracking-1366")
    page.goto(f"{live_server.url}/waybills/print/")
    expect(page.locator(".wb-row"), "shipped orders leave the list").to_have_count(1)
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("waybills-print-390")


def test_failures_page_shows_refusals_with_a_retry(page, live_server, sandbox, account, screenshot):
    (order,) = pull(sandbox, account, 1)
    waybills_print(seller_id=account.seller_id, order_ids=[order.pk], kind=WaybillKind.INVOICE)
    sandbox.ship(order.order_no, dvCoCd="0002", invcNo="999988887777")  # shipped by another tool
    tracking_push(account_id=account.pk)
    login(page, live_server.url, "wb-seller", PASSWORD)
    page.locator("aside nav").get_by_role("link", name="Tracking push failures").click()
    row = page.locator(".push-row")
    assert "Shipped with another number" in row.inner_text() and "999988887777" in row.inner_text()
    screenshot("waybills-failures-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("waybills-failures-390")
    page.set_viewport_size({"width": 1366, "height": 860})
    row.get_by_role("button", name=f"Correct to {order.waybills.get().number}").click()
    assert "correction" in page.locator(".alert").first.inner_text()
    tracking_push(account_id=account.pk)
    assert live_lines(sandbox)[(order.order_no, "1")]["invcNo"] == order.waybills.get().number


def test_receiving_scan_in_the_browser(page, live_server, sandbox, account, screenshot):
    order, second = pull(sandbox, account, 2, 1, recipient={"dvpCustNm": "이서연"})
    waybills_print(seller_id=account.seller_id, order_ids=[order.pk, second.pk], kind=WaybillKind.PACKING)
    label = Waybill.objects.get(order=order).number
    User.objects.create_user(username="qfc-op", password=PASSWORD, is_warehouse_operator=True)
    login(page, live_server.url, "qfc-op", PASSWORD)
    page.locator("aside nav").get_by_role("link", name="Receiving").click()
    screenshot("waybills-receiving-1366")

    scan = page.locator("#id_label")
    assert scan.evaluate("el => el === document.activeElement"), "the label field has the focus for the scanner"
    # A mistyped label: big red feedback, nothing changes.
    scan.type(label[:-1] + str((int(label[-1]) + 1) % 10))
    scan.press("Enter")
    page.locator(".scan-error").wait_for()
    assert "check digit" in page.locator("#scan-message").inner_text()
    screenshot("waybills-receiving-error-1366")

    scan.fill("")
    scan.type(label.lower())  # the scanner types, then presses Enter
    scan.press("Enter")
    page.locator(".scan-found").wait_for()
    assert "이서연" in page.locator("#scan-message").inner_text()
    courier = page.locator("#id_courier")
    assert courier.evaluate("el => el === document.activeElement"), "the carrier is next"
    for key in "0002":  # a carrier barcode scanned into the select: its code, then Enter
        courier.press(key)
    courier.press("Enter")
    assert courier.input_value() == "0002"
    tracking = page.locator("#id_tracking_no")
    assert tracking.evaluate("el => el === document.activeElement")
    # A partial scan: refused, the number selected for the scan again.
    tracking.type("6789")
    tracking.press("Enter")
    page.locator(".scan-error").wait_for()
    assert page.locator("#scan-title").inner_text() == "✖ Partial scan?"
    assert tracking.evaluate("el => el === document.activeElement && el.selectionEnd - el.selectionStart === 4")
    assert not TrackingPush.objects.exists()
    tracking.type("6789-1234-5678")
    tracking.press("Enter")
    page.locator(".scan-ok").wait_for()
    assert "CJ대한통운 678912345678" in page.locator("#scan-message").inner_text()
    assert scan.input_value() == "" and page.locator("#id_courier").input_value() == "0002", "ready for the next"
    screenshot("waybills-receiving-ok-1366")

    # The same label again: refused, nothing changed.
    scan.type(label)
    scan.press("Enter")
    page.locator(".scan-error").wait_for()
    assert "already received" in page.locator("#scan-message").inner_text()
    assert TrackingPush.objects.filter(tracking_no="678912345678", courier_code="0002").count() == 2
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("waybills-receiving-390")

    tracking_push(account_id=account.pk)
    live = live_lines(sandbox)
    assert {(live[(order.order_no, s)]["invcNo"], live[(order.order_no, s)]["dvCoCd"]) for s in ("1", "2")} == {
        ("678912345678", "0002")}

    # A carrier with short numbers: the same short number scanned twice is recorded.
    scan.fill("")
    scan.type(Waybill.objects.get(order=second).number)
    scan.press("Enter")
    page.locator(".scan-found").wait_for()
    tracking.type("7788")
    tracking.press("Enter")
    page.locator(".scan-error").wait_for()
    assert not TrackingPush.objects.filter(order=second).exists()
    tracking.type("7788")
    tracking.press("Enter")
    page.locator(".scan-ok").wait_for()
    assert TrackingPush.objects.get(order=second).tracking_no == "7788"


def test_receiving_offers_the_carriers_of_the_scanned_parcels_site(page, live_server, sandbox, account, other_site,
                                                                   screenshot):
    """A LotteON parcel and then a parcel of a site with no carrier list of its own: the carrier list follows
    the scanned label, and the second parcel is recorded without a push (its site takes no tracking numbers)."""
    from integrations.models import SalesSiteAccount
    from tests.orders.factories import make_order

    (lotte,) = pull(sandbox, account, 1)
    seller, _ = make_seller_user(name="다른마켓 상점", username="os-seller")
    other_account = SalesSiteAccount(seller=seller, site="othersite", shop_id="os-shop", account_number="OS12345")
    other_account.set_api_key(other_site.GOOD_KEY)
    other_account.save()
    other = make_order(seller=seller, account=other_account, site="othersite", status=OrderStatus.CONFIRMED,
                       order_no="OS-2001", recipient_name="박다른")
    labels = {}
    for order, owner in ((lotte, account.seller_id), (other, seller.pk)):
        batch = waybills_print(seller_id=owner, order_ids=[order.pk], kind=WaybillKind.PACKING)
        labels[order.pk] = Waybill.objects.get(pk=batch.waybill_ids[0]).number
    User.objects.create_user(username="qfc-two", password=PASSWORD, is_warehouse_operator=True)
    login(page, live_server.url, "qfc-two", PASSWORD)
    page.goto(f"{live_server.url}/waybills/receiving/")
    scan, courier = page.locator("#id_label"), page.locator("#id_courier")

    scan.type(labels[lotte.pk])
    scan.press("Enter")
    page.locator(".scan-found").wait_for()
    assert courier.locator("option[value='0002']").count() == 1, "LotteON's codes for a LotteON parcel"

    scan.fill("")
    scan.type(labels[other.pk])
    scan.press("Enter")
    page.locator(".scan-found").wait_for()
    expect(courier.locator("option[value='0002']")).to_have_count(0)
    assert courier.locator("option[value='LOGEN']").count() == 1, "the generic list for a site without one"
    courier.select_option("LOGEN")
    page.locator("#id_tracking_no").type("4455-6677-8899")
    page.locator("#id_tracking_no").press("Enter")
    page.locator(".scan-ok").wait_for()
    assert "not pushed" in page.locator("#scan-message").inner_text().lower()
    assert not TrackingPush.objects.filter(order=other).exists()
    screenshot("waybills-receiving-other-site")


@pytest.mark.django_db(transaction=True)
def test_print_all_asks_with_the_number_and_prints_every_page(page, live_server):
    """More orders than one page holds: Print all names how many it prints and asks first (its own question,
    not the form's), then prints them all in one batch."""
    from tests.waybills.test_pages import make_order

    seller, _ = make_seller_user(name="스마트십 데모상점", username="wb-all")
    for n in range(101):
        make_order(seller, manual=True, name=f"수취인{n:03d}")
    login(page, live_server.url, "wb-all", PASSWORD)
    page.goto(f"{live_server.url}/waybills/print/?kind=packing")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Print all 101 matching").click()
    assert "Print packing labels for all the 101 orders that match the filters, on every page?" in questions[0]
    assert not Waybill.objects.exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Print all 101 matching").click()
    panel = page.locator(".wb-batch")
    panel.wait_for()
    assert "101 packing labels" in panel.inner_text()
    assert Waybill.objects.filter(kind=WaybillKind.PACKING).count() == 101
