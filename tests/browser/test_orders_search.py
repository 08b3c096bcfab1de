"""A search matching more orders than the list counts, as the seller sees it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.bulk import objects_insert
from orders.models import LineStatus, Order, OrderLine, OrderStatus
from orders.services.search import orders_search_refresh
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_common_search_says_1000_plus_and_lists_the_first_thousand(page, live_server, screenshot):
    seller, _ = make_seller_user(name="텀블러 상점", username="many-orders")
    account = make_account(seller=seller)
    now = timezone.now()
    orders = [Order(seller=seller, account=account, site="lotteon", order_no=f"2026112{n:09d}",
                    recipient_name=f"고객{n}", address="서울 중구 을지로 30", status=OrderStatus.NEW,
                    instructed_at=now - timedelta(minutes=n), total_quantity=1, total_amount=Decimal(15900))
              for n in range(1, 1021)]
    objects_insert(orders)
    objects_insert([OrderLine(order=order, seller=seller, line_no="1", product_name="스테인리스 텀블러 500ml",
                              quantity=1, unit_price=Decimal(15900), amount=Decimal(15900), status=LineStatus.NEW)
                    for order in orders])
    orders_search_refresh(order_ids=[order.pk for order in orders])
    # One order that does not match, to show the search narrows.
    other = Order.objects.create(seller=seller, account=account, site="lotteon", order_no="2026112999999999",
                                 recipient_name="이서연", address="부산", instructed_at=now)
    orders_search_refresh(order_ids=[other.pk])

    login(page, live_server.url, "many-orders", PASSWORD)
    page.goto(f"{live_server.url}/orders/")
    page.get_by_label("Search").fill("텀블러")
    page.locator("input[name=q]").press("Enter")
    page.wait_for_url("**q=*")
    expect(page.locator(".order-row")).to_have_count(50)
    assert page.locator(".status-tab[data-tab=all] .tab-count").inner_text() == "1,000+"
    footer = page.locator(".list-footer").inner_text()
    assert "1–50 of 1,000+ orders" in footer and "the first 1,000 are listed" in footer
    assert "이서연" not in page.locator(".orders-card").inner_text()
    screenshot("orders-search-1000-plus")

    page.locator("input[name=q]").fill("고객1019")
    page.locator("input[name=q]").press("Enter")
    expect(page.locator(".order-row")).to_have_count(1)
    assert page.locator(".status-tab[data-tab=all] .tab-count").inner_text() == "1"
