"""Sorting the Orders list on a phone, where the rows are cards and the sortable column headers are hidden."""

import pytest
from playwright.sync_api import expect

from orders.models import OrderStatus
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.orders.factories import make_order
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_phone_user_sorts_the_orders_with_the_sort_by_select(page, live_server, screenshot):
    seller, _ = make_seller_user(username="orders-sort")
    account = make_account(seller=seller)
    # The factory makes each order a minute older than the one before: newest first (the default) is dearest first.
    for unit_price in (59000, 31000, 12900):
        make_order(seller=seller, account=account, status=OrderStatus.CONFIRMED,
                   lines=[{"unit_price": unit_price}])
    login(page, live_server.url, "orders-sort", PASSWORD)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/orders/")
    amounts = page.locator(".order-row td[data-label=Amount]")
    expect(amounts).to_have_text(["59,000원", "31,000원", "12,900원"])
    expect(page.locator(".orders-table thead")).to_be_hidden()

    sort = page.get_by_label("Sort by")
    expect(sort).to_be_visible()
    expect(sort).to_have_value("-instructed_at")
    sort.select_option(label="Amount, lowest first")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**ordering=total_amount**")
    expect(amounts).to_have_text(["12,900원", "31,000원", "59,000원"])
    expect(page.get_by_label("Sort by")).to_have_value("total_amount")
    screenshot("orders-sort-by-375")

    # Where the headers are shown they sort, and the select is not shown twice; it keeps their sort on a search.
    page.set_viewport_size({"width": 1366, "height": 860})
    expect(page.get_by_label("Sort by")).to_be_hidden()
    page.get_by_role("link", name="Recipient").click()
    page.wait_for_url("**ordering=recipient_name**")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("columnheader", name="Recipient")).to_have_attribute("aria-sort", "ascending")


def test_sorting_works_without_javascript(browser, live_server):
    """The select is part of the filter form's GET: no script needed."""
    seller, _ = make_seller_user(username="orders-sort-nojs")
    account = make_account(seller=seller)
    for unit_price in (59000, 12900):
        make_order(seller=seller, account=account, lines=[{"unit_price": unit_price}])
    context = browser.new_context(viewport={"width": 375, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, live_server.url, "orders-sort-nojs", PASSWORD)
        page.goto(f"{live_server.url}/orders/")
        expect(page.locator(".order-row td[data-label=Amount]")).to_have_text(["59,000원", "12,900원"])
        page.get_by_label("Sort by").select_option("total_amount")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**ordering=total_amount**")
        expect(page.locator(".order-row td[data-label=Amount]")).to_have_text(["12,900원", "59,000원"])
    finally:
        context.close()
