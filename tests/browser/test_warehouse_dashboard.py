"""The QFC operator's dashboard against the pages it summarises: a card that opens a tab of Fulfilment orders
says that tab's name and count, so the two pages never give one word two numbers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inventory.services.fulfilment import fulfilment_orders_send, fulfilments_start_picking
from orders.services.manual import ManualItem, manual_order_create
from sellers.models import User
from tests.factories import PASSWORD, make_seller_user
from tests.inventory.factories import make_multi
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_each_fulfilment_card_names_its_tab_and_shows_its_count(page, live_server, screenshot):
    seller, user = make_seller_user(name="스마트 상점")
    make_multi(seller=seller, options=[("TS-BLK-M", "블랙 / M")])
    orders = [manual_order_create(
        seller=seller, actor=user, recipient_name="김민준", recipient_mobile="010-1234-5678", zip_code="04524",
        address="서울 중구 세종대로 110", items=[ManualItem(seller_code="TS-BLK-M", product_name="반팔 티셔츠", quantity=1)])
        for _ in range(3)]
    sent = fulfilment_orders_send(seller=seller, order_ids=[order.pk for order in orders], actor=user)
    fulfilments_start_picking(fulfilment_ids=[sent[0].pk])  # 2 open, 1 picking, none packed: To ship is 3
    User.objects.create_user("qfc", password=PASSWORD, is_warehouse_operator=True)

    login(page, live_server.url, "qfc", PASSWORD)
    screenshot("qfc-dashboard")
    cards = page.locator(".warehouse-stats a.stat-link[href*='/inventory/fulfilment/']")
    assert cards.count() >= 2
    seen = []
    for href in [cards.nth(i).get_attribute("href") for i in range(cards.count())]:
        page.goto(f"{live_server.url}/")
        card = page.locator(f".warehouse-stats a.stat-link[href='{href}']")
        heading, number = card.locator("h2").inner_text(), card.locator(".stat-value").inner_text()
        card.click()
        tab = page.locator(".ff-tabs a[aria-current='page']")
        expect(tab).to_be_visible()
        tab_name, tab_count = tab.inner_text().rsplit(maxsplit=1)
        seen.append((heading, number, tab_name, tab_count))
    for heading, number, tab_name, tab_count in seen:
        # The card may say what to do ("To pick" opens Open) but never another tab's name with its own number.
        tab_names = {"To ship", "Open", "Picking", "Packed", "Flagged", "Shipped", "Cancelled"}
        assert heading == tab_name or heading not in tab_names, (heading, tab_name)
        assert number == tab_count, (heading, number, tab_name, tab_count)
