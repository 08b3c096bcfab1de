"""The QFC warehouse in a real browser, against the LotteON sandbox and a real Celery worker: fulfilment
orders arrive from a sync, the pick list prints, the operator ships with a carrier and tracking number,
receives and adjusts stock; the worker pushes the tracking number and the stock to LotteON."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from inventory.models import FulfilmentOrder, OptionSku, StockMovement
from inventory.services.fulfilment import fulfilment_orders_send
from inventory.services.stock import stock_receive
from orders.models import Order, OrderStatus
from orders.services.manual import ManualItem, manual_order_create
from orders.services.sync import orders_sync
from sellers.models import User
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.inventory.factories import make_multi
from tests.plugins.browser import SCREENSHOTS, login
from tests.plugins.worker import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
KST = ZoneInfo("Asia/Seoul")


@pytest.fixture
def account(sandbox, settings):
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.LOTTEON_RETRY_BASE_DELAY = 0.01
    settings.SMARTSHIP_ORDER_LOOKBACK_DAYS = 2
    seller, user = make_seller_user(name="스마트십 데모상점", username="wh-seller")
    acct = make_account(seller=seller, shop_id="lotte-shop", api_key=sandbox.DEMO_KEY,
                        account_number=sandbox.DEMO_TR_NO, auto_fulfillment=True, auto_stock_sync=True)
    acct.user = user
    return acct


def live_stock(sandbox) -> dict[str, dict]:
    return {row["sitmNo"]: row for row in sandbox.state(api_key=sandbox.DEMO_KEY)["stock"]}


def test_pick_ship_receive_and_adjust_with_lotteon_following(page, live_server, sandbox, account, screenshot,
                                                              celery_worker_process, tmp_path):
    rows = [r for r in live_stock(sandbox).values() if r["eitmNo"] and r["slStatCd"] == "SALE"
            and r["stkMgtYn"] == "Y"][:2]
    a, b = rows
    seller = account.seller
    sku = make_multi(seller=seller, name="반팔 티셔츠", options=[(a["eitmNo"], a["sitmNm"]), (b["eitmNo"], b["sitmNm"])])
    opt_a, opt_b = (sku.options.get(code=a["eitmNo"]), sku.options.get(code=b["eitmNo"]))
    stock_receive(seller=seller, option=opt_a, quantity=10)
    stock_receive(seller=seller, option=opt_b, quantity=4)
    created = sandbox.create_order(owhoDttm=(datetime.now(KST) - timedelta(hours=1)).strftime("%Y%m%d%H%M%S"),
                                   dvpCustNm="김민준", lines=[{"eitmNo": a["eitmNo"], "odQty": 2},
                                                          {"eitmNo": b["eitmNo"], "odQty": 1}])
    assert orders_sync(account_id=account.pk).status == "succeeded"
    order = Order.objects.get(order_no=created["odNo"])
    fo = FulfilmentOrder.objects.get(order=order)
    manual = manual_order_create(seller=seller, actor=account.user, recipient_name="이서연", zip_code="04524",
                                 address="서울 중구 세종대로 110", recipient_mobile="010-2222-3333",
                                 items=[ManualItem(product_name="반팔 티셔츠", quantity=3, seller_code=a["eitmNo"])])
    (manual_fo,) = fulfilment_orders_send(seller=seller, order_ids=[manual.pk])
    User.objects.create_user("qfc", password=PASSWORD, is_warehouse_operator=True)

    celery_worker_process(LOTTEON_BASE_URL=sandbox.url, SMARTSHIP_STOCK_SYNC_SECONDS="2",
                          SMARTSHIP_TRACKING_SWEEP_SECONDS="1", SMARTSHIP_ORDER_SYNC_SECONDS="3600",
                          SMARTSHIP_HEARTBEAT_SECONDS="3600")
    # The worker's periodic full sync pushes available = on hand − reserved with LotteON's ids.
    assert wait_for(lambda: live_stock(sandbox)[a["sitmNo"]]["stkQty"] == 10 - 2 - 3
                    and live_stock(sandbox)[b["sitmNo"]]["stkQty"] == 4 - 1, timeout=60)

    login(page, live_server.url, "qfc", PASSWORD)
    page.locator("aside nav").get_by_role("link", name="Fulfilment orders").click()
    cards = page.locator(".ff-card")
    expect(cards).to_have_count(2)
    assert fo.number in cards.nth(0).inner_text() and "스마트십 데모상점" in cards.nth(0).inner_text()
    screenshot("warehouse-fulfilment-list-1366")

    # Nothing selected: said on this page (the pick list would open a tab only to say it).
    page.locator("#print-pick-list").click()
    expect(page.locator("#selected-count")).to_have_text("Select the fulfilment orders to pick first.")
    assert len(page.context.pages) == 1
    page.locator("#select-all").check()
    assert page.locator("#selected-count").inner_text() == "2 selected"
    with page.expect_download() as download_info:
        page.locator("#download-pick-list").click()
    pdf_path = Path(download_info.value.path())
    reader = PdfReader(io.BytesIO(pdf_path.read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages)
    assert a["eitmNo"] in text and b["eitmNo"] in text and "반팔 티셔츠" in text
    assert fo.number in text and manual_fo.number in text
    if shutil.which("pdftoppm"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf_path),
                        str(SCREENSHOTS / "warehouse-pick-list")], check=True)
    fo.refresh_from_db()
    assert fo.state == "picking"

    page.goto(f"{live_server.url}/inventory/fulfilment/{fo.pk}/")
    assert "김민준" in page.locator(".ff-address").inner_text()
    page.get_by_role("button", name="Packed").click()
    assert "is packed" in page.locator(".alert-success").inner_text()
    page.select_option("#id_courier", "0002")
    page.fill("#id_tracking_no", "5555-6666-7777")
    screenshot("warehouse-ship-form-1366")
    page.locator("#ship-button").click()
    assert f"{fo.number} shipped with" in page.locator(".alert-success").inner_text()
    assert "555566667777" in page.locator(".ff-times").inner_text()
    opt_a.refresh_from_db()
    assert (opt_a.on_hand, opt_a.reserved) == (8, 3)

    # The worker pushes the tracking number: LotteON ships the lines and the order follows.
    assert wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED, timeout=60)
    live = {(r["odNo"], str(r["odSeq"])): r for r in sandbox.state()["orders"]}
    assert (live[(order.order_no, "1")]["odPrgsStepCd"], live[(order.order_no, "1")]["dvCoCd"]) == ("13", "0002")

    # Stock: receive by barcode-less code, then adjust with a reason; LotteON follows each time.
    page.locator("aside nav").get_by_role("link", name="Stock").click()
    page.fill("#id_q", b["eitmNo"].lower())
    page.get_by_role("button", name="Find").click()
    assert page.locator("#on-hand").inner_text() == "3"
    page.fill("#id_receipt_quantity", "6")
    page.fill("#id_receipt_note", "입고 2차")
    page.locator("#receipt-form").get_by_role("button", name="Receive").click()
    assert "Received +6" in page.locator(".alert-success").inner_text()
    assert page.locator("#on-hand").inner_text() == "9"
    page.fill("#id_adjustment_quantity", "-2")
    page.select_option("#id_adjustment_reason", "damaged")
    page.locator("#adjustment-form").get_by_role("button", name="Adjust").click()
    assert page.locator("#on-hand").inner_text() == "7" and page.locator("#available").inner_text() == "7"
    screenshot("warehouse-stock-1366")
    assert wait_for(lambda: live_stock(sandbox)[b["sitmNo"]]["stkQty"] == 7, timeout=60)

    # Below zero is refused with the reason, and nothing changes.
    page.fill("#id_adjustment_quantity", "-50")
    page.select_option("#id_adjustment_reason", "lost")
    page.locator("#adjustment-form").get_by_role("button", name="Adjust").click()
    assert "Not enough stock" in page.locator("#adjustment-form .alert-error").inner_text()
    assert OptionSku.objects.get(pk=opt_b.pk).on_hand == 7
    assert StockMovement.objects.filter(option=opt_b, kind="adjustment").count() == 1

    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("warehouse-stock-390")
    page.goto(f"{live_server.url}/inventory/fulfilment/{manual_fo.pk}/")
    screenshot("warehouse-ship-form-390")
    page.goto(f"{live_server.url}/inventory/fulfilment/?tab=shipped")
    page.goto(f"{live_server.url}/inventory/fulfilment/")
    screenshot("warehouse-fulfilment-list-390")
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto(f"{live_server.url}/inventory/stock/movements/")
    screenshot("warehouse-movements-1366")


def test_seller_sends_orders_by_hand_and_retries_a_refused_stock_push(page, live_server, sandbox, account, screenshot,
                                                                       celery_worker_process):
    from django.utils import timezone

    from inventory.models import LinkStatus, SiteOptionLink, StockPush

    account.auto_fulfillment = False
    account.save()
    stock = live_stock(sandbox)
    good, other, unmapped = [r for r in stock.values() if r["eitmNo"] and r["slStatCd"] == "SALE"
                             and r["stkMgtYn"] == "Y"][:3]
    seller = account.seller
    sku = make_multi(seller=seller, name="반팔 티셔츠", options=[(good["eitmNo"], good["sitmNm"]),
                                                            (other["eitmNo"], other["sitmNm"])])
    opt_good, opt_other = sku.options.get(code=good["eitmNo"]), sku.options.get(code=other["eitmNo"])
    # The second option is linked to an option id LotteON does not know (a stale link).
    SiteOptionLink.objects.create(option=opt_other, seller=seller, account=account, site="lotteon",
                                  site_product_id=other["spdNo"], site_option_id=other["spdNo"] + "_0000000001",
                                  status=LinkStatus.LINKED, source=SiteOptionLink.Source.CATALOG,
                                  checked_at=timezone.now())
    stock_receive(seller=seller, option=opt_good, quantity=8)
    stock_receive(seller=seller, option=opt_other, quantity=5)
    created = sandbox.create_order(owhoDttm=(datetime.now(KST) - timedelta(hours=1)).strftime("%Y%m%d%H%M%S"),
                                   lines=[{"eitmNo": good["eitmNo"], "odQty": 2}])
    waiting = sandbox.create_order(owhoDttm=(datetime.now(KST) - timedelta(hours=1)).strftime("%Y%m%d%H%M%S"),
                                   lines=[{"eitmNo": good["eitmNo"]}, {"eitmNo": unmapped["eitmNo"]}])
    assert orders_sync(account_id=account.pk).status == "succeeded"
    assert not FulfilmentOrder.objects.exists(), "the option is off: the seller sends by hand"
    celery_worker_process(LOTTEON_BASE_URL=sandbox.url, SMARTSHIP_STOCK_SYNC_SECONDS="2",
                          SMARTSHIP_TRACKING_SWEEP_SECONDS="3600", SMARTSHIP_ORDER_SYNC_SECONDS="3600",
                          SMARTSHIP_HEARTBEAT_SECONDS="3600")

    login(page, live_server.url, "wh-seller", PASSWORD)
    page.goto(f"{live_server.url}/inventory/fulfilment/send/")
    rows = page.locator(".ff-send-table tbody tr")
    expect(rows).to_have_count(1)
    assert created["odNo"] in rows.first.inner_text()
    screenshot("seller-send-to-fulfilment-1366")
    page.get_by_label(f"Select order {created['odNo']}").check()
    page.get_by_role("button", name="Send to fulfilment").click()
    assert "1 order sent to the QFC warehouse" in page.locator(".alert-success").inner_text()
    fo = FulfilmentOrder.objects.get(order__order_no=created["odNo"])
    assert (fo.origin, OptionSku.objects.get(pk=opt_good.pk).reserved) == ("manual", 2)
    page.goto(f"{live_server.url}/inventory/fulfilment/send/?tab=waiting")
    assert f"1 of 2 lines not mapped: {unmapped['eitmNo']}" in page.locator(".ff-send-table").inner_text()
    assert waiting["odNo"] in page.locator(".ff-send-table").inner_text()

    # The worker's full sync pushes 6 for the good option and records LotteON's refusal of the stale link.
    assert wait_for(lambda: live_stock(sandbox)[good["sitmNo"]]["stkQty"] == 6
                    and StockPush.objects.filter(option=opt_other, state="failed").exists(), timeout=60)
    page.goto(f"{live_server.url}/inventory/stock-sync/")
    table = page.locator(".ss-table")
    assert other["eitmNo"] in table.inner_text() and "has no option" in table.inner_text()
    screenshot("seller-stock-sync-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("seller-stock-sync-390")
    page.set_viewport_size({"width": 1366, "height": 860})

    # The seller fixes the link (Check LotteON link would), then retries from the page.
    SiteOptionLink.objects.filter(option=opt_other).update(site_option_id=other["sitmNo"])
    page.get_by_label(f"Select {other['eitmNo']}").check()
    page.get_by_role("button", name="Retry selected").click()
    assert "1 option queued to be pushed again" in page.locator(".alert-success").inner_text()
    assert wait_for(lambda: live_stock(sandbox)[other["sitmNo"]]["stkQty"] == 5, timeout=60)
    page.reload()
    expect(page.locator(".ss-table")).to_have_count(0)
    assert "No refusals" in page.content()
