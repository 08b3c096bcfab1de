"""Findings of an accessibility walk, checked in a real browser: text contrast as Chromium paints it."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from playwright.sync_api import expect

from integrations.models import SyncRun
from sellers.models import User
from tests.browser.portal import two_of_everything
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every element under `root` that holds text itself: its text, colour, the backgrounds behind it (innermost
# first), the opacity of each level (itself first) and its text decoration.
TEXT_STYLES = """(root) => [...root.querySelectorAll("*")].filter((el) =>
    [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())).map((el) => {
  const levels = [];
  for (let node = el; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    levels.push({background: style.backgroundColor, opacity: Number(style.opacity)});
  }
  const style = getComputedStyle(el);
  return {text: el.textContent.trim(), color: style.color, levels, decoration: style.textDecorationLine};
})"""


def rgba(css: str) -> tuple[float, float, float, float]:
    parts = [float(p) for p in css[css.index("(") + 1:-1].replace("/", ",").split(",")]
    return (*parts[:3], parts[3] if len(parts) == 4 else 1.0)


def over(top: tuple, bottom: tuple[float, float, float], alpha: float | None = None) -> tuple[float, float, float]:
    a = top[3] if alpha is None else alpha
    return tuple(t * a + b * (1 - a) for t, b in zip(top[:3], bottom, strict=False))


def luminance(rgb) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(item: dict) -> float:
    """WCAG contrast of the text against what is painted behind it, opacity of the row or cell included."""
    backdrop = (255.0, 255.0, 255.0)
    for level in reversed(item["levels"]):
        backdrop = over(rgba(level["background"]), backdrop)
    text = over(rgba(item["color"]), backdrop)
    opacity = 1.0
    for level in item["levels"]:
        opacity *= level["opacity"]
    if opacity < 1:
        # A translucent ancestor blends the text and its background with the page behind (white or grey).
        page = (245.0, 246.0, 248.0)
        text, backdrop = over((*text, 1), page, opacity), over((*backdrop, 1), page, opacity)
    light, dark = sorted((luminance(text), luminance(backdrop)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_account_options_say_on_or_off_in_text_that_reads_at_aa(page, live_server, screenshot):
    seller, _ = make_seller_user(username="contrast")
    make_account(seller=seller, shop_id="active-shop", auto_order_integration=True)
    make_account(seller=seller, shop_id="paused-shop", account_number="LO10000002", is_active=False,
                 auto_stock_sync=True)
    login(page, live_server.url, "contrast", PASSWORD)
    page.goto(f"{live_server.url}/sales-sites/")
    screenshot("a11y-account-options")
    for cell in page.locator(".account-row td.options").all():
        items = cell.evaluate(TEXT_STYLES)
        words = " ".join(item["text"] for item in items)
        assert "On" in words and "Off" in words, words
        for item in items:
            assert item["decoration"] != "line-through", item["text"]
            assert contrast(item) >= 4.5, (item["text"], round(contrast(item), 2))


def test_the_sync_history_filter_waits_for_its_button_and_works_without_javascript(browser, page, live_server):
    """Choosing an account changes nothing by itself (WCAG 3.2.2); Show filters, with or without JavaScript."""
    seller, _ = make_seller_user(username="history")
    north = make_account(seller=seller, shop_id="north-shop")
    south = make_account(seller=seller, shop_id="south-shop", account_number="LO10000002")
    for account in (north, south):
        SyncRun.objects.create(seller=seller, account=account, status=SyncRun.Status.SUCCEEDED)
    login(page, live_server.url, "history", PASSWORD)
    page.goto(f"{live_server.url}/sales-sites/syncs/")
    runs = page.locator(".runs-table tbody tr")
    expect(runs).to_have_count(2)
    page.get_by_label("Account").select_option(label="south-shop")
    page.wait_for_timeout(300)
    assert page.url == f"{live_server.url}/sales-sites/syncs/", "choosing an option does not load a page"
    expect(runs).to_have_count(2)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/sales-sites/syncs/?account={south.pk}")
    expect(runs).to_have_count(1)
    expect(runs).to_contain_text("south-shop")

    without_js = browser.new_context(java_script_enabled=False, viewport={"width": 1366, "height": 860})
    try:
        plain = without_js.new_page()
        login(plain, live_server.url, "history", PASSWORD)
        plain.goto(f"{live_server.url}/sales-sites/syncs/")
        plain.get_by_label("Account").select_option(label="north-shop")
        plain.get_by_role("button", name="Show").click()
        plain.wait_for_url(f"**/sales-sites/syncs/?account={north.pk}")
        expect(plain.locator(".runs-table tbody tr")).to_have_count(1)
        expect(plain.get_by_label("Account")).to_have_value(str(north.pk))
    finally:
        without_js.close()


ROLE_NAME = re.compile(r'^\s*- (link|button) "((?:[^"\\]|\\.)*)"', re.M)


def repeated_names(page) -> list[str]:
    """Links and buttons of the page's content that share an accessible name (as Chromium computes it)."""
    names = Counter(f"{role} {name}" for role, name in ROLE_NAME.findall(page.locator("main").aria_snapshot()))
    return sorted(name for name, count in names.items() if count > 1)


LISTED_PAGES = ["/sales-sites/", "/orders/", "/inventory/skus/", "/inventory/skus/import/", "/inventory/needs-mapping/",
                "/inventory/needs-mapping/?pick=NEW-CODE-1", "/waybills/print/", "/waybills/push-failures/"]


def shown(locator) -> str:
    """The text a sighted user sees: without the visually hidden part, which must take no room."""
    return locator.evaluate("""(el) => {
        const hidden = [...el.querySelectorAll(".visually-hidden")];
        if (hidden.some((h) => h.getBoundingClientRect().width > 1)) return "hidden text takes room";
        const copy = el.cloneNode(true);
        copy.querySelectorAll(".visually-hidden").forEach((h) => h.remove());
        return copy.textContent.trim();
    }""")


def test_row_actions_have_names_of_their_own(browser, page, live_server):
    """A list whose every row has an "Edit" or "Pick" reads, by name, as a list of identical links: each
    action names its row ("Edit SKU …", "Pick FO-…"), the visible word first."""
    seller, user = make_seller_user(name="이름 상점", username="names")
    pages = two_of_everything(seller, user)
    User.objects.create_user("names-qfc", password=PASSWORD, is_warehouse_operator=True)

    login(page, live_server.url, "names", PASSWORD)
    found = {}
    for path in [*LISTED_PAGES, pages["export"], pages["sku"]]:
        page.goto(f"{live_server.url}{path}")
        found[path] = repeated_names(page)
    operator = browser.new_context(viewport={"width": 1366, "height": 860})
    try:
        warehouse = operator.new_page()
        login(warehouse, live_server.url, "names-qfc", PASSWORD)
        warehouse.goto(f"{live_server.url}/inventory/fulfilment/?tab=all")
        expect(warehouse.locator(".ff-card")).to_have_count(2)
        found["/inventory/fulfilment/"] = repeated_names(warehouse)
        repeated = "\n".join(f"{path}: {names}" for path, names in found.items() if names)
        assert not repeated, f"names used by more than one link or button:\n{repeated}"

        # What is seen stays the one word; the name adds the row.
        first = warehouse.locator(".ff-card").first
        number = first.locator(".ff-number").inner_text()
        # The next step of an open fulfilment order, not the word its state badge shows.
        assert shown(first.get_by_role("link", name=f"Pick {number}", exact=True)) == "Pick"
    finally:
        operator.close()
    page.goto(f"{live_server.url}/inventory/skus/")
    assert shown(page.get_by_role("link", name="Edit SKU 무선 이어폰 (EARBUDS-01)", exact=True)) == "Edit"
