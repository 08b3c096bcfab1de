"""The seller's first five minutes, in a real browser against the LotteON sandbox."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from integrations.models import SalesSiteAccount
from sellers.models import Seller
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.plugins.browser import assert_table_fits, login

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]


def test_register_test_connection_failures_edit_and_deactivate(page, live_server, sandbox, settings, screenshot):
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.SMARTSHIP_SERVER_IPS = ["211.115.121.4", "20.214.92.38"]
    seller, _ = make_seller_user(name="롯데온 상점", username="lotte-seller")
    login(page, live_server.url, "lotte-seller", PASSWORD)

    page.locator("aside nav").get_by_role("link", name="Sales Site API").click()
    screenshot("sales-site-api-empty")
    page.get_by_role("link", name="+ New registration").first.click()
    page.get_by_role("link", name="LotteON").click()

    page.get_by_label("Shop ID").fill("lotte-shop")
    page.get_by_label("API Key").fill(f"  {sandbox.DEMO_KEY} ")
    page.get_by_label("Account Number").fill(sandbox.DEMO_TR_NO)
    page.get_by_label("Automatic Stock Qty Sync").check()
    assert page.locator("#server-ips").inner_text() == "211.115.121.4;20.214.92.38"

    page.get_by_role("button", name="Test Connection").click()
    result = page.locator(".test-result")
    result.wait_for()
    assert "Connection successful" in result.inner_text()
    assert sandbox.DEMO_TR_NO in result.inner_text() and "스마트십 데모상점" in result.inner_text()
    assert not SalesSiteAccount.objects.exists(), "testing from the form saves nothing"
    screenshot("sales-site-form-success")

    page.get_by_role("button", name="Register").click()
    page.wait_for_url(f"{live_server.url}/sales-sites/")
    row = page.locator(".account-row")
    # The form's successful test of these same credentials is the new account's status: no second test.
    assert "registered and connected as 스마트십 데모상점" in page.locator(".messages").inner_text()
    assert "lotte-shop" in row.inner_text() and row.locator(".badge-ok").is_visible()

    # Test Connection on the list swaps the status in place: no page load.
    page.evaluate("window.__marker = 'same page'")
    row.get_by_role("button", name="Test Connection").click()
    page.locator(".account-row .badge-ok").wait_for()
    assert "스마트십 데모상점" in row.inner_text()
    assert page.evaluate("window.__marker") == "same page"
    screenshot("sales-site-list-connected")

    sandbox.supplier(apiKey=sandbox.DEMO_KEY, expired=True)
    row.get_by_role("button", name="Test Connection").click()
    page.locator(".account-row .badge-failed").wait_for()
    assert "invalid or has expired" in row.inner_text()
    # The result has the focus (a screen reader reads it); the next Tab is the Test Connection button again.
    expect(row.locator(".connection-result")).to_be_focused()
    page.keyboard.press("Tab")
    expect(row.get_by_role("button", name="Test Connection")).to_be_focused()
    screenshot("sales-site-list-expired-key")

    sandbox.supplier(apiKey=sandbox.DEMO_KEY, expired=False, allowedIps=["10.9.9.9"])
    row.get_by_role("button", name="Test Connection").click()
    # A locator, not wait_for_function: its string predicate is evaluated in the page, which the portal's
    # Content-Security-Policy (no eval) refuses as soon as it has to poll.
    expect(row.locator(".connection-message")).to_contain_text("IP")
    text = row.inner_text()
    assert "not registered" in text and "211.115.121.4;20.214.92.38" in text
    screenshot("sales-site-list-ip-not-registered")

    sandbox.supplier(apiKey=sandbox.DEMO_KEY, allowedIps=None)
    row.get_by_role("link", name="Edit").click()
    assert page.get_by_label("API Key").input_value() == ""
    page.get_by_label("Shop ID").fill("lotte-shop-2")
    page.get_by_role("button", name="Test Connection").click()
    page.locator(".test-result").wait_for()
    assert "Connection successful" in page.locator(".test-result").inner_text(), "an empty key field tests the stored key"
    screenshot("sales-site-edit")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/sales-sites/")
    account = SalesSiteAccount.objects.get(seller=seller)
    assert account.shop_id == "lotte-shop-2" and account.get_api_key() == sandbox.DEMO_KEY and account.auto_stock_sync

    page.locator(".account-row").get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Deactivate").click()
    assert "deactivated" in page.locator(".alert").first.inner_text()
    assert "Inactive" in page.locator(".account-row").inner_text()
    account.refresh_from_db()
    assert not account.is_active

    page.locator(".account-row").get_by_role("link", name="Call log").click()
    assert page.locator(".calls-table tbody tr").count() >= 4
    screenshot("sales-site-call-log")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/sales-sites/new/lotteon/")
    screenshot("sales-site-form-narrow")


def test_the_account_list_fits_a_1280_px_window_and_reads_on_a_phone(page, live_server, screenshot):
    seller, _ = make_seller_user(username="fit-seller")
    checked = timezone.now()
    make_account(seller=seller, shop_id="lotte-shop-north", auto_fulfillment=True, auto_stock_sync=True,
                 connection_status="ok", connection_checked_at=checked, supplier_number="LO10000001",
                 supplier_name="스마트십 데모상점", last_synced_at=checked)
    make_account(seller=seller, shop_id="lotte-shop-south", account_number="LO10000002", is_active=False,
                 connection_status="failed", connection_checked_at=checked,
                 connection_message="The server IP is not registered at LotteON: register "
                                    "211.115.121.4;211.115.121.6;20.214.92.38;20.249.181.82;20.249.181.119")
    login(page, live_server.url, "fit-seller", PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/sales-sites/")
    screenshot("sales-site-list-1280")
    assert_table_fits(page, ".accounts-table")
    for action in page.locator(".account-row td.actions a").all():
        assert action.is_visible()

    page.set_viewport_size({"width": 375, "height": 740})
    page.wait_for_timeout(300)  # the menu slides out of the narrow window
    screenshot("sales-site-list-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # On a card the column headings are gone: the sync time says what it is (it was a bare date).
    synced = page.locator(".account-row").first.locator("td.last-sync")
    assert synced.evaluate("td => getComputedStyle(td, '::before').content") == '"Last successful sync: "'
    expect(page.locator(".account-row").nth(1).locator("td.last-sync")).to_have_text("never")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.locator(".account-row").first.get_by_role("link", name="Call log").click()
    page.wait_for_url("**/#call-log")
    expect(page.locator("#call-log")).to_be_in_viewport()


def test_a_key_near_its_year_is_renewed_from_the_reminder(page, live_server, sandbox, settings, screenshot):
    """The dashboard says the key expires soon; its Edit link takes the new key and the date LotteON shows, and
    the reminder is gone."""
    settings.LOTTEON_BASE_URL = sandbox.url
    seller, _ = make_seller_user(username="renew-seller")
    account = make_account(seller=seller, shop_id="lotte-shop", api_key=sandbox.DEMO_KEY,
                           account_number=sandbox.DEMO_TR_NO)
    SalesSiteAccount.objects.filter(pk=account.pk).update(api_key_saved_at=timezone.now() - timedelta(days=350))
    login(page, live_server.url, "renew-seller", PASSWORD)

    reminder = page.locator(".key-renew")
    expect(reminder).to_contain_text("The API Key of lotte-shop expires on")
    expect(reminder).to_contain_text("in 15 days")
    screenshot("dashboard-key-renew")
    reminder.get_by_role("link", name="Edit lotte-shop").click()
    page.wait_for_url(f"**/sales-sites/{account.pk}/edit/")
    page.get_by_label("API Key", exact=True).fill(sandbox.DEMO_KEY)
    valid_until = timezone.localdate() + timedelta(days=365)
    page.get_by_label("Key expires on").fill(valid_until.isoformat())
    screenshot("sales-site-edit-key-date")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/sales-sites/")
    expect(page.locator(".key-renew")).to_have_count(0)
    expect(page.locator(".account-row .key-expiry")).to_have_count(0)
    page.get_by_role("link", name="lotte-shop", exact=True).click()
    expect(page.locator(".key-expiry")).to_have_text(f"Key expires on {valid_until:%Y-%m-%d}")
    page.goto(f"{live_server.url}/")
    expect(page.locator(".key-renew")).to_have_count(0)


def test_alert_emails_are_set_on_the_sales_site_api_page(page, live_server, screenshot):
    seller, _ = make_seller_user(username="alert-seller")
    make_account(seller=seller, shop_id="lotte-shop")
    login(page, live_server.url, "alert-seller", PASSWORD)
    page.goto(f"{live_server.url}/sales-sites/")
    field = page.get_by_label("Alert e-mails")
    field.fill("owner@shop.example\nowner-at-shop")
    page.locator("#alerts").get_by_role("button", name="Save").click()
    expect(page.locator("#alerts .field-error")).to_have_text("Not an e-mail address: owner-at-shop. Nothing was saved.")
    expect(page.get_by_label("Alert e-mails")).to_have_value("owner@shop.example\nowner-at-shop")
    page.get_by_label("Alert e-mails").fill("owner@shop.example\nops@shop.example")
    page.locator("#alerts").get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_have_text("Alerts go to 2 addresses.")
    expect(page.get_by_label("Alert e-mails")).to_have_value("owner@shop.example\nops@shop.example")
    screenshot("sales-site-alert-emails")
    assert Seller.objects.get(pk=seller.pk).alert_emails == "owner@shop.example\nops@shop.example"
    page.get_by_role("button", name="Send a test e-mail").click()
    expect(page.locator(".messages")).to_have_text("Test e-mail sent to owner@shop.example, ops@shop.example.")
    assert [message.to for message in mail.outbox] == [["owner@shop.example", "ops@shop.example"]]
