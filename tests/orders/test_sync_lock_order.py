"""The order sync against the other writers of the same orders, in real transactions on PostgreSQL.

The sync's day transaction locks the lines it changes, then their orders, then what hangs below them
(fulfilment orders, stock, the tracking outbox). A writer that takes one of those rows first and the lines
afterwards closes a cycle with it: PostgreSQL stops one of the two (a deadlock), and the sync, which has no
retry, fails its day. Each test holds each transaction at a chosen point with an Event and waits until the
database says the other one is waiting for a lock, so the interleaving is the same on every run. SQLite runs
one writing transaction at a time: these interleavings cannot happen there.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection

import inventory.hooks
import inventory.services.fulfilment as fulfilment_module
import orders.services.store as store_module
import waybills.services.couriers
import waybills.services.printing as printing_module
import waybills.services.push as push_module
import waybills.services.tracking as tracking_module
from integrations import registry
from integrations.base import LineRef, LineState, PulledCancellation
from integrations.shipping import TrackingOutcome, TrackingStatus
from inventory.excel import ImportRow
from inventory.models import FulfilmentOrder, OptionSku
from inventory.services.fulfilment import fulfilment_orders_send, fulfilment_ship
from inventory.services.imports import sku_rows_import
from inventory.services.skus import OptionInput, sku_update
from inventory.services.stock import stock_receive
from orders.models import LineStatus, Order, OrderLine, OrderStatus
from orders.services.store import cancellations_apply, lines_store
from tests.factories import make_account, make_seller_user
from tests.inventory.factories import make_multi
from tests.orders.test_search import pulled
from waybills.models import TrackingPush, Waybill, WaybillKind
from waybills.services.printing import waybills_print
from waybills.services.push import tracking_push

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]
PREPARING = {"state": LineState.PREPARING, "site_status_code": "12", "confirmed_at_site": True}
CANCELLED = {"state": LineState.CANCELLED, "site_status_code": "21", "confirmed_at_site": True}


class Tx:
    """A function run in a thread of its own, with its own database connection (and so its own transactions)."""

    def __init__(self, name: str, fn: Callable):
        self.result = self.error = self.pid = None
        self.thread = threading.Thread(target=self._run, args=(fn,), name=name)
        self.thread.start()

    def _run(self, fn):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.result = fn()
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            self.error = exc
        finally:
            connection.close()

    def waiting_for_a_lock(self) -> bool:
        """PostgreSQL's own word: this transaction waits for a lock another one holds."""
        if self.pid is None:
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", [self.pid])
            return cursor.fetchone()[0]

    def finished(self) -> bool:
        return not self.thread.is_alive()

    def join(self):
        self.thread.join(30)
        assert not self.thread.is_alive()


def until(condition: Callable[[], bool], what: str) -> None:
    """Poll a state the database reports (a lock wait) or a thread reached; nothing is left to timing."""
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.01)


def _callers(depth: int = 3) -> set[str]:
    """Names of the functions a few frames above the caller of the one asking (a comprehension is a frame of its
    own before Python 3.12)."""
    frame, names = sys._getframe(2), set()
    for _ in range(depth):
        if frame is None:
            break
        names.add(frame.f_code.co_name)
        frame = frame.f_back
    return names


class Pause:
    """Replaces a function so that the named thread stops right before calling it, until ``go``."""

    def __init__(self, monkeypatch, target, name: str, *, thread: str, after: bool = False, caller: str = ""):
        """``caller``: stop only when called from the function of that name (the same function is called by
        several steps of one transaction)."""
        self.reached, self.go = threading.Event(), threading.Event()
        real = getattr(target, name)

        def paused(*args, **kwargs):
            if threading.current_thread().name != thread or (caller and caller not in _callers()):
                return real(*args, **kwargs)
            if after:
                result = real(*args, **kwargs)
            self.reached.set()
            assert self.go.wait(20)
            return result if after else real(*args, **kwargs)

        monkeypatch.setattr(target, name, paused)


@pytest.fixture
def seller_account():
    seller, user = make_seller_user(name="잠금 순서 상점")
    return seller, user, make_account(seller=seller, auto_fulfillment=True)


def order_of(account, order_no: str, *lines) -> Order:
    lines_store(account=account, lines=tuple(lines))
    return Order.objects.get(seller=account.seller, order_no=order_no)


class ReadBackApplied:
    """The sales site, read back by the push: it holds every line as shipped with the number asked about."""

    def __init__(self, *args, **kwargs):
        pass

    def resolve_tracking(self, requests):
        return [TrackingOutcome(ref=r.ref, status=TrackingStatus.APPLIED, site_status_code="13",
                                site_tracking_no=r.tracking_no) for r in requests]

    def close(self):
        pass


def test_a_push_read_back_and_a_cancellation_of_its_line_do_not_deadlock(seller_account, monkeypatch):
    """The push run reads back an invoice number whose answer was lost (LotteON has it) while the sync stores
    the buyer's cancellation of that line. Before, the push held its outbox row and then wanted the line (to
    mark it shipped), the sync held the line and then wanted the outbox row (to stop its push): PostgreSQL
    stopped one of them, the sync's day or the push run, neither of which is retried."""
    seller, user, account = seller_account
    order = order_of(account, "2026112900001", pulled("2026112900001", **PREPARING))
    line = order.lines.get()
    push = TrackingPush.objects.create(
        seller=seller, account=account, order=order, line=line, kind=TrackingPush.Kind.SHIP,
        origin=TrackingPush.Origin.INVOICE, courier_code="9999", tracking_no="QSP000000000001",
        state=TrackingPush.State.UNKNOWN)
    monkeypatch.setattr(registry, "adapter_for", lambda site, config: ReadBackApplied())
    storing = Pause(monkeypatch, push_module, "lines_mark_shipped", thread="push")

    run = Tx("push", lambda: tracking_push(account_id=account.pk))
    assert storing.reached.wait(20)  # the answer is being stored: the outbox row is confirmed, not committed
    sync = Tx("sync", lambda: lines_store(account=account, lines=(pulled("2026112900001", **CANCELLED),)))
    until(sync.waiting_for_a_lock, "the sync waits for the push")
    storing.go.set()
    run.join()
    sync.join()

    assert (run.error, sync.error) == (None, None)
    push.refresh_from_db()
    assert push.state == TrackingPush.State.CONFIRMED
    assert run.result.confirmed == 1
    # The site shipped it before the cancellation could apply; the sync still records what LotteON says now.
    line.refresh_from_db()
    assert line.status == LineStatus.CANCELLED


@pytest.fixture
def fulfilment(seller_account):
    """A pulled order of two lines (OPT-A, OPT-B) that became an open fulfilment order, stock on hand."""
    seller, user, account = seller_account
    sku = make_multi(seller=seller, options=[("OPT-A", "A"), ("OPT-B", "B")])
    for option in sku.options.all():
        stock_receive(seller=seller, option=option, quantity=10)
    order = order_of(account, "2026112900002",
                     pulled("2026112900002", "1", seller_option_code="OPT-A", **PREPARING),
                     pulled("2026112900002", "2", seller_option_code="OPT-B", **PREPARING))
    fo = FulfilmentOrder.objects.get(order=order)
    assert fo.state == FulfilmentOrder.State.OPEN
    return account, order, fo


def test_qfc_ships_while_the_sync_cancels_a_line_and_neither_is_stopped(fulfilment, monkeypatch):
    """QFC presses Ship (with the carrier's number) while the sync stores the cancellation of line 2. Before,
    Ship locked the fulfilment order and then the order lines (to record the number), the sync the line and
    then the fulfilment order (to release its stock): a deadlock, in which the sync's day was the one stopped
    when it waited first. Ship is retried; the sync is not."""
    account, order, fo = fulfilment
    for module in (waybills.services.couriers, tracking_module):  # LotteON's built-in carrier list, no HTTP
        monkeypatch.setattr(module, "couriers_refresh", lambda **kwargs: False)
    cancelling = Pause(monkeypatch, inventory.hooks, "on_lines_cancelled", thread="sync")
    booking = Pause(monkeypatch, fulfilment_module, "movements_book", thread="ship")

    sync = Tx("sync", lambda: lines_store(account=account, lines=(
        pulled("2026112900002", "2", seller_option_code="OPT-B", **CANCELLED),)))
    assert cancelling.reached.wait(20)  # line 2 is cancelled, its fulfilment line not yet
    ship = Tx("ship", lambda: fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="111122223333"))
    until(lambda: booking.reached.is_set() or ship.waiting_for_a_lock(), "Ship holds or waits")
    cancelling.go.set()
    until(lambda: sync.waiting_for_a_lock() or sync.finished(), "the sync waits for Ship or is done")
    booking.go.set()
    sync.join()
    ship.join()

    assert (sync.error, ship.error) == (None, None)
    fo.refresh_from_db()
    assert fo.state == FulfilmentOrder.State.SHIPPED
    assert list(fo.lines.order_by("pk").values_list("quantity", "cancelled_quantity", "shipped_quantity")) == [
        (1, 0, 1), (0, 1, 0)]
    assert list(TrackingPush.objects.filter(order=order).values_list("line__line_no", flat=True)) == ["1"]


def test_the_seller_prints_an_invoice_while_the_sync_updates_a_line(seller_account, monkeypatch):
    """The seller prints the invoice of an order while the sync stores a change of one of its lines (a new
    product name). Before, Print locked the order and then needed the line (its tracking push refers to it),
    the sync the line and then the order: a deadlock in which the sync's day was stopped when it waited first
    (Print is retried, the sync is not)."""
    seller, user, account = seller_account
    order = order_of(account, "2026112900003", pulled("2026112900003", **PREPARING))
    writing = Pause(monkeypatch, store_module, "_keep_concurrent_writes", thread="sync", after=True)
    numbering = Pause(monkeypatch, printing_module, "numbers_issue", thread="print")

    renamed = pulled("2026112900003", product_name="무선 이어폰 2세대", **PREPARING)
    sync = Tx("sync", lambda: lines_store(account=account, lines=(renamed,)))
    assert writing.reached.wait(20)  # the line is locked for the update
    printing = Tx("print", lambda: waybills_print(seller_id=seller.pk, order_ids=[order.pk],
                                                  kind=WaybillKind.INVOICE, actor=user))
    until(lambda: numbering.reached.is_set() or printing.waiting_for_a_lock(), "Print holds or waits")
    writing.go.set()
    until(lambda: sync.waiting_for_a_lock() or sync.finished(), "the sync waits for Print or is done")
    numbering.go.set()
    sync.join()
    printing.join()

    assert (sync.error, printing.error) == (None, None)
    line = OrderLine.objects.get(order=order)
    assert line.product_name == "무선 이어폰 2세대"
    assert Waybill.objects.filter(order=order, kind=WaybillKind.INVOICE).count() == 1
    assert TrackingPush.objects.filter(line=line).count() == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY


def test_the_seller_sends_an_order_to_fulfilment_while_the_sync_updates_a_line(seller_account, monkeypatch):
    """Send to fulfilment locked the order and then needed its lines (the fulfilment lines refer to them) while
    the sync held a changed line and then wanted the order: the sync's day was stopped when it waited first."""
    seller, user, account = seller_account
    account.auto_fulfillment = False
    account.save(update_fields=["auto_fulfillment"])
    make_multi(seller=seller, options=[("OPT-A", "A")])
    order = order_of(account, "2026112900004", pulled("2026112900004", seller_option_code="OPT-A", **PREPARING))
    assert not FulfilmentOrder.objects.filter(order=order).exists()
    writing = Pause(monkeypatch, store_module, "_keep_concurrent_writes", thread="sync", after=True)
    creating = Pause(monkeypatch, fulfilment_module, "_create", thread="send")

    renamed = pulled("2026112900004", product_name="무선 이어폰 2세대", seller_option_code="OPT-A", **PREPARING)
    sync = Tx("sync", lambda: lines_store(account=account, lines=(renamed,)))
    assert writing.reached.wait(20)
    send = Tx("send", lambda: fulfilment_orders_send(seller=seller, order_ids=[order.pk], actor=user))
    until(lambda: creating.reached.is_set() or send.waiting_for_a_lock(), "Send holds or waits")
    writing.go.set()
    until(lambda: sync.waiting_for_a_lock() or sync.finished(), "the sync waits for Send or is done")
    creating.go.set()
    sync.join()
    send.join()

    assert (sync.error, send.error) == (None, None)
    assert OrderLine.objects.get(order=order).product_name == "무선 이어폰 2세대"
    assert FulfilmentOrder.objects.filter(order=order).count() == 1


def test_a_partial_cancellation_keeps_the_shipped_status_a_push_stored_meanwhile(seller_account, monkeypatch):
    """The sync applies the buyer's completed cancellation of 1 of 2 while the push run stores LotteON's answer
    for the line's invoice number (shipped). Before, the sync read the line unlocked (Preparing), the push marked
    it Shipped and committed, and the sync wrote the Preparing it had read back with the cancelled quantity: the
    line, and its order, went back to be shipped a second time."""
    seller, user, account = seller_account
    order = order_of(account, "2026112900005", pulled("2026112900005", quantity=2, **PREPARING))
    line = order.lines.get()
    TrackingPush.objects.create(
        seller=seller, account=account, order=order, line=line, kind=TrackingPush.Kind.SHIP,
        origin=TrackingPush.Origin.INVOICE, courier_code="9999", tracking_no="QSP000000000005",
        state=TrackingPush.State.UNKNOWN)
    monkeypatch.setattr(registry, "adapter_for", lambda site, config: ReadBackApplied())
    # Applying the completed claim calls LineRef once it has read the lines: the point between its read and write.
    reading = Pause(monkeypatch, store_module, "LineRef", thread="sync", caller="_completed_apply")
    claim = PulledCancellation(ref=LineRef("2026112900005", "1", "1"), claim_no="C-5", cancelled_quantity=1,
                               completed=True, reason="", at=None, ordered_quantity=2)

    sync = Tx("sync", lambda: cancellations_apply(account=account, cancellations=[claim]))
    assert reading.reached.wait(20)
    run = Tx("push", lambda: tracking_push(account_id=account.pk))
    until(lambda: run.finished() or run.waiting_for_a_lock(), "the push is stored or waits for the sync")
    reading.go.set()
    sync.join()
    run.join()

    assert (sync.error, run.error) == (None, None)
    assert run.result.confirmed == 1
    line.refresh_from_db()
    assert (line.status, line.cancelled_quantity) == (LineStatus.SHIPPED, 1)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED


def test_a_sync_day_reserving_one_option_and_releasing_another_meets_a_sku_import(seller_account, monkeypatch):
    """One day of the sync brings a new order of OPT-B (its fulfilment order reserves OPT-B) and the cancellation
    of an order of OPT-A (its reservation is released), while the seller's SKU upload, which lists both options,
    locks them in id order. Before, the sync booked the reservation and then the release, each call locking its
    own option SKUs: it held OPT-B and waited for OPT-A, the upload held OPT-A and waited for OPT-B. PostgreSQL
    stopped one of them, and neither the sync's day nor the upload is retried."""
    seller, user, account = seller_account
    sku = make_multi(seller=seller, name="잠금 티셔츠", options=[("OPT-A", "A"), ("OPT-B", "B")])
    a, b = sku.options.order_by("pk")
    assert a.code == "OPT-A"
    for option in (a, b):
        stock_receive(seller=seller, option=option, quantity=10)
    first = order_of(account, "2026112900006", pulled("2026112900006", seller_option_code="OPT-A", **PREPARING))
    assert FulfilmentOrder.objects.get(order=first).state == FulfilmentOrder.State.OPEN
    releasing = Pause(monkeypatch, inventory.hooks, "on_lines_cancelled", thread="sync")

    sync = Tx("sync", lambda: lines_store(account=account, lines=(
        pulled("2026112900007", seller_option_code="OPT-B", **PREPARING),
        pulled("2026112900006", seller_option_code="OPT-A", **CANCELLED))))
    assert releasing.reached.wait(20)  # OPT-B is reserved for the new order; OPT-A not released yet
    rows = [ImportRow(2, "OPT-A", "잠금 티셔츠", "A", "", "", ""), ImportRow(3, "OPT-B", "잠금 티셔츠", "B", "", "", "")]
    upload = Tx("upload", lambda: sku_rows_import(seller=seller, rows=rows))
    until(upload.waiting_for_a_lock, "the upload waits for the sync")
    releasing.go.set()
    sync.join()
    upload.join()

    assert (sync.error, upload.error) == (None, None)
    assert upload.result.errors == []
    assert upload.result.options_unchanged == 2
    a.refresh_from_db()
    b.refresh_from_db()
    assert ((a.on_hand, a.reserved), (b.on_hand, b.reserved)) == ((10, 0), (10, 1))
    assert FulfilmentOrder.objects.get(order=first).state == FulfilmentOrder.State.CANCELLED
    assert FulfilmentOrder.objects.get(order__order_no="2026112900007").state == FulfilmentOrder.State.OPEN
    assert OptionSku.objects.filter(sku=sku).count() == 2


@pytest.mark.parametrize("writer", ["upload", "form"])
def test_a_sku_save_that_maps_a_waiting_line_meets_print_waybill(seller_account, monkeypatch, caplog, writer):
    """The seller prints the invoices of two orders, one of them sent to the warehouse (its reservation of OPT-A
    is released: the invoice ships it) and one waiting for the SKU of OPT-B, while the same SKU is saved with a
    new option OPT-B (the Excel upload, or the SKU form changing OPT-A's values). Before, the save locked the SKU
    and its option SKUs and then mapped the waiting line, which Print held; Print then wanted OPT-A to release
    it: a deadlock, in which the save (never retried) was stopped when it waited first."""
    seller, user, account = seller_account
    sku = make_multi(seller=seller, name="잠금 셔츠", options=[("OPT-A", "A")])
    (a,) = sku.options.all()
    stock_receive(seller=seller, option=a, quantity=10)
    sent = order_of(account, "2026112900008", pulled("2026112900008", seller_option_code="OPT-A", **PREPARING))
    waiting = order_of(account, "2026112900009", pulled("2026112900009", seller_option_code="OPT-B", **PREPARING))
    assert FulfilmentOrder.objects.filter(order=sent).exists()
    assert OrderLine.objects.get(order=waiting).sku_option_id is None
    numbering = Pause(monkeypatch, printing_module, "numbers_issue", thread="print")
    save = {
        "upload": lambda: sku_rows_import(seller=seller, rows=[ImportRow(2, "OPT-A", "잠금 셔츠", "A", "", "", ""),
                                                               ImportRow(3, "OPT-B", "잠금 셔츠", "B", "", "", "")]),
        "form": lambda: sku_update(sku=sku, name="잠금 셔츠", options=[
            OptionInput(code="OPT-A", option_values="A 블랙", id=a.pk), OptionInput(code="OPT-B", option_values="B")]),
    }[writer]

    printing = Tx("print", lambda: waybills_print(seller_id=seller.pk, order_ids=[sent.pk, waiting.pk],
                                                  kind=WaybillKind.INVOICE, actor=user))
    assert numbering.reached.wait(20)  # both orders' lines and the orders are locked
    saving = Tx("save", save)
    until(saving.waiting_for_a_lock, "the save waits for Print")
    numbering.go.set()
    printing.join()
    saving.join()

    assert (printing.error, saving.error) == (None, None)
    assert not [r for r in caplog.records if "conflicting transaction" in r.getMessage()]  # nobody was stopped
    assert Waybill.objects.filter(order__in=[sent, waiting], kind=WaybillKind.INVOICE).count() == 2
    a.refresh_from_db()
    assert a.reserved == 0  # the invoice ships the line: its reservation was released
    b = OptionSku.objects.get(sku=sku, code="OPT-B")
    assert OrderLine.objects.get(order=waiting).sku_option_id == b.pk
