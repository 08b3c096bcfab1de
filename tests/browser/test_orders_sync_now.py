"""From an empty Orders list, Sync now brings the LotteON orders in; the list then shows them."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_account, make_seller_user
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]


def test_orders_appear_after_sync_now(page, live_server, sandbox, settings, eager_celery, screenshot):
    settings.LOTTEON_BASE_URL = sandbox.url
    seller, _ = make_seller_user(username="first-day")
    make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO, shop_id="lotte-1")
    codes = [r["eitmNo"] for r in sandbox.state()["stock"] if r["eitmNo"] and r["slStatCd"] == "SALE"][:2]
    sandbox.create_order(lines=[{"eitmNo": codes[0], "odQty": 2}], dvpCustNm="박서준")
    sandbox.create_order(lines=[{"eitmNo": codes[1]}], dvpCustNm="이수민")

    login(page, live_server.url, "first-day", PASSWORD)
    page.goto(f"{live_server.url}/orders/")
    expect(page.locator(".order-row")).to_have_count(0)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    button = page.get_by_role("button", name="Sync now")
    width = button.bounding_box()["width"]
    button.click()
    panel = page.locator(".sync-progress")
    panel.wait_for()
    expect(panel).to_contain_text("Succeeded")
    assert "new 2" in panel.inner_text()
    assert button.bounding_box()["width"] == width, "the button keeps its size; the panel opens below it"
    assert errors == [], "no out-of-band update without its target (htmx:oobErrorNoTarget)"
    panel.get_by_role("link", name="See the orders ›").click()
    rows = page.locator(".order-row")
    expect(rows).to_have_count(2)
    text = page.locator(".orders-card").inner_text()
    assert "박서준" in text and "이수민" in text
    screenshot("orders-after-sync-now")


def test_sync_now_on_the_account_page_updates_its_last_sync(page, live_server, sandbox, settings, eager_celery,
                                                           screenshot):
    settings.LOTTEON_BASE_URL = sandbox.url
    seller, _ = make_seller_user(username="account-page")
    account = make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO)
    login(page, live_server.url, "account-page", PASSWORD)
    page.goto(f"{live_server.url}/sales-sites/{account.pk}/")
    last_sync = page.locator(f"#last-sync-{account.pk}")
    assert "Last successful sync: never" in last_sync.inner_text()
    call_log = page.locator("#call-log")
    expect(call_log).to_contain_text("No calls yet.")
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator(".sync-progress")).to_contain_text("Succeeded")
    expect(last_sync).not_to_contain_text("never")
    # The API call log reloads with the calls the sync made (209 pulls, 50 cancellations), in place.
    expect(call_log.locator("tbody tr").first).to_be_visible()
    expect(call_log).to_contain_text("SellerDeliveryOrdersSearch")
    expect(call_log).to_contain_text("getCancellationRequestAndComplateList")
    expect(page.locator("#call-log")).to_have_count(1)
    expect(page.locator(".sync-progress")).to_contain_text("Succeeded")
    assert errors == []
    screenshot("account-after-sync-now")
