import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_seller_user
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_see_dashboard_and_log_out(page, live_server, screenshot):
    make_seller_user(name="브라우저 상점", username="browser-seller")

    page.goto(f"{live_server.url}/orders/")
    assert "/accounts/login/" in page.url
    screenshot("login")

    login(page, live_server.url, "browser-seller", PASSWORD)
    assert page.locator("h1").first.inner_text() == "브라우저 상점"
    nav = page.locator("aside nav")
    for label in ["Sales Site API", "Orders", "Print Waybill", "SKU Management"]:
        assert nav.get_by_role("link", name=label).is_visible()
    screenshot("dashboard")

    nav.get_by_role("link", name="Print Waybill").click()
    assert page.locator("h1").inner_text() == "Print Waybill"

    page.set_viewport_size({"width": 390, "height": 800})
    screenshot("dashboard-narrow")
    page.set_viewport_size({"width": 1366, "height": 860})

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/logged-out/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have been logged out")
    screenshot("logged-out")
    page.reload()  # a GET page: reloading it posts nothing again
    expect(page.get_by_role("heading", level=1)).to_have_text("You have been logged out")
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.go_back()
    page.get_by_role("link", name="Log in again").click()
    page.wait_for_url("**/accounts/login/")
    login(page, live_server.url, "browser-seller", PASSWORD)


def test_wrong_password_is_explained(page, live_server):
    make_seller_user(username="someone")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "someone")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert "correct username and password" in page.locator(".alert-error").inner_text()
