"""Automatic Stock Qty Sync over real HTTP against the LotteON sandbox: 86 with LotteON's ids, only changed
quantities, in batches; sold out at 0 and back on sale (111) after a restock; per-item refusals stored and
retried; lost answers; the lock; the command."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.locks import lease_acquire
from integrations.models import SalesSiteAccount
from inventory.models import FulfilmentOrder, LinkStatus, OptionSku, SiteOptionLink, StockPush, StockSyncRun
from inventory.services.fulfilment import fulfilment_ship
from inventory.services.stock import stock_adjust, stock_receive
from inventory.services.stock_sync import lease_name, stock_pushes_retry, stock_sync
from orders.models import Order
from orders.services.sync import orders_sync
from tests.factories import make_account, make_seller_user
from tests.inventory.factories import make_multi, make_single

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]
KST = ZoneInfo("Asia/Seoul")
STOCK = "/v1/openapi/product/v1/item/stock/change"
STATUS = "/v1/openapi/product/v1/item/status/change"
DETAIL = "/v1/openapi/product/v1/product/detail"


@pytest.fixture
def account(sandbox, settings):
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.LOTTEON_RETRY_BASE_DELAY = 0.01
    settings.LOTTEON_RETRY_ATTEMPTS = 1
    settings.LOTTEON_READ_TIMEOUT = 1.0
    settings.SMARTSHIP_ORDER_LOOKBACK_DAYS = 2
    seller, user = make_seller_user()
    acct = make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO,
                        auto_fulfillment=True, auto_stock_sync=True)
    acct.user = user
    return acct


def live(sandbox) -> dict[str, dict]:
    return {row["sitmNo"]: row for row in sandbox.state(api_key=sandbox.DEMO_KEY)["stock"]}


def on_sale(sandbox, n: int, *, stock_above: int = 0) -> list[dict]:
    return [r for r in live(sandbox).values()
            if r["eitmNo"] and r["slStatCd"] == "SALE" and r["stkMgtYn"] == "Y" and r["stkQty"] > stock_above][:n]


def linked_option(account, row: dict, *, code: str | None = None) -> OptionSku:
    """An option SKU with the row's code, linked to it (as Check LotteON link or an order would)."""
    sku = make_multi(seller=account.seller, options=[(code or row["eitmNo"], row["sitmNm"])])
    opt = sku.options.get()
    SiteOptionLink.objects.create(option=opt, seller=account.seller, account=account, site="lotteon",
                                  site_product_id=row["spdNo"], site_option_id=row["sitmNo"], status=LinkStatus.LINKED,
                                  source=SiteOptionLink.Source.CATALOG, checked_at=timezone.now())
    return opt


def since(sandbox) -> int:
    calls = sandbox.calls()
    return calls[-1]["id"] if calls else 0


def calls_to(sandbox, path: str, after: int) -> list[dict]:
    return [c for c in sandbox.calls(since=after) if c["path"] == path]


def settled() -> None:
    """Time passes: the writes whose answer was lost have had the time to land (SMARTSHIP_STOCK_SETTLE_SECONDS),
    so the next push reads those options back."""
    StockPush.objects.filter(lost_at__isnull=False).update(
        lost_at=F("lost_at") - timedelta(seconds=settings.SMARTSHIP_STOCK_SETTLE_SECONDS))


def run_sync(account, *, expect: str = "succeeded", **kwargs) -> StockSyncRun:
    """One push that must end as ``expect``: a clean one unless a test is about refusals or lost answers."""
    run = stock_sync(account_id=account.pk, **kwargs)
    assert run.status == expect, (run.status, run.error_code, run.error_message)
    return run


def test_stock_is_pushed_with_lotteons_ids_after_a_shipment(sandbox, account):
    (row,) = on_sale(sandbox, 1)
    sku = make_multi(seller=account.seller, options=[(row["eitmNo"], "a")])
    opt = sku.options.get()
    stock_receive(seller=account.seller, option=opt, quantity=10)
    assert not StockPush.objects.exists(), "not linked yet: nothing to push"

    created = sandbox.create_order(owhoDttm=(datetime.now(KST) - timedelta(hours=2)).strftime("%Y%m%d%H%M%S"),
                                   lines=[{"eitmNo": row["eitmNo"], "odQty": 3}])
    assert orders_sync(account_id=account.pk).status == "succeeded"
    link = SiteOptionLink.objects.get(option=opt)
    assert (link.site_product_id, link.site_option_id) == (row["spdNo"], row["sitmNo"]), "learned from the order"
    push = StockPush.objects.get(link=link)
    assert push.dirty, "the reservation marked it in the sync's own transaction"

    after = since(sandbox)
    run_sync(account)
    (call,) = calls_to(sandbox, STOCK, after)
    assert call["request"]["body"]["itmStkLst"] == [
        {"trGrpCd": "SR", "trNo": sandbox.DEMO_TR_NO, "spdNo": row["spdNo"], "sitmNo": row["sitmNo"], "stkQty": 7}]
    assert live(sandbox)[row["sitmNo"]]["stkQty"] == 7

    fo = FulfilmentOrder.objects.get(order__order_no=created["odNo"])
    fulfilment_ship(fulfilment_id=fo.pk, actor=account.user)
    opt.refresh_from_db()
    assert (opt.on_hand, opt.reserved) == (7, 0)
    after = since(sandbox)
    run_sync(account, full=True)
    assert calls_to(sandbox, STOCK, after) == [], "available did not change at shipment: nothing to push"
    stock_adjust(seller=account.seller, option=opt, quantity=-2, reason="damaged", actor=account.user)
    run_sync(account)
    assert live(sandbox)[row["sitmNo"]]["stkQty"] == 5
    push.refresh_from_db()
    assert (push.state, push.pushed_quantity, push.dirty) == ("synced", 5, False)


def test_only_changed_quantities_in_batches_of_the_setting(sandbox, account, settings):
    settings.SMARTSHIP_STOCK_PUSH_BATCH = 4
    rows = on_sale(sandbox, 10)
    options = [linked_option(account, row) for row in rows]
    for i, opt in enumerate(options):
        stock_receive(seller=account.seller, option=opt, quantity=i + 1)
    StockPush.objects.update(site_checked_at=timezone.now())  # state already known: count only the writes

    after = since(sandbox)
    run = run_sync(account)
    assert [len(c["request"]["body"]["itmStkLst"]) for c in calls_to(sandbox, STOCK, after)] == [4, 4, 2]
    assert (run.pushed, run.calls) == (10, 3)
    assert [live(sandbox)[r["sitmNo"]]["stkQty"] for r in rows] == list(range(1, 11))

    after = since(sandbox)
    run = run_sync(account, full=True)
    assert calls_to(sandbox, STOCK, after) == [] and (run.checked, run.pushed, run.calls) == (10, 0, 0)

    stock_receive(seller=account.seller, option=options[3], quantity=1)
    stock_receive(seller=account.seller, option=options[3], quantity=1)
    after = since(sandbox)
    with CaptureQueriesContext(connection) as queries:
        run = run_sync(account)
    (call,) = calls_to(sandbox, STOCK, after)
    assert [r["stkQty"] for r in call["request"]["body"]["itmStkLst"]] == [6]
    assert run.checked == 1
    assert len(queries) < 25


def test_stock_zero_sells_out_and_a_restock_puts_it_back_on_sale(sandbox, account):
    (row,) = on_sale(sandbox, 1, stock_above=0)
    opt = linked_option(account, row)
    stock_receive(seller=account.seller, option=opt, quantity=2)
    run_sync(account)
    assert live(sandbox)[row["sitmNo"]]["stkQty"] == 2

    stock_adjust(seller=account.seller, option=opt, quantity=-2, reason="lost")
    run_sync(account)
    state = live(sandbox)[row["sitmNo"]]
    assert (state["stkQty"], state["slStatCd"], state["slStatRsnCd"]) == (0, "SOUT", "SOUT_STK")
    assert StockPush.objects.get().sold_out_by_stock

    stock_receive(seller=account.seller, option=opt, quantity=4)
    after = since(sandbox)
    run = run_sync(account)
    state = live(sandbox)[row["sitmNo"]]
    assert (state["stkQty"], state["slStatCd"]) == (4, "SALE")
    assert [c["path"] for c in sandbox.calls(since=after)] == [DETAIL, STOCK, STATUS], "read, 86, then 111 SALE"
    assert calls_to(sandbox, STATUS, after)[0]["request"]["body"]["sitmLst"][0]["slStatCd"] == "SALE"
    push = StockPush.objects.get()
    assert (push.state, push.sold_out_by_stock, push.resume_sale, run.resumed) == ("synced", False, False, 1)
    assert "on sale again" in push.message


def test_an_option_sold_out_before_smartship_managed_it_goes_back_on_sale(sandbox, account):
    product = sandbox.create_product(apiKey=sandbox.DEMO_KEY, epdNo="EMPTY", spdNm="빈 상품",
                                     options=[{"eitmNo": "EMPTY-1", "sitmNm": "하나", "stkQty": 0}])
    item = product["itmLst"][0]
    assert (item["slStatCd"], item["slStatRsnCd"]) == ("SOUT", "SOUT_STK")
    opt = linked_option(account, {"eitmNo": "EMPTY-1", "sitmNm": "하나", "spdNo": product["spdNo"],
                                  "sitmNo": item["sitmNo"]})
    stock_receive(seller=account.seller, option=opt, quantity=3)
    run_sync(account)
    state = live(sandbox)[item["sitmNo"]]
    assert (state["stkQty"], state["slStatCd"]) == (3, "SALE")


def test_an_option_the_seller_took_off_sale_is_never_put_back(sandbox, account):
    (row,) = on_sale(sandbox, 1)
    opt = linked_option(account, row)
    stock_receive(seller=account.seller, option=opt, quantity=1)
    run_sync(account)
    stock_adjust(seller=account.seller, option=opt, quantity=-1, reason="count")
    run_sync(account)
    # The seller stops selling it at LotteON by hand (SOUT_ITM) while it is at 0.
    from integrations.lotteon.client import LotteOnClient
    from integrations.lotteon.records import SaleStatusChange

    client = LotteOnClient(sandbox.DEMO_KEY, base_url=sandbox.url, tr_no=sandbox.DEMO_TR_NO)
    assert client.change_sale_status([SaleStatusChange(row["spdNo"], row["sitmNo"], "SOUT")]).ok
    stock_receive(seller=account.seller, option=opt, quantity=5)
    after = since(sandbox)
    run_sync(account)
    state = live(sandbox)[row["sitmNo"]]
    assert (state["stkQty"], state["slStatCd"], state["slStatRsnCd"]) == (5, "SOUT", "SOUT_ITM")
    assert calls_to(sandbox, STATUS, after) == []
    assert StockPush.objects.get().site_status == "SOUT (SOUT_ITM)"


def store_center_sets(sandbox, row: dict, quantity: int) -> None:
    """The seller (or another tool) changes the option's stock at LotteON, not through SmartShip."""
    from integrations.lotteon.client import LotteOnClient
    from integrations.lotteon.records import StockChange

    client = LotteOnClient(sandbox.DEMO_KEY, base_url=sandbox.url, tr_no=sandbox.DEMO_TR_NO)
    assert client.change_stock([StockChange(row["spdNo"], row["sitmNo"], quantity)]).ok
    assert live(sandbox)[row["sitmNo"]]["stkQty"] == quantity


def test_a_quantity_changed_at_the_store_center_is_corrected_by_the_full_sync_within_a_day(sandbox, account):
    rows = on_sale(sandbox, 2)
    options = [linked_option(account, row) for row in rows]
    for opt in options:
        stock_receive(seller=account.seller, option=opt, quantity=6)
    run_sync(account)
    store_center_sets(sandbox, rows[0], 40)

    after = since(sandbox)
    run_sync(account, full=True)
    assert calls_to(sandbox, DETAIL, after) == [], "read back an hour ago: not read again yet"
    assert live(sandbox)[rows[0]["sitmNo"]]["stkQty"] == 40

    StockPush.objects.update(site_checked_at=timezone.now() - timedelta(hours=25))
    after = since(sandbox)
    run_sync(account)
    assert calls_to(sandbox, DETAIL, after) == [], "only the full sync reads back"
    run = run_sync(account, full=True)
    assert len(calls_to(sandbox, DETAIL, after)) == len({r["spdNo"] for r in rows})
    (call,) = calls_to(sandbox, STOCK, after)
    assert [(r["sitmNo"], r["stkQty"]) for r in call["request"]["body"]["itmStkLst"]] == [(rows[0]["sitmNo"], 6)]
    assert [live(sandbox)[r["sitmNo"]]["stkQty"] for r in rows] == [6, 6]
    assert run.pushed == 1
    first, second = (StockPush.objects.get(option=opt) for opt in options)
    assert (first.state, first.pushed_quantity) == ("synced", 6)
    assert first.site_checked_at > timezone.now() - timedelta(minutes=1)
    assert second.site_checked_at > timezone.now() - timedelta(minutes=1), "read, in line: kept as read"


def test_sync_stock_now_corrects_a_quantity_changed_at_the_store_center_at_once(sandbox, account):
    """Pressed because LotteON shows another figure than the warehouse: it reads every option back, whatever its
    age, and pushes the warehouse's figure; the scheduled full sync still leaves a fresh read alone."""
    rows = on_sale(sandbox, 2)
    options = [linked_option(account, row) for row in rows]
    for opt in options:
        stock_receive(seller=account.seller, option=opt, quantity=7)
    run_sync(account)
    store_center_sets(sandbox, rows[0], 500)
    after = since(sandbox)
    run_sync(account, full=True, trigger=StockSyncRun.Trigger.SCHEDULE)
    assert calls_to(sandbox, DETAIL, after) == [] and live(sandbox)[rows[0]["sitmNo"]]["stkQty"] == 500

    run = run_sync(account, full=True, trigger=StockSyncRun.Trigger.MANUAL)  # what Sync stock now queues
    assert run.pushed == 1
    assert len(calls_to(sandbox, DETAIL, after)) == len({r["spdNo"] for r in rows}), "each product read once"
    assert [live(sandbox)[r["sitmNo"]]["stkQty"] for r in rows] == [7, 7]


def test_the_full_sync_reads_back_a_few_products_per_run_the_oldest_first(sandbox, account, settings):
    settings.SMARTSHIP_STOCK_RECHECK_PRODUCTS = 2
    rows = [r for r in live(sandbox).values() if r["eitmNo"] and r["slStatCd"] == "SALE" and r["stkMgtYn"] == "Y"]
    by_product: dict[str, dict] = {}
    for row in rows:
        by_product.setdefault(row["spdNo"], row)
    picked = list(by_product.values())[:3]
    assert len(picked) == 3
    options = [linked_option(account, row) for row in picked]
    for opt in options:
        stock_receive(seller=account.seller, option=opt, quantity=2)
    run_sync(account)
    now = timezone.now()
    for hours, opt in zip((30, 50, 40), options, strict=True):
        StockPush.objects.filter(option=opt).update(site_checked_at=now - timedelta(hours=hours))
    after = since(sandbox)
    run_sync(account, full=True)
    read = [c["request"]["body"]["spdNo"] for c in calls_to(sandbox, DETAIL, after)]
    assert sorted(read) == sorted([picked[1]["spdNo"], picked[2]["spdNo"]]), "the two read longest ago"
    after = since(sandbox)
    run_sync(account, full=True)
    assert [c["request"]["body"]["spdNo"] for c in calls_to(sandbox, DETAIL, after)] == [picked[0]["spdNo"]]


def test_partial_failures_are_stored_per_item_and_retried(sandbox, account):
    good, gone = on_sale(sandbox, 2)
    mug = next(r for r in live(sandbox).values() if r["stkMgtYn"] == "N")
    ok_opt = linked_option(account, good)
    mug_opt = linked_option(account, mug, code=mug["epdNo"])
    gone_opt = linked_option(account, {**gone, "sitmNo": gone["spdNo"] + "_9999999999"})
    for opt in (ok_opt, mug_opt, gone_opt):
        stock_receive(seller=account.seller, option=opt, quantity=4)

    run = stock_sync(account_id=account.pk)
    assert (run.status, run.pushed, run.failed, run.skipped) == ("partial", 1, 1, 1)
    assert live(sandbox)[good["sitmNo"]]["stkQty"] == 4
    by_option = {p.option_id: p for p in StockPush.objects.all()}
    assert by_option[ok_opt.pk].state == "synced"
    assert by_option[mug_opt.pk].state == "skipped" and "does not manage stock" in by_option[mug_opt.pk].message
    failed = by_option[gone_opt.pk]
    assert failed.state == "failed" and failed.attempted_quantity == 4 and failed.failures == 1
    assert "has no option" in failed.message

    after = since(sandbox)
    assert run_sync(account).checked == 0, "a refusal is not re-sent by every change-triggered push"
    assert sandbox.calls(since=after) == []

    # The seller fixes the link at LotteON's side (here: the right sitmNo), then retries.
    SiteOptionLink.objects.filter(option=gone_opt).update(site_option_id=gone["sitmNo"])
    assert stock_pushes_retry(seller=account.seller, push_ids=[failed.pk], actor=account.user) == 1
    run = run_sync(account)
    failed.refresh_from_db()
    assert failed.state == "synced" and live(sandbox)[gone["sitmNo"]]["stkQty"] == 4
    assert StockPush.objects.get(option=mug_opt).state == "skipped", "not retried unless asked"


def test_a_lost_answer_is_sent_again_by_the_next_push(sandbox, account):
    (row,) = on_sale(sandbox, 1)
    opt = linked_option(account, row)
    StockPush.objects.all().delete()
    stock_receive(seller=account.seller, option=opt, quantity=6)
    StockPush.objects.update(site_checked_at=timezone.now())
    sandbox.fault(path="item/stock/change", status=500, afterApply=True, count=1)
    after = since(sandbox)
    run = stock_sync(account_id=account.pk)
    push = StockPush.objects.get()
    assert (push.state, push.dirty, push.pushed_quantity) == ("pending", True, None)
    assert (run.status, run.error_code, run.pushed, run.waiting) == ("unsettled", "outcome_unknown", 0, 1)
    assert len(calls_to(sandbox, STOCK, after)) == 1, "not re-sent blindly by the same run"
    stock_adjust(seller=account.seller, option=opt, quantity=-1, reason="damaged")
    settled()
    run_sync(account)
    push.refresh_from_db()
    assert (push.state, push.dirty, push.pushed_quantity) == ("synced", False, 5)
    assert live(sandbox)[row["sitmNo"]]["stkQty"] == 5


def test_requests_limited_keeps_the_rows_waiting_and_is_not_a_failure(sandbox, account):
    (row,) = on_sale(sandbox, 1)
    opt = linked_option(account, row)
    stock_receive(seller=account.seller, option=opt, quantity=6)
    StockPush.objects.update(site_checked_at=timezone.now())
    sandbox.fault(path="item/stock/change", status=429, retryAfter=30, count=1)
    run = stock_sync(account_id=account.pk)
    assert run.status == "limited" and run.error_code == "rate_limited"
    assert run.get_status_display() == "Stopped: requests limited"
    assert "Nothing was lost" in run.error_message and "next push" in run.error_message
    account.refresh_from_db()
    assert account.connection_status != SalesSiteAccount.ConnectionStatus.FAILED
    assert StockPush.objects.get().dirty
    run_sync(account)
    assert live(sandbox)[row["sitmNo"]]["stkQty"] == 6


def test_one_run_per_account_and_the_option_off_pushes_nothing(sandbox, account):
    (row,) = on_sale(sandbox, 1)
    opt = linked_option(account, row)
    stock_receive(seller=account.seller, option=opt, quantity=1)
    from datetime import timedelta as td

    token = lease_acquire(name=lease_name(account.pk), ttl=td(minutes=5))
    assert token
    assert stock_sync(account_id=account.pk).status == "skipped"
    assert StockPush.objects.get().dirty, "still waiting for the run holding the lock"
    assert StockSyncRun.objects.get().status == "skipped", "asked for by a person or a command: said on the page"
    # Queued by a stock change: the push holding the lock takes the change, and the page lists no row for it.
    assert stock_sync(account_id=account.pk, trigger=StockSyncRun.Trigger.CHANGE).status == "skipped"
    assert StockSyncRun.objects.count() == 1
    assert StockPush.objects.get().dirty

    account.auto_stock_sync = False
    account.save()
    run = stock_sync(account_id=account.pk, full=True)
    assert run.status == "skipped" and "off" in run.error_message


@pytest.mark.django_db(transaction=True)  # pushes are queued after commit
def test_a_change_made_while_a_push_holds_the_lock_is_pushed_right_after(sandbox, account, eager_celery, monkeypatch):
    """The change lands after the running push last looked and before it lets go of the lock: its own push
    finds the lock taken and stops, so the running push queues one more on its way out."""
    from inventory.services import stock_sync as module

    (row,) = on_sale(sandbox, 1)
    opt = linked_option(account, row)
    after = since(sandbox)
    stock_receive(seller=account.seller, option=opt, quantity=4)  # pushed at once (eager Celery)
    release = module.lease_release

    def change_then_release(**kwargs):
        monkeypatch.setattr(module, "lease_release", release)  # only the first push's release
        stock_receive(seller=account.seller, option=opt, quantity=2)  # its own push: lock taken, no row
        release(**kwargs)

    monkeypatch.setattr(module, "lease_release", change_then_release)
    stock_receive(seller=account.seller, option=opt, quantity=1)  # this change's push runs, then the one above
    pushed = [c["request"]["body"]["itmStkLst"][0]["stkQty"] for c in calls_to(sandbox, STOCK, after)]
    assert pushed == [4, 5, 7]
    assert list(StockSyncRun.objects.values_list("status", flat=True)) == ["succeeded"] * 3
    assert not StockPush.objects.get().dirty
    assert live(sandbox)[row["sitmNo"]]["stkQty"] == 7


@pytest.mark.django_db(transaction=True)  # pushes are queued after commit
def test_a_change_made_while_a_partly_refused_push_holds_the_lock_is_pushed_right_after(
        sandbox, account, eager_celery, monkeypatch):
    """As above, when the running push ends partial because LotteON refused another option: the change is
    pushed at once all the same (before, it waited for the periodic full sync)."""
    from inventory.services import stock_sync as module

    (row,) = on_sale(sandbox, 1)
    opt = linked_option(account, row)
    refused = make_multi(seller=account.seller, options=[("NOT-AT-LOTTEON", "x")]).options.get()
    SiteOptionLink.objects.create(option=refused, seller=account.seller, account=account, site="lotteon",
                                  site_product_id=row["spdNo"], site_option_id="LO-NO-SUCH-ITEM",
                                  status=LinkStatus.LINKED, source=SiteOptionLink.Source.CATALOG,
                                  checked_at=timezone.now())
    after = since(sandbox)
    release = module.lease_release

    def change_then_release(**kwargs):
        monkeypatch.setattr(module, "lease_release", release)
        stock_receive(seller=account.seller, option=opt, quantity=2)  # its own push: lock taken, no row
        release(**kwargs)

    monkeypatch.setattr(module, "lease_release", change_then_release)
    stock_receive(seller=account.seller, option=refused, quantity=1)  # refused by LotteON: the run is partial
    runs = list(StockSyncRun.objects.order_by("pk").values_list("status", flat=True))
    assert runs == ["partial", "succeeded"]
    pushed = [item["stkQty"] for c in calls_to(sandbox, STOCK, after) for item in c["request"]["body"]["itmStkLst"]
              if item["sitmNo"] == row["sitmNo"]]
    assert pushed[-1] == 2 and live(sandbox)[row["sitmNo"]]["stkQty"] == 2
    assert not StockPush.objects.get(option=opt).dirty


def test_changes_of_accounts_with_the_option_off_are_not_marked(sandbox, account):
    account.auto_stock_sync = False
    account.save()
    (row,) = on_sale(sandbox, 1)
    opt = linked_option(account, row)
    stock_receive(seller=account.seller, option=opt, quantity=1)
    assert not StockPush.objects.exists()


def test_sync_stock_command_runs_the_full_sync(sandbox, account, capsys):
    (row,) = on_sale(sandbox, 1)
    opt = linked_option(account, row)
    stock_receive(seller=account.seller, option=opt, quantity=9)
    StockPush.objects.all().delete()  # as if the change had been lost: the full sync still finds it
    call_command("sync_stock", "--account", str(account.pk))
    assert "pushed 1" in capsys.readouterr().out
    assert live(sandbox)[row["sitmNo"]]["stkQty"] == 9
    call_command("sync_stock")
    assert "pushed 0" in capsys.readouterr().out


def test_single_option_type_sku_pushes_to_its_single_product(sandbox, account):
    single = next(r for r in live(sandbox).values() if not r["eitmNo"] and r["stkMgtYn"] == "Y")
    sku = make_single(seller=account.seller, code=single["epdNo"])
    opt = sku.options.get()
    SiteOptionLink.objects.create(option=opt, seller=account.seller, account=account, site="lotteon",
                                  site_product_id=single["spdNo"], site_option_id=single["sitmNo"],
                                  status=LinkStatus.LINKED, source=SiteOptionLink.Source.CATALOG,
                                  checked_at=timezone.now())
    stock_receive(seller=account.seller, option=opt, quantity=11)
    run_sync(account)
    assert live(sandbox)[single["sitmNo"]]["stkQty"] == 11
    assert Order.objects.count() == 0


def test_one_call_with_items_lotteon_refuses_keeps_each_items_result(sandbox, account):
    good, gone = on_sale(sandbox, 2)
    mug = next(r for r in live(sandbox).values() if r["stkMgtYn"] == "N")
    ok_opt = linked_option(account, good)
    mug_opt = linked_option(account, mug, code=mug["epdNo"])
    gone_opt = linked_option(account, {**gone, "sitmNo": gone["spdNo"] + "_9999999999"})
    for opt in (ok_opt, mug_opt, gone_opt):
        stock_receive(seller=account.seller, option=opt, quantity=2)
    # As after an earlier read: the sync sends first and asks why only for what LotteON refused.
    StockPush.objects.update(site_checked_at=timezone.now() - timedelta(days=1))

    after = since(sandbox)
    run = stock_sync(account_id=account.pk)
    (call,) = calls_to(sandbox, STOCK, after)
    assert len(call["request"]["body"]["itmStkLst"]) == 3, "one 86 call for the three"
    assert (run.status, run.pushed, run.failed, run.skipped) == ("partial", 1, 1, 1)
    by_option = {p.option_id: p for p in StockPush.objects.all()}
    assert by_option[ok_opt.pk].state == "synced" and live(sandbox)[good["sitmNo"]]["stkQty"] == 2
    assert by_option[mug_opt.pk].state == "skipped"
    refused = by_option[gone_opt.pk]
    assert (refused.state, refused.code) == ("failed", "9999") and refused.message.startswith("LotteON refused 2:")
    assert [c["path"] for c in sandbox.calls(since=after)] == [STOCK, DETAIL, DETAIL], "read once to tell why"


def test_a_stock_change_queues_the_push_after_commit(sandbox, account, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from smartship.celery import app

    app.conf.task_always_eager = True
    try:
        (row,) = on_sale(sandbox, 1)
        opt = linked_option(account, row)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            stock_receive(seller=account.seller, option=opt, quantity=12)
        assert len(callbacks) == 1, "one push per account, queued once the change is committed"
        assert live(sandbox)[row["sitmNo"]]["stkQty"] == 12
        run = StockSyncRun.objects.get()
        assert (run.trigger, run.full, run.pushed) == ("change", False, 1)
    finally:
        app.conf.task_always_eager = False


def test_the_schedule_fans_out_one_full_sync_per_account(sandbox, account, settings):
    from smartship.celery import app

    app.conf.task_always_eager = True
    try:
        (row,) = on_sale(sandbox, 1)
        opt = linked_option(account, row)
        stock_receive(seller=account.seller, option=opt, quantity=4)
        from inventory.tasks import sync_stock_due_accounts

        assert sync_stock_due_accounts() == 1
        run = StockSyncRun.objects.get()
        assert (run.trigger, run.full, run.pushed) == ("schedule", True, 1)
        assert live(sandbox)[row["sitmNo"]]["stkQty"] == 4
    finally:
        app.conf.task_always_eager = False
