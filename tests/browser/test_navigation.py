"""Getting around with the keyboard: the skip link, and the menu on a phone (a button that opens it, Esc and
the close button that close it, no hidden links in the tab order while it is closed)."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_seller_user
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused(page) -> str:
    return page.evaluate("""() => {
        const el = document.activeElement;
        return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} ${el.getAttribute("aria-label") || el.textContent.trim()}`;
    }""")


def test_the_skip_link_comes_first_and_moves_to_the_content(page, live_server):
    make_seller_user(name="키보드 상점", username="keys")
    login(page, live_server.url, "keys", PASSWORD)
    page.goto(f"{live_server.url}/orders/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    assert focused(page).startswith("main#content")
    page.keyboard.press("Tab")
    assert "sidebar" not in page.evaluate("document.activeElement.closest('aside')?.id || ''"), "past the menu"


def test_the_phone_menu_opens_and_closes_from_the_keyboard(page, live_server, screenshot):
    make_seller_user(name="키보드 상점", username="keys")
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, live_server.url, "keys", PASSWORD)
    page.goto(f"{live_server.url}/orders/")
    orders_link = page.locator("aside nav").get_by_role("link", name="Orders")
    expect(orders_link).to_be_hidden()

    # Closed, the menu's links are not in the tab order: skip link, then the menu button.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    menu = page.get_by_role("button", name="Menu", exact=True)
    expect(menu).to_be_focused()
    expect(menu).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(orders_link).to_be_visible()
    expect(page.get_by_role("button", name="Close the menu")).to_be_focused()
    page.wait_for_timeout(250)  # the slide-in
    screenshot("menu-open-375")
    page.keyboard.press("Escape")
    expect(orders_link).to_be_hidden()
    expect(menu).to_be_focused()

    menu.click()
    page.get_by_role("button", name="Close the menu").click()
    expect(orders_link).to_be_hidden()
    menu.click()
    page.mouse.click(360, 400)  # beside the open menu: on the backdrop, not on the page under it
    expect(orders_link).to_be_hidden()
    assert page.url.endswith("/orders/")

    menu.click()
    orders_link.click()
    page.wait_for_url("**/orders/")
    expect(page.locator("h1")).to_have_text("Orders")


def test_the_api_docs_lead_back_to_the_portal(page, live_server, screenshot):
    """REST API in the menu opens the API docs in the same tab; that page has no menu of its own, so it must offer
    the way back to the portal (with the keyboard as well), or a seller on a phone is left without one."""
    make_seller_user(name="키보드 상점", username="keys")
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, "keys", PASSWORD)
    page.goto(f"{live_server.url}/orders/")
    page.get_by_role("button", name="Menu", exact=True).click()
    page.locator("aside nav").get_by_role("link", name="REST API").click()
    page.wait_for_url(f"{live_server.url}/api/docs/")
    expect(page.get_by_text("/api/v1/orders/", exact=True).first).to_be_visible()
    screenshot("api-docs-back-390")

    page.keyboard.press("Tab")
    back = page.get_by_role("link", name="‹ Back to SmartShip")
    expect(back).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("키보드 상점")
