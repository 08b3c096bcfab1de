"""QFC receiving when a scan gets no usable answer: the network is down, the operator's session ended, the page
is out of date after signing in again elsewhere. Each says so on the big feedback box — a silent failure looks
like a scan still in progress — and nothing is received until a scan gets through."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sellers.models import User
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.plugins.browser import login
from tests.waybills.helpers import pull
from waybills.models import Waybill, WaybillKind
from waybills.services.printing import waybills_print

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]


def scan(page, label: str, tracking_no: str | None = None) -> None:
    """The label, then (once its lookup answered, as an operator scans one after the other) the tracking number."""
    page.locator("#scan-reset").click()
    page.locator("#id_label").fill(label)
    page.locator("#id_label").press("Enter")
    expect(page.locator("#scan-feedback")).not_to_have_class(re.compile("scan-idle"))
    if tracking_no:
        page.locator("#id_courier").select_option("0002")
        page.locator("#id_tracking_no").fill(tracking_no)
        page.locator("#id_tracking_no").press("Enter")


@pytest.fixture
def label(page, live_server, sandbox, settings) -> Waybill:
    """A packing label printed for a pulled order, and QFC receiving open for the operator "qfc-scan"."""
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.SMARTSHIP_ORDER_LOOKBACK_DAYS = 2
    seller, _ = make_seller_user(name="스마트십 데모상점", username="scan-seller")
    account = make_account(seller=seller, shop_id="lotte-shop", api_key=sandbox.DEMO_KEY,
                           account_number=sandbox.DEMO_TR_NO)
    (order,) = pull(sandbox, account, 1)
    waybills_print(seller_id=seller.pk, order_ids=[order.pk], kind=WaybillKind.PACKING)
    User.objects.create_user(username="qfc-scan", password=PASSWORD, is_warehouse_operator=True)
    login(page, live_server.url, "qfc-scan", PASSWORD)
    page.goto(f"{live_server.url}/waybills/receiving/")
    return Waybill.objects.get(order=order)


def test_a_scan_without_an_answer_says_why(page, live_server, label, screenshot):
    title = page.locator("#scan-title")

    # The warehouse network drops.
    page.route("**/waybills/receiving/**", lambda route: route.abort())
    scan(page, label.number)
    expect(title).to_have_text("✖ No connection")
    page.unroute("**/waybills/receiving/**")

    # The server fails.
    page.route("**/waybills/receiving/lookup/**", lambda route: route.fulfill(status=502, body="Bad Gateway"))
    scan(page, label.number)
    expect(title).to_have_text("✖ Server error")
    expect(page.locator("#scan-message")).to_contain_text("HTTP 502")
    page.unroute("**/waybills/receiving/lookup/**")

    # Signed in again in another window: the token in this page's form no longer holds.
    page.context.clear_cookies()
    other = page.context.new_page()
    login(other, live_server.url, "qfc-scan", PASSWORD)
    other.close()
    scan(page, label.number, "678912345678")
    expect(title).to_have_text("✖ Page out of date")
    expect(page.locator("#scan-message")).to_contain_text("reload the page")
    screenshot("receiving-page-out-of-date")

    # The session ended (it expired, or was logged out elsewhere): the lookup and the receipt say so.
    page.reload()
    page.context.clear_cookies(name="sessionid")
    scan(page, label.number)
    expect(title).to_have_text("✖ Signed out")
    scan(page, label.number, "678912345678")
    expect(title).to_have_text("✖ Signed out")
    label.refresh_from_db()
    assert label.status == Waybill.Status.PRINTED and label.tracking_no == "", "nothing was received"

    # Signed in again, the same scan goes through.
    login(page, live_server.url, "qfc-scan", PASSWORD)
    page.goto(f"{live_server.url}/waybills/receiving/")
    scan(page, label.number, "678912345678")
    expect(title).to_have_text("✔ Received")


def test_a_receipt_without_a_carrier_says_so_on_the_feedback_box(page, label, screenshot):
    """The tracking number scanned before a carrier was chosen: the big box says what is missing (the browser's own
    small bubble on the select is easy to miss at a scanning station), and nothing is received."""

    scan(page, label.number)
    expect(page.locator("#scan-title")).to_have_text("Label found")
    page.locator("#id_tracking_no").fill("678912345678")
    page.locator("#id_tracking_no").press("Enter")

    expect(page.locator("#scan-title")).to_have_text("✖ Carrier missing")
    assert page.locator("#id_courier").evaluate("el => el === document.activeElement"), "the carrier is next"
    screenshot("receiving-carrier-missing")
    label.refresh_from_db()
    assert label.status == Waybill.Status.PRINTED and label.tracking_no == "", "nothing was received"
