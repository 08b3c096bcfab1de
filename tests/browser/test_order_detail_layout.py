"""An order's page at the widths sellers use: the numbers of the Order card are read whole, never split over
two lines (a split combined shipping group reads as another number)."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_account, make_seller_user
from tests.orders.factories import make_order
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def lines_of(page, label: str) -> int:
    """How many lines the value beside ``label`` in the Order card takes on screen."""
    return page.evaluate("""(label) => {
        const dt = [...document.querySelectorAll('.order-summary dt')].find(el => el.textContent.trim() === label);
        const dd = dt.nextElementSibling;
        const range = document.createRange();
        range.selectNodeContents(dd);
        return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
    }""", label)


@pytest.mark.parametrize("width", [1280, 1024, 390])
def test_the_order_cards_numbers_stay_on_one_line(page, live_server, screenshot, width):
    seller, _ = make_seller_user(name="롯데온 상점", username="layout-seller")
    account = make_account(seller=seller, shop_id="lotte-shop")
    order = make_order(seller=seller, account=account, combined_group="000133520869")
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server.url, "layout-seller", PASSWORD)
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    screenshot(f"order-detail-facts-{width}")
    assert page.locator(".order-summary dd", has_text="000133520869").is_visible()
    assert lines_of(page, "Combined shipping group") == 1
    assert lines_of(page, "Amount") == 1
