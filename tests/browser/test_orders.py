"""The Orders pages in a real browser, with orders pulled from the LotteON sandbox."""

import re

import pytest
from playwright.sync_api import expect

from integrations.models import SyncRun
from orders.models import Order, OrderStatus
from orders.services.sync import orders_sync
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]


def option_codes(sandbox, n: int) -> list[str]:
    return [row["eitmNo"] for row in sandbox.state()["stock"] if row["eitmNo"] and row["slStatCd"] == "SALE"][:n]


def test_list_tabs_search_detail_and_confirm_selected(page, live_server, sandbox, settings, screenshot):
    settings.LOTTEON_BASE_URL = sandbox.url
    seller, _ = make_seller_user(name="롯데온 상점", username="orders-seller")
    # Automatic Order Confirmation off: the seller confirms by hand from the list.
    account = make_account(seller=seller, shop_id="lotte-shop", api_key=sandbox.DEMO_KEY,
                           account_number=sandbox.DEMO_TR_NO, auto_order_confirmation=False)
    shirt, socks, towel = option_codes(sandbox, 3)
    two_lines = sandbox.create_order(state="new", lines=[{"eitmNo": shirt, "odQty": 2}, {"eitmNo": socks, "odQty": 1}],
                                     recipient={"dvpCustNm": "김민준", "dvpMphnNo": "010-1234-5678"})
    linked = sandbox.create_order(state="linked", lines=[{"eitmNo": towel, "odQty": 1}],
                                  recipient={"dvpCustNm": "이서연", "dvpMphnNo": "010-2222-3333"})
    to_confirm = sandbox.create_order(state="new", lines=[{"eitmNo": socks, "odQty": 3}],
                                      recipient={"dvpCustNm": "박도윤", "dvpMphnNo": "010-5555-0000"})
    run = orders_sync(account_id=account.pk)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
    orders = {order.order_no: order for order in Order.objects.filter(seller=seller)}
    assert set(orders) == {two_lines["odNo"], linked["odNo"], to_confirm["odNo"]}

    login(page, live_server.url, "orders-seller", PASSWORD)
    page.locator("aside nav").get_by_role("link", name="Orders").click()
    rows = page.locator(".orders-table tbody tr.order-row")
    expect(rows).to_have_count(3)
    first = page.locator(f'tr[data-order="{orders[two_lines["odNo"]].pk}"]')
    text = first.inner_text()
    assert "김민준" in text and "and 1 more" in text and "lotte-shop" in text and "New" in text
    tabs = page.locator("nav.status-tabs")
    assert re.search(r"New\s+2", tabs.get_by_role("link", name=re.compile("^New")).inner_text())
    screenshot("orders-list")

    # A status tab.
    tabs.get_by_role("link", name=re.compile(r"^Confirmed \W Preparing")).click()
    page.wait_for_url(re.compile(r"status=confirmed"))
    expect(rows).to_have_count(1)
    assert "이서연" in rows.first.inner_text()
    tabs.get_by_role("link", name=re.compile(r"^All")).click()
    page.wait_for_url(re.compile(r"/orders/(\?)?$"))

    # Search by recipient name, then by a phone number typed without dashes.
    filters = page.locator("form.order-filters")
    filters.get_by_role("searchbox", name="Search").fill("김민준")
    filters.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=%EA%B9%80"))
    expect(rows).to_have_count(1)
    assert "김민준" in rows.first.inner_text()
    filters.get_by_role("searchbox", name="Search").fill("01055550000")
    filters.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=01055550000"))
    expect(rows).to_have_count(1)
    assert "박도윤" in rows.first.inner_text()
    screenshot("orders-list-search-phone")

    # The detail page: recipient, lines with both sides' codes, the timeline, the raw payload.
    filters.get_by_role("searchbox", name="Search").fill("")
    filters.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/orders/\?"))
    first.get_by_role("link", name=two_lines["odNo"]).click()
    page.wait_for_url(re.compile(rf"/orders/{orders[two_lines['odNo']].pk}/$"))
    assert two_lines["odNo"] in page.locator("h1").inner_text()
    assert "010-1234-5678" in page.locator("section.recipient").inner_text()
    expect(page.locator(".lines-table tbody tr")).to_have_count(2)
    assert shirt in page.locator(".lines-table").inner_text()
    timeline = page.locator(".order-timeline")
    assert "Pulled" in timeline.locator("li").first.inner_text()
    raw = page.locator("details.raw-payload")
    assert not raw.locator("pre").first.is_visible()
    raw.locator("summary").click()
    assert two_lines["odNo"] in raw.locator("pre").first.inner_text()
    screenshot("order-detail")

    # Confirm selected, from the New tab: one order confirms; the other was cancelled by the buyer at
    # LotteON in the meantime, so LotteON refuses its lines and the order needs attention.
    sandbox.cancel(two_lines["odNo"])
    page.goto(f"{live_server.url}/orders/?status=new")
    expect(rows).to_have_count(2)
    target = page.locator(f'tr[data-order="{orders[to_confirm["odNo"]].pk}"]')
    page.get_by_label("Select all New orders on this page").check()
    assert target.get_by_role("checkbox").is_checked()
    page.get_by_role("button", name="Confirm selected").click()
    page.wait_for_url(re.compile(r"status=new"))
    assert "1 line confirmed, 2 failed." in page.locator(".messages").inner_text()
    expect(rows).to_have_count(1)
    assert "김민준" in rows.first.inner_text()
    assert "Needs attention" in rows.first.inner_text()
    # The reason is written on the row, not in a tooltip a phone or a keyboard cannot open.
    expect(rows.first.locator(".attention-why")).to_contain_text("Confirmation failed for")
    screenshot("orders-confirmed")
    tabs.get_by_role("link", name=re.compile(r"^Needs attention")).click()
    page.wait_for_url(re.compile(r"status=attention"))
    expect(rows).to_have_count(1)
    screenshot("orders-needs-attention")
    assert Order.objects.get(order_no=to_confirm["odNo"]).status == OrderStatus.CONFIRMED
    at_site = [row for row in sandbox.state()["orders"] if row["odNo"] == to_confirm["odNo"]]
    assert at_site and all(row["ifCplYN"] == "Y" for row in at_site)
    # The timeline of the confirmed order: pulled first, then confirmed by this user.
    page.goto(f"{live_server.url}/orders/{orders[to_confirm['odNo']].pk}/")
    events = page.locator(".order-timeline li")
    assert "Pulled" in events.first.inner_text()
    assert "Confirmed" in events.last.inner_text() and "orders-seller" in events.last.inner_text()
    assert "Confirm order" not in page.locator(".page-header").inner_text()

    # Narrow screens: the filter fields stay inside their card.
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server.url}/orders/")
    overflow = page.evaluate("""() => {
        const card = document.querySelector('.order-filters').getBoundingClientRect();
        return [...document.querySelectorAll('.order-filters input:not([type=hidden]), .order-filters select')]
            .filter((e) => e.getBoundingClientRect().right > card.right + 0.5).map((e) => e.name);
    }""")
    assert overflow == []
    screenshot("orders-list-narrow")
    page.goto(f"{live_server.url}/orders/{orders[two_lines['odNo']].pk}/")
    assert "Needs attention" in page.locator(".attention-reason").inner_text()
    screenshot("order-detail-narrow")


def test_empty_list_tells_the_seller_what_to_do(page, live_server, screenshot):
    make_seller_user(name="새 상점", username="new-seller")
    login(page, live_server.url, "new-seller", PASSWORD)
    page.goto(f"{live_server.url}/orders/")
    empty = page.locator(".empty-state")
    assert "No sales-site account yet" in empty.inner_text()
    screenshot("orders-list-empty")
    empty.get_by_role("link", name="Go to Sales Site API").click()
    page.wait_for_url(f"{live_server.url}/sales-sites/")


def test_order_on_hold_shows_the_request_and_the_seller_releases_it(page, live_server, sandbox, settings, screenshot):
    """A buyer's open cancellation request: Needs attention, the request on its line, and after a rejection at
    LotteON the seller releases the hold from the order page."""
    settings.LOTTEON_BASE_URL = sandbox.url
    seller, _ = make_seller_user(name="롯데온 상점", username="hold-seller")
    account = make_account(seller=seller, shop_id="lotte-shop", api_key=sandbox.DEMO_KEY,
                           account_number=sandbox.DEMO_TR_NO)
    (shirt,) = option_codes(sandbox, 1)
    created = sandbox.create_order(state="linked", lines=[{"eitmNo": shirt, "odQty": 2}],
                                   recipient={"dvpCustNm": "최지우", "dvpMphnNo": "010-7777-8888"})
    sandbox.request_cancel(created["odNo"], cnclQty=1, clmRsnCnts="주문 실수")
    assert orders_sync(account_id=account.pk).status == SyncRun.Status.SUCCEEDED
    order = Order.objects.get(seller=seller, order_no=created["odNo"])

    login(page, live_server.url, "hold-seller", PASSWORD)
    page.goto(f"{live_server.url}/orders/?status=attention")
    expect(page.locator(f'tr[data-order="{order.pk}"]')).to_have_count(1)
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    assert "buyer asked to cancel 1 line(s)" in page.locator(".attention-reason").inner_text()
    request = page.locator(".lines-table .cancel-request")
    expect(request).to_contain_text("Cancellation requested")
    expect(request).to_contain_text("1 of 2 · 주문 실수")
    expect(page.locator(".order-timeline")).to_contain_text("the buyer asked to cancel 1 of 2 (주문 실수)")
    screenshot("order-on-hold")

    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Rejected at the sales site: release the hold").click()
    assert questions and "reject the buyer's cancellation request" in questions[0]
    page.wait_for_timeout(300)
    assert [line.on_hold for line in order.lines.all()] == [True], "dismissed: nothing released"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Rejected at the sales site: release the hold").click()
    expect(page.locator(".messages, .alert-success, [role=status]").first).to_contain_text("Released 1 line")
    expect(page.locator(".lines-table .cancel-request")).to_have_count(0)
    expect(page.locator(".attention-reason")).to_have_count(0)
    expect(page.locator(".order-timeline")).to_contain_text("rejected at the sales site")
    screenshot("order-hold-released")
