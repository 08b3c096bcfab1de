"""An htmx button or poll whose request fails says so above the page (it would otherwise look dead): a page out
of date after signing in again elsewhere, the network, a server error; the next request that goes through
takes the message away. Signed out, the whole page goes to the login page and comes back after it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_account, make_seller_user
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]


def test_a_failed_background_request_is_reported_on_the_page(page, live_server, sandbox, settings, screenshot):
    settings.LOTTEON_BASE_URL = sandbox.url
    seller, _ = make_seller_user(name="스마트십 데모상점", username="htmx-seller")
    account = make_account(seller=seller, shop_id="lotte-shop", api_key=sandbox.DEMO_KEY,
                           account_number=sandbox.DEMO_TR_NO)
    login(page, live_server.url, "htmx-seller", PASSWORD)
    page.goto(f"{live_server.url}/sales-sites/{account.pk}/")
    error = page.locator("#request-error")
    expect(error).to_be_hidden()
    test = page.get_by_role("button", name="Test Connection of lotte-shop")

    # Signed in again in another window: this page's token no longer holds.
    page.context.clear_cookies()
    other = page.context.new_page()
    login(other, live_server.url, "htmx-seller", PASSWORD)
    other.close()
    test.click()
    expect(error).to_be_visible()
    expect(error).to_contain_text("was out of date")
    screenshot("request-error-out-of-date")

    page.reload()
    expect(error).to_be_hidden()
    page.route("**/test/", lambda route: route.fulfill(status=502, body="<html>Bad Gateway</html>"))
    test.click()
    expect(error).to_contain_text("SmartShip could not answer (HTTP 502)")
    page.unroute("**/test/")
    page.route("**/test/", lambda route: route.abort())
    test.click()
    expect(error).to_contain_text("could not be reached")
    page.unroute("**/test/")

    test.click()
    expect(page.locator(f"#connection-{account.pk} .badge")).to_have_text("Connected")
    expect(error).to_be_hidden()

    # Signed out meanwhile: the whole page goes to the login, and back to this page after it.
    page.context.clear_cookies(name="sessionid")
    test.click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/sales-sites/{account.pk}/")
    page.fill("input[name=username]", "htmx-seller")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/sales-sites/{account.pk}/")
