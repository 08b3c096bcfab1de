"""QFC ▸ Stock: an adjustment typed on a page drawn before a colleague's correction is not booked twice."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inventory.services.stock import stock_adjust, stock_receive
from sellers.models import User
from tests.factories import PASSWORD, make_seller_user
from tests.inventory.factories import make_single
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_correction_from_a_stale_page_is_refused_then_applied_after_a_look(page, live_server, screenshot):
    seller, _ = make_seller_user()
    option = make_single(seller=seller, code="EARBUDS-01").options.get()
    stock_receive(seller=seller, option=option, quantity=3)
    User.objects.create_user("qfc", password=PASSWORD, is_warehouse_operator=True)
    colleague = User.objects.create_user("qfc-kim", password=PASSWORD, is_warehouse_operator=True)

    login(page, live_server.url, "qfc", PASSWORD)
    page.goto(f"{live_server.url}/inventory/stock/?option={option.pk}")
    page.fill("#id_adjustment_quantity", "2")
    page.select_option("#id_adjustment_reason", "count")
    # Meanwhile a colleague counted the same shelf and booked the same correction.
    stock_adjust(seller=seller, option=option, quantity=2, reason="count", actor=colleague, on_hand_seen=3)

    page.locator("#adjustment-form").get_by_role("button", name="Adjust").click()
    alert = page.locator("#adjustment-form .alert-error")
    expect(alert).to_contain_text("changed since this page was shown: 3 then, 5 now")
    expect(alert).to_contain_text("by qfc-kim")
    expect(page.locator("#id_adjustment_quantity")).to_have_value("2")
    screenshot("stock-adjust-changed-meanwhile")
    option.refresh_from_db()
    assert option.on_hand == 5

    page.locator("#adjustment-form").get_by_role("button", name="Adjust").click()
    expect(page.get_by_text("Adjusted +2 × EARBUDS-01")).to_be_visible()
    option.refresh_from_db()
    assert option.on_hand == 7


def test_a_phone_can_type_the_minus_of_a_stock_correction(page, live_server, screenshot):
    """Change (+ in, − out) takes negative numbers: on a phone the field must not ask for the digits-only keypad
    (inputmode "numeric" shows one with no minus key on iPhones), or stock could not be taken out there."""
    seller, _ = make_seller_user()
    option = make_single(seller=seller, code="EARBUDS-01").options.get()
    stock_receive(seller=seller, option=option, quantity=3)
    User.objects.create_user("qfc", password=PASSWORD, is_warehouse_operator=True)
    page.set_viewport_size({"width": 390, "height": 844})

    login(page, live_server.url, "qfc", PASSWORD)
    page.goto(f"{live_server.url}/inventory/stock/?option={option.pk}")
    change = page.locator("#id_adjustment_quantity")
    assert change.get_attribute("inputmode") not in ("numeric", "decimal")
    # A quantity received is never negative: there the digits-only keypad is the right one.
    assert page.locator("#id_receipt_quantity").get_attribute("inputmode") == "numeric"
    change.fill("-2")
    page.select_option("#id_adjustment_reason", "damaged")
    screenshot("stock-adjust-phone")
    page.locator("#adjustment-form").get_by_role("button", name="Adjust").click()
    expect(page.get_by_text("Adjusted -2 × EARBUDS-01")).to_be_visible()
    option.refresh_from_db()
    assert option.on_hand == 1
