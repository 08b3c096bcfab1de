"""A buyer cancels a whole order after its invoice was printed: the seller finds it under Needs attention,
stops the parcel and sets its label aside from the order's Waybills & tracking page, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from orders.models import OrderStatus
from orders.services.sync import orders_sync
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.plugins.browser import login
from tests.waybills.helpers import pull
from waybills.models import WaybillKind
from waybills.services.printing import waybills_print

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]


def test_the_seller_sets_aside_the_label_of_an_order_cancelled_after_printing(page, live_server, sandbox, settings,
                                                                               screenshot):
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.SMARTSHIP_ORDER_LOOKBACK_DAYS = 2
    seller, _ = make_seller_user(name="스마트십 데모상점", username="aside-seller")
    account = make_account(seller=seller, shop_id="lotte-shop", api_key=sandbox.DEMO_KEY,
                           account_number=sandbox.DEMO_TR_NO)
    (order,) = pull(sandbox, account, 1)
    batch = waybills_print(seller_id=seller.pk, order_ids=[order.pk], kind=WaybillKind.INVOICE)
    number = order.waybills.get(pk=batch.waybill_ids[0]).number
    sandbox.cancel(order.order_no)
    orders_sync(account_id=account.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED

    login(page, live_server.url, "aside-seller", PASSWORD)
    page.goto(f"{live_server.url}/orders/?status=attention")
    row = page.locator(f'tr[data-order="{order.pk}"]')
    expect(row).to_contain_text("do not ship it")
    row.get_by_role("link", name=order.order_no).click()
    page.locator(".attention-reason").get_by_role("link", name="Waybills & tracking").click()
    expect(page.locator(".wb-flag")).to_contain_text("do not ship it")
    screenshot("waybill-set-aside")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Parcel stopped: set {number} aside").click()
    expect(page.locator(".alert-success")).to_contain_text(f"{number} set aside")
    expect(page.locator(".wb-flag")).to_have_count(0)
    expect(page.locator(".alert-error")).to_have_count(0)

    page.goto(f"{live_server.url}/orders/?status=attention")
    expect(page.locator(f'tr[data-order="{order.pk}"]')).to_have_count(0)
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(page.locator(".order-timeline")).to_contain_text(f"Invoice {number} of the cancelled order set aside")
