"""Every page at the widths between a phone and a wide screen: 1024 px (a tablet held sideways, or a 1280 px
laptop at 125 % zoom) and 1180 px. Beside the menu, a wide table scrolls inside its own card, and filters wrap;
the page itself never scrolls sideways (its top bar and the table's right-hand columns would slide out of view),
and nothing sticks out of its card."""

from __future__ import annotations

import pytest

from tests.browser.portal import portal_fill
from tests.factories import PASSWORD, make_seller_user
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDER_THAN_THE_WINDOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  // What sticks out: the outermost elements past the right edge (not those inside a scrolling table).
  return [...document.querySelectorAll("main *")].filter((el) => el.getBoundingClientRect().right > width + 1
      && !el.parentElement.closest(".table-wrap") && getComputedStyle(el).position !== "fixed")
    .slice(0, 3).map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`);
}"""


OUT_OF_THEIR_CARD = """() => [...document.querySelectorAll("main .card *")].filter((el) => {
  if (el.closest(".table-wrap") || !el.getClientRects().length) return false;
  return el.getBoundingClientRect().right > el.closest(".card").getBoundingClientRect().right + 1;
}).slice(0, 3).map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} ${el.textContent.trim().slice(0, 20)}`)"""


def test_no_page_scrolls_sideways_between_phone_and_wide_widths(browser, live_server, settings, screenshot):
    settings.LOTTEON_BASE_URL = "http://127.0.0.1:9"
    seller, user = make_seller_user(name="너비 상점", username="width-seller")
    portal = portal_fill(seller, user, qfc_username="width-qfc", admin_username="width-admin", password=PASSWORD)
    wide: list[str] = []
    for username, pages in (("width-seller", portal.seller_pages), ("width-qfc", portal.qfc_pages)):
        context = browser.new_context(viewport={"width": 1024, "height": 800}, locale="en-US")
        page = context.new_page()
        try:
            login(page, live_server.url, username, PASSWORD)
            for width in (1024, 1180):
                page.set_viewport_size({"width": width, "height": 800})
                for path in pages:
                    page.goto(f"{live_server.url}{path}")
                    page.wait_for_load_state("networkidle")
                    sticking_out = page.evaluate(WIDER_THAN_THE_WINDOW)
                    if page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth"):
                        wide.append(f"{width} px {path}: {sticking_out}")
                    # A filter's button or field past the edge of its card is cut off or floats beside it.
                    if outside := page.evaluate(OUT_OF_THEIR_CARD):
                        wide.append(f"{width} px {path}, out of their card: {outside}")
        finally:
            context.close()
    assert not wide, "\n".join(wide)
