"""Automatic Stock Qty Sync when a step fails part way, over real HTTP against the LotteON sandbox: an 86
that LotteON applied but whose answer was lost, a worker killed after it claimed its rows or while its 86
was on the wire, and a run that outlived its lock while another run took over. In each case nothing is
lost, nothing is sent blindly, and the next run leaves LotteON with the current figure and on sale when
it should be."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core.models import Lease
from integrations.lotteon.adapter import LotteonAdapter
from integrations.models import SalesSiteAccount
from integrations.services import account_test_connection
from inventory.models import StockPush, StockSyncRun
from inventory.services.stock import stock_adjust, stock_receive
from inventory.services.stock_sync import lease_name, stock_sync
from inventory.tasks import sync_stock_account
from sellers.models import User
from tests.factories import make_account, make_seller_user
from tests.inventory.test_stock_sync import (
    DETAIL,
    STATUS,
    STOCK,
    calls_to,
    linked_option,
    live,
    on_sale,
    settled,
    since,
)

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]


class Killed(BaseException):
    """The worker dies here: no ``except Exception`` of the run sees it, nothing after it runs."""


@pytest.fixture
def account(sandbox, settings):
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.LOTTEON_RETRY_BASE_DELAY = 0.01
    settings.LOTTEON_RETRY_ATTEMPTS = 1
    settings.LOTTEON_READ_TIMEOUT = 1.0
    seller, _ = make_seller_user()
    return make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO,
                        auto_fulfillment=True, auto_stock_sync=True)


def synced_at(sandbox, account, quantity: int):
    """An option on sale at LotteON, linked and synced at ``quantity``."""
    (row,) = on_sale(sandbox, 1)
    opt = linked_option(account, row)
    stock_receive(seller=account.seller, option=opt, quantity=quantity)
    assert stock_sync(account_id=account.pk).status == "succeeded"
    assert live(sandbox)[row["sitmNo"]]["stkQty"] == quantity
    return row, opt


def lotteon(sandbox, row) -> tuple[int, str, str]:
    state = live(sandbox)[row["sitmNo"]]
    return state["stkQty"], state["slStatCd"], state["slStatRsnCd"]


@pytest.mark.parametrize("restock", [5, 3], ids=["other-figure", "figure-pushed-before"])
def test_a_lost_86_at_zero_then_a_restock_puts_the_option_back_on_sale(sandbox, account, restock):
    """86 with 0 applied (LotteON: SOUT/SOUT_STK) but its answer lost; the warehouse restocks before the
    retry. The next push reads LotteON back, sends the new figure and 111 SALE. Restocked to the figure
    pushed before the loss, a push that trusted its old figure would not even send the 86."""
    row, opt = synced_at(sandbox, account, 3)
    stock_adjust(seller=account.seller, option=opt, quantity=-3, reason="lost")
    sandbox.fault(path="item/stock/change", status=500, afterApply=True, count=1)
    run = stock_sync(account_id=account.pk)
    assert (run.status, run.error_code) == ("unsettled", "outcome_unknown")
    assert lotteon(sandbox, row) == (0, "SOUT", "SOUT_STK"), "LotteON applied it"
    push = StockPush.objects.get()
    assert (push.state, push.code, push.dirty) == ("pending", "unknown", True)

    stock_receive(seller=account.seller, option=opt, quantity=restock)
    settled()
    after = since(sandbox)
    run = stock_sync(account_id=account.pk)
    assert lotteon(sandbox, row) == (restock, "SALE", ""), "not left sold out while SmartShip says synced"
    assert run.status == "succeeded" and run.resumed == 1
    assert [c["path"] for c in sandbox.calls(since=after)] == [DETAIL, STOCK, STATUS], "read back, 86, 111 SALE"
    push.refresh_from_db()
    assert (push.state, push.pushed_quantity, push.resume_sale, push.sold_out_by_stock, push.dirty) == (
        "synced", restock, False, False, False)

    after = since(sandbox)
    assert stock_sync(account_id=account.pk, full=True).status == "succeeded"
    assert sandbox.calls(since=after) == [], "in step: the full sync has nothing to send"


def test_a_lost_86_that_applied_is_read_back_not_sent_again(sandbox, account):
    """The lost write applied and the figure has not changed since: reading LotteON shows it, so no 86."""
    row, opt = synced_at(sandbox, account, 3)
    stock_receive(seller=account.seller, option=opt, quantity=2)
    sandbox.fault(path="item/stock/change", status=500, afterApply=True, count=1)
    assert stock_sync(account_id=account.pk).status == "unsettled"
    assert lotteon(sandbox, row)[0] == 5

    settled()
    after = since(sandbox)
    assert stock_sync(account_id=account.pk).status == "succeeded"
    assert [c["path"] for c in sandbox.calls(since=after)] == [DETAIL]
    push = StockPush.objects.get()
    assert (push.state, push.pushed_quantity, push.dirty) == ("synced", 5, False)


def test_a_timed_out_86_that_lands_late_does_not_leave_its_older_figure_at_lotteon(
        sandbox, account, settings, monkeypatch, django_capture_on_commit_callbacks):
    """The 86 times out while LotteON is still working on it, and the warehouse figure moves at once (a shipment).
    A push right then would read LotteON before the late write lands, send the new figure, and the late write
    would then put the older one back for good (LotteON says what SmartShip pushed was stored). The option is
    left alone until the lost write had the time to land, then read back and corrected."""
    settings.SMARTSHIP_STOCK_SETTLE_SECONDS = 30
    row, opt = synced_at(sandbox, account, 3)
    stock_receive(seller=account.seller, option=opt, quantity=2)  # 5
    sandbox.fault(path="item/stock/change", delay=2.5, count=1)  # answers after the client's 1 s timeout, then applies
    run = stock_sync(account_id=account.pk)
    assert (run.status, run.error_code) == ("unsettled", "outcome_unknown")

    stock_adjust(seller=account.seller, option=opt, quantity=-1, reason="damaged")  # 4: the figure moves right after
    after = since(sandbox)
    queued = []
    monkeypatch.setattr(sync_stock_account, "apply_async", lambda args, kwargs, **options: queued.append(
        (args, options["countdown"])))
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run = stock_sync(account_id=account.pk)
    assert (run.status, run.checked, run.pushed, run.waiting) == ("unsettled", 1, 0, 1), "not Succeeded: it waited"
    assert sandbox.calls(since=after) == [], "neither read back nor written while the lost 86 may land"
    # The push that reads it back is queued for when the time is up, whatever the task's retries do.
    ((args, countdown),) = queued
    assert args == (account.pk,) and 25 <= countdown <= 30
    push = StockPush.objects.get()
    assert (push.state, push.code, push.dirty) == ("pending", "unknown", True)
    assert "in a minute or two" in push.message

    for _ in range(50):  # the late write lands
        if lotteon(sandbox, row)[0] == 5:
            break
        time.sleep(0.1)
    assert lotteon(sandbox, row)[0] == 5
    settled()
    after = since(sandbox)
    assert stock_sync(account_id=account.pk).status == "succeeded"
    assert [c["path"] for c in sandbox.calls(since=after)] == [DETAIL, STOCK], "read back, then the current figure"
    assert lotteon(sandbox, row)[0] == 4
    push.refresh_from_db()
    assert (push.state, push.pushed_quantity, push.lost_at, push.dirty) == ("synced", 4, None, False)


def test_a_worker_killed_while_its_86_at_zero_was_on_the_wire_is_read_back(sandbox, account, monkeypatch):
    """The worker dies after LotteON applied 86 with 0 and before the row was stored: the row must not be
    trusted as it was before the call."""
    row, opt = synced_at(sandbox, account, 3)
    stock_adjust(seller=account.seller, option=opt, quantity=-3, reason="lost")
    push_stock = LotteonAdapter.push_stock

    def applied_then_killed(self, requests):
        push_stock(self, requests)
        raise Killed

    monkeypatch.setattr(LotteonAdapter, "push_stock", applied_then_killed)
    with pytest.raises(Killed):
        stock_sync(account_id=account.pk)
    monkeypatch.setattr(LotteonAdapter, "push_stock", push_stock)
    Lease.objects.filter(name=lease_name(account.pk)).update(token="", expires_at=None)  # long expired
    assert lotteon(sandbox, row) == (0, "SOUT", "SOUT_STK")

    stock_receive(seller=account.seller, option=opt, quantity=5)
    after = since(sandbox)
    assert stock_sync(account_id=account.pk).status == "unsettled", "left alone: not Succeeded"
    assert sandbox.calls(since=after) == [], "the killed call's write may still land: left alone for now"
    settled()
    assert stock_sync(account_id=account.pk).status == "succeeded"
    assert lotteon(sandbox, row) == (5, "SALE", "")
    assert [c["path"] for c in sandbox.calls(since=after)] == [DETAIL, STOCK, STATUS]
    push = StockPush.objects.get()
    assert (push.state, push.pushed_quantity, push.dirty, push.claimed_by) == ("synced", 5, False, None)


def test_a_worker_killed_after_it_claimed_its_rows_leaves_them_to_the_next_push(sandbox, account, monkeypatch):
    """Killed after the claim cleared ``dirty``, at the call (the 86 may or may not have gone out): the next
    change-triggered push (not only the full sync half an hour later) sends the figure once the time a lost write
    takes to land has passed."""
    row, opt = synced_at(sandbox, account, 3)
    stock_receive(seller=account.seller, option=opt, quantity=1)

    def killed(self, requests):
        raise Killed

    monkeypatch.setattr(LotteonAdapter, "push_stock", killed)
    with pytest.raises(Killed):
        stock_sync(account_id=account.pk)
    monkeypatch.undo()
    Lease.objects.filter(name=lease_name(account.pk)).update(token="", expires_at=None)
    assert lotteon(sandbox, row)[0] == 3

    settled()
    after = since(sandbox)
    run = stock_sync(account_id=account.pk)
    assert (run.status, run.checked, run.pushed) == ("succeeded", 1, 1)
    assert [c["request"]["body"]["itmStkLst"][0]["stkQty"] for c in calls_to(sandbox, STOCK, after)] == [4]
    assert lotteon(sandbox, row)[0] == 4
    push = StockPush.objects.get()
    assert (push.state, push.pushed_quantity, push.dirty, push.claimed_by) == ("synced", 4, False, None)


def test_the_run_of_a_killed_worker_does_not_show_as_running_for_ever(sandbox, account, monkeypatch, client):
    """The worker dies mid-push: its run row cannot say so itself. The next push, holding the lock the dead
    one held, closes it as failed with the reason, so Stock sync does not list a push running for days."""
    row, opt = synced_at(sandbox, account, 3)
    stock_receive(seller=account.seller, option=opt, quantity=1)

    def killed(self, requests):
        raise Killed

    monkeypatch.setattr(LotteonAdapter, "push_stock", killed)
    with pytest.raises(Killed):
        stock_sync(account_id=account.pk)
    monkeypatch.undo()
    dead = StockSyncRun.objects.latest("pk")
    assert dead.status == "running"
    Lease.objects.filter(name=lease_name(account.pk)).update(token="", expires_at=None)  # long expired

    assert stock_sync(account_id=account.pk).status == "unsettled", "its row is left alone while its 86 may land"
    dead.refresh_from_db()
    assert (dead.status, dead.error_code) == ("failed", "lost") and dead.finished_at is not None
    assert "stopped before it finished" in dead.error_message
    assert not StockSyncRun.objects.filter(status="running").exists()
    client.force_login(User.objects.get(memberships__seller=account.seller))
    page = client.get(reverse("inventory:stock-sync")).content.decode()
    assert "badge-sync-running" not in page and "stopped before it finished" in page


def test_a_run_that_lost_its_lock_stops_writing(sandbox, account, settings, monkeypatch):
    """Run A outlives its lock while its first 86 is on the wire; run B takes over and pushes the current
    figure of the second option, leaving the first alone while A's write to it may still land. A must not send
    its older figure of the second option after B, nor store what it sent as what LotteON holds; the next run
    repairs what A left."""
    settings.SMARTSHIP_STOCK_PUSH_BATCH = 1
    first, second = on_sale(sandbox, 2)
    one, two = linked_option(account, first), linked_option(account, second)
    stock_receive(seller=account.seller, option=one, quantity=1)
    stock_receive(seller=account.seller, option=two, quantity=2)
    assert stock_sync(account_id=account.pk).status == "succeeded"
    stock_receive(seller=account.seller, option=one, quantity=2)  # 3
    stock_receive(seller=account.seller, option=two, quantity=2)  # 4: what run A reads
    push_stock = LotteonAdapter.push_stock
    runs: list[StockSyncRun | None] = []

    def takeover_during_the_call(self, requests):
        if not runs:
            runs.append(None)
            Lease.objects.filter(name=lease_name(account.pk)).update(expires_at=timezone.now())  # A outlived it
            stock_receive(seller=account.seller, option=two, quantity=3)  # 7
            runs[0] = stock_sync(account_id=account.pk)  # B: takes the lock, pushes 7, lets go
        return push_stock(self, requests)  # A's 86, landing after B's

    monkeypatch.setattr(LotteonAdapter, "push_stock", takeover_during_the_call)
    after = since(sandbox)
    run_a = stock_sync(account_id=account.pk)
    (run_b,) = runs
    assert lotteon(sandbox, second)[0] == 7, "A's older figure did not land after B's"
    sent = [(c["request"]["body"]["itmStkLst"][0]["sitmNo"], c["request"]["body"]["itmStkLst"][0]["stkQty"])
            for c in calls_to(sandbox, STOCK, after)]
    assert sent == [(second["sitmNo"], 7), (first["sitmNo"], 3)], "B left A's option alone, A sent nothing more"
    assert (run_b.status, run_b.pushed, run_b.waiting) == ("unsettled", 1, 1), "A's option waits for a read-back"
    assert (run_a.status, run_a.error_code) == ("failed", "lease_lost")
    assert "another push" in run_a.error_message
    pushes = {p.option_id: p for p in StockPush.objects.all()}
    assert pushes[one.pk].pushed_quantity is None and pushes[one.pk].dirty, "A's write landed last: read back"
    assert pushes[two.pk].pushed_quantity == 7

    monkeypatch.undo()
    settled()
    after = since(sandbox)
    assert stock_sync(account_id=account.pk).status == "succeeded"
    assert calls_to(sandbox, STOCK, after) == [], "LotteON holds 3 already: read back, nothing sent"
    assert (lotteon(sandbox, first)[0], lotteon(sandbox, second)[0]) == (3, 7)
    assert set(StockPush.objects.values_list("state", "pushed_quantity", "dirty", "claimed_by")) == {
        ("synced", 3, False, None), ("synced", 7, False, None)}


def test_a_run_that_lost_its_lock_while_reading_sends_nothing(sandbox, account, monkeypatch):
    """The lock is taken over while the run reads LotteON (94), before its first write: no 86 at all."""
    (row,) = on_sale(sandbox, 1)
    opt = linked_option(account, row)
    stock_receive(seller=account.seller, option=opt, quantity=4)
    stock_states = LotteonAdapter.stock_states

    def read_then_taken_over(self, items):
        states = stock_states(self, items)
        Lease.objects.filter(name=lease_name(account.pk)).update(token="another-run",
                                                                 expires_at=timezone.now() + timedelta(minutes=5))
        return states

    monkeypatch.setattr(LotteonAdapter, "stock_states", read_then_taken_over)
    after = since(sandbox)
    run = stock_sync(account_id=account.pk)
    assert calls_to(sandbox, STOCK, after) == [] and calls_to(sandbox, STATUS, after) == []
    assert (run.status, run.error_code) == ("failed", "lease_lost")
    assert StockPush.objects.get().dirty, "left to the next push"
    assert Lease.objects.get(name=lease_name(account.pk)).token == "another-run", "not released by the loser"

    monkeypatch.undo()
    Lease.objects.filter(name=lease_name(account.pk)).update(token="", expires_at=None)
    assert stock_sync(account_id=account.pk).status == "succeeded"
    assert lotteon(sandbox, row)[0] == 4


def test_an_error_that_applied_nothing_needs_no_read_back(sandbox, account):
    """A 429 on 86 applied nothing: the row keeps what it knew, and the retry sends the 86 only."""
    row, opt = synced_at(sandbox, account, 3)
    stock_receive(seller=account.seller, option=opt, quantity=1)
    sandbox.fault(path="item/stock/change", status=429, retryAfter=30, count=1)
    assert stock_sync(account_id=account.pk).error_code == "rate_limited"
    push = StockPush.objects.get()
    assert (push.pushed_quantity, push.dirty, push.claimed_by) == (3, True, None)
    assert push.site_checked_at is not None

    after = since(sandbox)
    assert stock_sync(account_id=account.pk).status == "succeeded"
    assert [c["path"] for c in sandbox.calls(since=after)] == [STOCK]
    assert lotteon(sandbox, row)[0] == 4


@pytest.mark.parametrize("fault", [{"status": 429, "retryAfter": 30}, {"status": 401}], ids=["429", "401"])
def test_a_111_refused_as_a_whole_is_owed_to_the_next_push(sandbox, account, fault):
    """The 86 of a restock applied and was stored; the 111 SALE after it was refused before applying (429, or
    401 for a key that expired in between). The option is still sold out at LotteON with stock: the push the
    task retries a minute later (a change-driven one, not the full sync half an hour later) must send the 111.
    A 401 is not retried: the account shows what to fix, and the push after a successful Test Connection
    sends it."""
    row, opt = synced_at(sandbox, account, 3)
    stock_adjust(seller=account.seller, option=opt, quantity=-3, reason="lost")
    assert stock_sync(account_id=account.pk).status == "succeeded"
    assert lotteon(sandbox, row) == (0, "SOUT", "SOUT_STK")

    stock_receive(seller=account.seller, option=opt, quantity=4)
    sandbox.fault(path="item/status/change", count=1, **fault)
    if fault["status"] == 429:
        with pytest.raises(Retry):
            sync_stock_account(account.pk)
    else:
        sync_stock_account(account.pk)  # not retried
        account.refresh_from_db()
        assert account.connection_status == SalesSiteAccount.ConnectionStatus.FAILED
    run = StockSyncRun.objects.latest("pk")
    assert (run.status, run.error_code) == {429: ("limited", "rate_limited"), 401: ("failed", "unauthorized")}[
        fault["status"]]
    assert lotteon(sandbox, row) == (4, "SOUT", "SOUT_STK"), "the 86 applied, the 111 did not"
    push = StockPush.objects.get()
    assert (push.dirty, push.claimed_by, push.resume_sale) == (True, None, True)

    if fault["status"] == 401:
        assert account_test_connection(account=account).ok  # the seller saved a valid key and tested it
    after = since(sandbox)
    sync_stock_account(account.pk)
    assert StockSyncRun.objects.latest("pk").status == "succeeded"
    assert lotteon(sandbox, row) == (4, "SALE", "")
    assert STOCK not in [c["path"] for c in sandbox.calls(since=after)], "the 86 that applied is not sent again"


@pytest.mark.parametrize("applied", [True, False], ids=["applied", "not-applied"])
def test_a_lost_111_is_read_back_by_the_next_push(sandbox, account, applied):
    """The 111 SALE after a restock answered 500: LotteON may or may not have put the option back on sale. The
    row is not trusted as on sale, nor sent blindly: the next push reads the option (94) and sends the 111 only
    if it is still sold out by stock."""
    row, opt = synced_at(sandbox, account, 3)
    stock_adjust(seller=account.seller, option=opt, quantity=-3, reason="lost")
    assert stock_sync(account_id=account.pk).status == "succeeded"
    stock_receive(seller=account.seller, option=opt, quantity=4)
    sandbox.fault(path="item/status/change", status=500, afterApply=applied, count=1)
    run = stock_sync(account_id=account.pk)
    assert (run.status, run.error_code) == ("unsettled", "outcome_unknown")
    assert lotteon(sandbox, row)[1] == ("SALE" if applied else "SOUT")
    push = StockPush.objects.get()
    assert (push.dirty, push.resume_sale, push.pushed_quantity) == (True, True, 4)

    after = since(sandbox)
    assert stock_sync(account_id=account.pk).status == "succeeded"
    assert lotteon(sandbox, row) == (4, "SALE", "")
    assert [c["path"] for c in sandbox.calls(since=after)] == [DETAIL] + ([] if applied else [STATUS])
    push.refresh_from_db()
    assert (push.state, push.resume_sale, push.dirty) == ("synced", False, False)


def test_a_refused_key_holds_the_stock_writes_until_the_connection_is_fixed(sandbox, account, client):
    """After a 401 no 86 is sent for the account — every one would fail the same way, and repeated failing writes
    can get the server's IP blocked (API.md §4) — until Test Connection succeeds; the changes made meanwhile
    are pushed then, and the Stock sync page says why stock waits."""
    from inventory.services.stock_sync import stock_accounts_due

    row, opt = synced_at(sandbox, account, 3)
    stock_receive(seller=account.seller, option=opt, quantity=1)
    sandbox.fault(path="item/stock/change", status=401, count=1)
    sync_stock_account(account.pk)
    account.refresh_from_db()
    assert account.connection_status == SalesSiteAccount.ConnectionStatus.FAILED
    assert live(sandbox)[row["sitmNo"]]["stkQty"] == 3

    after = since(sandbox)
    runs = StockSyncRun.objects.count()
    stock_receive(seller=account.seller, option=opt, quantity=2)
    sync_stock_account(account.pk)
    assert stock_sync(account_id=account.pk, full=True, trigger="manual").status == "skipped"
    assert sandbox.calls(since=after) == [], "nothing sent to LotteON"
    assert StockSyncRun.objects.count() == runs + 1, "only the one asked for by a person is listed"
    assert "Test Connection" in StockSyncRun.objects.latest("pk").error_message
    assert account.pk not in stock_accounts_due()
    client.force_login(User.objects.get(memberships__seller=account.seller))
    page = client.get(reverse("inventory:stock-sync")).content.decode()
    assert "Stock waits: the connection to LotteON failed" in page
    assert "<dt>Pushed</dt><dd>0</dd>" in page and "<dt>Waiting</dt><dd>1</dd>" in page, "its change waits"

    assert account_test_connection(account=account).ok
    assert account.pk in stock_accounts_due()
    assert stock_sync(account_id=account.pk).status == "succeeded"
    assert live(sandbox)[row["sitmNo"]]["stkQty"] == 6


def test_a_push_queued_for_an_account_deleted_since_does_nothing(sandbox, account):
    row, opt = synced_at(sandbox, account, 3)
    stock_receive(seller=account.seller, option=opt, quantity=1)  # its push is queued after commit
    account_id = account.pk
    account.delete()
    after = since(sandbox)
    sync_stock_account(account_id)  # the queued task runs: no crash report, nothing sent
    assert sandbox.calls(since=after) == []
    assert not StockSyncRun.objects.filter(account_id=account_id).exists()


def test_the_command_says_why_an_account_whose_connection_failed_waits(sandbox, account):
    from io import StringIO

    from django.core.management import call_command

    account.connection_status = SalesSiteAccount.ConnectionStatus.FAILED
    account.save(update_fields=["connection_status"])
    out = StringIO()
    call_command("sync_stock", stdout=out)
    assert f"account {account.pk}: Skipped" in out.getvalue() and "Test Connection" in out.getvalue()


def test_retries_used_up_leave_the_rows_to_the_full_sync_without_a_crash(sandbox, account, caplog):
    """The task's last retry failing the same way is expected: a warning, not a crashed task (which would mail
    the admins); the rows stay waiting."""
    row, opt = synced_at(sandbox, account, 3)
    stock_receive(seller=account.seller, option=opt, quantity=2)
    sandbox.fault(path=STOCK, status=429, retryAfter=30, count=1)
    result = sync_stock_account.apply((account.pk,), retries=sync_stock_account.max_retries)
    assert result.successful(), result.traceback
    assert "left to the full sync" in caplog.text
    assert StockSyncRun.objects.latest("pk").error_code == "rate_limited"
    assert StockPush.objects.get().dirty


def test_changes_held_by_a_failed_connection_go_with_the_sweep_once_it_is_back(
        sandbox, account, eager_celery, django_capture_on_commit_callbacks):
    """The key was refused (401) while a receipt waited to be pushed; an order sync then succeeds with the key
    put right, without Test Connection. The waiting change goes with the next sweep, not the full sync half an
    hour later; a change just marked, or one of an account still failed, is left to its own push."""
    from inventory.services.stock_sync import stock_accounts_waiting
    from inventory.tasks import sync_stock_waiting
    from orders.services.sync import orders_sync

    row, opt = synced_at(sandbox, account, 3)
    sandbox.fault(path=STOCK, status=401, count=1)
    with django_capture_on_commit_callbacks(execute=True):
        stock_receive(seller=account.seller, option=opt, quantity=2)
    account.refresh_from_db()
    assert account.connection_status == SalesSiteAccount.ConnectionStatus.FAILED
    StockPush.objects.update(updated_at=timezone.now() - timedelta(minutes=5))
    assert stock_accounts_waiting() == [], "held while the connection is failed"

    assert orders_sync(account_id=account.pk).status == "succeeded"
    account.refresh_from_db()
    assert account.connection_status == SalesSiteAccount.ConnectionStatus.OK
    assert stock_accounts_waiting() == [account.pk]
    StockPush.objects.update(updated_at=timezone.now())
    assert stock_accounts_waiting() == [], "marked a moment ago: its own push is on its way"

    StockPush.objects.update(updated_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_stock_waiting() == 1
    assert lotteon(sandbox, row)[0] == 5
    assert not StockPush.objects.get().dirty and stock_accounts_waiting() == []


def latest_run_row(client, account) -> str:
    """The newest row of Recent stock pushes on the Stock sync page, as HTML."""
    client.force_login(User.objects.get(memberships__seller=account.seller))
    page = client.get(reverse("inventory:stock-sync")).content.decode()
    runs = page.split('class="table stacked ss-runs"', 1)[1]
    return runs.split("<tbody>", 1)[1].split("</tr>", 1)[0]


def test_a_push_that_only_lost_an_answer_says_it_waits_for_a_read_back_not_that_something_was_refused(
        sandbox, account, client):
    """LotteON answered the 86 with a 500 (it may have applied it): nothing was refused, so the run is not
    "Finished with refusals" with 0 refused; it says the option is read back by a later push, and where it waits."""
    row, opt = synced_at(sandbox, account, 3)
    stock_receive(seller=account.seller, option=opt, quantity=2)
    sandbox.fault(path=STOCK, status=500, afterApply=True, count=1)
    run = stock_sync(account_id=account.pk, trigger="change")
    assert (run.status, run.error_code, run.failed, run.waiting) == ("unsettled", "outcome_unknown", 0, 1)

    html = latest_run_row(client, account)
    assert "Waiting for a read-back" in html and "Finished with refusals" not in html
    assert "answer was lost for 1 option(s)" in html
    assert '<td class="num" data-label="Refused">0</td>' in html
    assert 'data-label="Waiting"' in html and f'href="#ss-account-{account.pk}"' in html


def test_a_push_during_an_outage_that_sent_nothing_does_not_say_succeeded(sandbox, account, client):
    """LotteON is down (500 on every call). The change's push loses its 86's answer; the task's retry a minute later
    must leave the option alone (the lost 86 may still land) and sends nothing. Before, that retry read
    "Succeeded, 0 pushed, 0 calls" while the change waited."""
    row, opt = synced_at(sandbox, account, 3)
    sandbox.fault(status=500, count=-1)
    stock_receive(seller=account.seller, option=opt, quantity=2)
    assert stock_sync(account_id=account.pk, trigger="change").status == "unsettled"

    after = since(sandbox)
    run = stock_sync(account_id=account.pk, trigger="change")
    assert sandbox.calls(since=after) == []
    assert (run.status, run.pushed, run.calls, run.failed, run.waiting) == ("unsettled", 0, 0, 0, 1)
    assert run.error_message.startswith("Nothing was sent for 1 option(s)") and " until " in run.error_message
    assert StockPush.objects.get().dirty, "still waiting for its read-back"

    html = latest_run_row(client, account)
    assert "Succeeded" not in html and "Waiting for a read-back" in html and "Nothing was sent" in html
    assert f'href="#ss-account-{account.pk}"' in html
    page = client.get(reverse("inventory:stock-sync")).content.decode()
    assert f'id="ss-account-{account.pk}"' in page and "<dt>Waiting</dt><dd>1</dd>" in page
