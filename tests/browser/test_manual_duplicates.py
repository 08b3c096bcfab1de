"""A seller enters a manual shipping order for a LotteON sale that the sync then pulls: the pulled order waits
in Needs attention, and the seller calls the manual one off from the order page, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from integrations.models import SyncRun
from orders.models import Order, OrderStatus
from orders.services.sync import orders_sync
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]


def test_the_seller_chooses_which_order_of_one_sale_ships(page, live_server, sandbox, settings, screenshot):
    settings.LOTTEON_BASE_URL = sandbox.url
    seller, _ = make_seller_user(name="수동주문 상점", username="twin-seller")
    account = make_account(seller=seller, shop_id="lotte-shop", api_key=sandbox.DEMO_KEY,
                           account_number=sandbox.DEMO_TR_NO)
    code = next(row["eitmNo"] for row in sandbox.state()["stock"] if row["eitmNo"] and row["slStatCd"] == "SALE")
    sale = sandbox.create_order(state="new", lines=[{"eitmNo": code, "odQty": 1}],
                                recipient={"dvpCustNm": "김민준", "dvpMphnNo": "010-1234-5678"})
    login(page, live_server.url, "twin-seller", PASSWORD)

    # The seller enters the sale by hand (without an account: it could be any site's) before the sync runs.
    page.goto(f"{live_server.url}/orders/manual/new/")
    page.get_by_label("Recipient name (수취인)").fill("김민준")
    page.get_by_label("Mobile (휴대폰)").fill("010-1234-5678")
    page.get_by_label("Zip code (우편번호)").fill("06236")
    page.locator("#id_address").fill("서울특별시 강남구 테헤란로 152")
    page.get_by_label("Sales site order number (주문번호)").fill(sale["odNo"])
    page.fill("[name=items-0-seller_code]", code)
    page.fill("[name=items-0-product_name]", "반팔 티셔츠")
    page.fill("[name=items-0-quantity]", "1")
    page.get_by_role("button", name="Create shipping order").click()
    page.locator(".alert-success").wait_for()
    manual = Order.objects.get(seller=seller, source=Order.Source.MANUAL)

    run = orders_sync(account_id=account.pk)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
    pulled = Order.objects.get(seller=seller, source=Order.Source.PULLED)

    page.goto(f"{live_server.url}/orders/?status=attention")
    row = page.locator(f'tr[data-order="{pulled.pk}"]')
    expect(row).to_contain_text(f"Manual shipping order {manual.order_no} stands for the same sale")
    row.get_by_role("link", name=sale["odNo"]).click()
    choice = page.get_by_role("region", name=re.compile("Same sale as manual shipping order"))
    expect(choice).to_be_visible()
    screenshot("order-held-for-manual")

    page.once("dialog", lambda dialog: dialog.accept())
    choice.get_by_role("button", name=f"Ship this order, call off {manual.order_no}").click()
    expect(page.locator(".alert-success")).to_contain_text("called off")
    expect(page.get_by_role("region", name=re.compile("Same sale"))).to_have_count(0)
    expect(page.locator(".attention-reason")).to_have_count(0)
    manual.refresh_from_db()
    assert manual.status == OrderStatus.CANCELLED
    page.goto(f"{live_server.url}/orders/{manual.pk}/")
    expect(page.locator("h1")).to_contain_text("Cancelled")
    expect(page.locator(".order-timeline")).to_contain_text(f"sales site order {sale['odNo']} was pulled")
