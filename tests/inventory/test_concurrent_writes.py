"""Writes that meet: the sync taking lines out while the warehouse packs or ships, two sends of one order,
two transactions changing lines of one order. Real transactions in threads on PostgreSQL; SQLite runs one
writing transaction at a time, so these interleavings cannot happen there."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

import inventory.services.fulfilment as fulfilment_module
import orders.tasks
from core.exceptions import ApplicationError
from integrations.base import LineState
from integrations.models import SyncRun
from inventory.models import FulfilmentOrder
from inventory.services.fulfilment import (
    fulfilment_lines_cancelled,
    fulfilment_orders_send,
    fulfilment_pack,
    fulfilment_ship,
    fulfilments_start_picking,
)
from inventory.services.stock import stock_receive
from orders.models import LineStatus, Order, OrderLine, OrderStatus
from orders.services.lifecycle import lines_mark_shipped
from orders.services.manual import ManualItem, manual_order_create
from orders.services.store import lines_store, orders_refresh
from orders.services.sync import sync_request
from tests.factories import make_account, make_seller_user
from tests.inventory import test_fulfilment_shipped_elsewhere as pulled
from tests.inventory.factories import make_multi
from tests.orders.test_search import pulled as pulled_line
from waybills.models import TrackingPush, WaybillKind
from waybills.services.printing import waybills_print

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]
FState = FulfilmentOrder.State


def two_line_order(seller, user) -> Order:
    return manual_order_create(
        seller=seller, actor=user, recipient_name="김민준", zip_code="04524", address="서울 중구 세종대로 110",
        recipient_mobile="010-1234-5678",
        items=[ManualItem(product_name="티셔츠", option_name="A", quantity=1, seller_code="OPT-A"),
               ManualItem(product_name="티셔츠", option_name="B", quantity=1, seller_code="OPT-B")])


@pytest.fixture
def sent():
    seller, user = make_seller_user(name="동시 상점")
    sku = make_multi(seller=seller, options=[("OPT-A", "A"), ("OPT-B", "B")])
    for option in sku.options.all():
        stock_receive(seller=seller, option=option, quantity=10)
    order = two_line_order(seller, user)
    (fo,) = fulfilment_orders_send(seller=seller, order_ids=[order.pk], actor=user)
    return seller, user, order, fo


class Background:
    """A function run in a thread of its own, with its own database connection."""

    def __init__(self, fn):
        self.result = self.error = None
        self.thread = threading.Thread(target=self._run, args=(fn,))
        self.thread.start()

    def _run(self, fn):
        try:
            self.result = fn()
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            self.error = exc
        finally:
            connection.close()

    def join(self):
        self.thread.join(30)
        assert not self.thread.is_alive()


def held_open(action, done: threading.Event, go: threading.Event):
    """``action`` in a transaction that stays open (its locks held) until ``go``."""
    def run():
        with transaction.atomic():
            result = action()
            done.set()
            assert go.wait(20)
        return result
    return run


def sync_cancels(seller, line_ids):
    """What the sync's day transaction does for a cancellation read from LotteON."""
    def run():
        with transaction.atomic():
            OrderLine.objects.filter(pk__in=line_ids).update(status=LineStatus.CANCELLED, cancelled_quantity=1)
            return fulfilment_lines_cancelled(seller_id=seller.pk, line_ids=line_ids)
    return run


@pytest.mark.parametrize("warehouse_action", ["pack", "start_picking"])
def test_a_cancellation_waits_for_the_warehouse_and_flags_what_it_committed(sent, warehouse_action):
    """QFC packs (or starts picking) while the sync cancels a line: the order stays packed (picking) and is
    flagged to take the item out; before, the sync wrote back the Open state it had read, unflagged."""
    seller, user, order, fo = sent
    done, go = threading.Event(), threading.Event()
    action = {"pack": lambda: fulfilment_pack(fulfilment_id=fo.pk),
              "start_picking": lambda: fulfilments_start_picking(fulfilment_ids=[fo.pk])}[warehouse_action]
    warehouse = Background(held_open(action, done, go))
    assert done.wait(20)
    sync = Background(sync_cancels(seller, [order.lines.get(line_no="2").pk]))
    time.sleep(0.5)  # the sync is now waiting for the warehouse's transaction
    go.set()
    warehouse.join()
    sync.join()
    assert (warehouse.error, sync.error) == (None, None)
    fo.refresh_from_db()
    expected = FState.PACKED if warehouse_action == "pack" else FState.PICKING
    assert (fo.state, fo.flagged) == (expected, True)
    assert "take 1 × OPT-B (line 2) out" in fo.flag_reason


def test_a_cancellation_and_a_shipment_do_not_deadlock(sent, monkeypatch):
    """The sync has locked the lines it takes out and books the release when QFC presses Ship: one waits
    for the other (before, PostgreSQL killed one of them: a 500 on Ship, or a failed sync)."""
    seller, user, order, fo = sent
    booking, go = threading.Event(), threading.Event()
    book = fulfilment_module.movements_book

    def slow_book(**kwargs):
        booking.set()
        assert go.wait(20)
        return book(**kwargs)

    monkeypatch.setattr(fulfilment_module, "movements_book", slow_book)
    sync = Background(sync_cancels(seller, [order.lines.get(line_no="2").pk]))
    assert booking.wait(20)
    monkeypatch.setattr(fulfilment_module, "movements_book", book)
    ship = Background(lambda: fulfilment_ship(fulfilment_id=fo.pk))
    time.sleep(0.5)
    go.set()
    sync.join()
    ship.join()
    assert (sync.error, ship.error) == (None, None)
    fo.refresh_from_db()
    assert fo.state == FState.SHIPPED
    assert list(fo.lines.order_by("pk").values_list("quantity", "cancelled_quantity")) == [(1, 0), (0, 1)]


def test_one_order_sent_twice_at_once_gets_one_fulfilment_order(sent):
    seller, user = make_seller_user(name="두 번 상점")
    make_multi(seller=seller, options=[("OPT-A", "A"), ("OPT-B", "B")])
    order = two_line_order(seller, user)
    done, go = threading.Event(), threading.Event()
    first = Background(held_open(lambda: fulfilment_orders_send(seller=seller, order_ids=[order.pk], actor=user),
                                 done, go))
    assert done.wait(20)
    second = Background(lambda: fulfilment_orders_send(seller=seller, order_ids=[order.pk], actor=user))
    time.sleep(0.5)
    go.set()
    first.join()
    second.join()
    assert first.error is None
    assert isinstance(second.error, ApplicationError), repr(second.error)
    assert "already a fulfilment order" in second.error.message
    assert FulfilmentOrder.objects.filter(order=order).count() == 1


def test_two_lines_of_one_order_changed_at_once_give_the_order_both(sent):
    """A push ships line 1 while the sync cancels line 2: the order ends Shipped. Before, each transaction
    computed the order from the other's old line, and the order stayed Ready to ship for good."""
    seller, user, order, fo = sent
    first, second = order.lines.order_by("line_no")
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.READY)
    done, go = threading.Event(), threading.Event()
    push = Background(held_open(
        lambda: lines_mark_shipped(seller_id=seller.pk, line_ids=[first.pk], message="Tracking number accepted"),
        done, go))
    assert done.wait(20)

    def cancel():
        with transaction.atomic():
            OrderLine.objects.filter(pk=second.pk).update(status=LineStatus.CANCELLED, cancelled_quantity=1)
            orders_refresh(order_ids={order.pk})

    sync = Background(cancel)
    time.sleep(0.5)
    go.set()
    push.join()
    sync.join()
    assert (push.error, sync.error) == (None, None)
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED


account, stocked = pulled.account, pulled.stocked  # a pulled LotteON order that became a fulfilment order


@pytest.mark.sandbox
def test_the_seller_prints_the_invoice_while_qfc_ships_with_a_tracking_number(sandbox, account, stocked):
    """Each holds a row the other needs; PostgreSQL stops one of them (a deadlock). The one stopped runs again
    and then finds the other's work: no 500, and one tracking number per line goes to LotteON."""
    order, fo, a, b = stocked
    done, go = threading.Event(), threading.Event()
    ship = Background(held_open(lambda: fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002",
                                                        tracking_no="111122223333"), done, go))
    assert done.wait(20)
    printing = Background(lambda: waybills_print(seller_id=account.seller_id, order_ids=[order.pk],
                                                 kind=WaybillKind.INVOICE))
    time.sleep(1.0)
    go.set()
    ship.join()
    printing.join()
    for error in (ship.error, printing.error):
        assert error is None or isinstance(error, ApplicationError), repr(error)
    assert ship.error is None or printing.error is None
    open_pushes = TrackingPush.objects.filter(order=order).exclude(state=TrackingPush.State.SUPERSEDED)
    assert open_pushes.values("line").distinct().count() == open_pushes.count()


def test_beat_and_sync_now_at_one_instant_queue_one_run(monkeypatch):
    """The schedule's request is still uncommitted when Sync now asks: Sync now waits for it and is given
    the same run; before, each saw no queued run and two syncs were queued for one account."""
    sent_tasks = []
    monkeypatch.setattr(orders.tasks.sync_account, "apply_async", lambda args, **kw: sent_tasks.append(args))
    seller, _ = make_seller_user(name="동시 동기화")
    account = make_account(seller=seller)
    done, go = threading.Event(), threading.Event()
    beat = Background(held_open(lambda: sync_request(account=account, trigger=SyncRun.Trigger.SCHEDULE), done, go))
    assert done.wait(20)
    now = Background(lambda: sync_request(account=account))
    time.sleep(0.5)  # Sync now is waiting for the schedule's transaction
    go.set()
    beat.join()
    now.join()
    assert (beat.error, now.error) == (None, None)
    assert now.result.pk == beat.result.pk
    assert SyncRun.objects.filter(account=account).count() == 1
    assert len(sent_tasks) == 1


def test_a_sync_updating_a_line_keeps_the_shipped_status_a_tracking_number_just_committed():
    """The sync read the line (Preparing) before a tracking number marked it shipped, and then wrote an
    update of it (a changed product name): the line stays shipped; before, the Preparing read was written back."""
    seller, _ = make_seller_user(name="동시 송장")
    account = make_account(seller=seller)
    preparing = {"state": LineState.PREPARING, "site_status_code": "12", "confirmed_at_site": True}
    lines_store(account=account, lines=(pulled_line("2026112800001", **preparing),))
    line = OrderLine.objects.get(seller=seller)
    assert line.status == LineStatus.CONFIRMED
    done, go = threading.Event(), threading.Event()
    push = Background(held_open(lambda: lines_mark_shipped(seller_id=seller.pk, line_ids=[line.pk],
                                                           message="Shipped with CJ 111122223333"), done, go))
    assert done.wait(20)
    renamed = pulled_line("2026112800001", product_name="무선 이어폰 2세대", **preparing)
    sync = Background(lambda: lines_store(account=account, lines=(renamed,)))
    time.sleep(0.5)  # the sync is waiting for the line the push holds
    go.set()
    push.join()
    sync.join()
    assert (push.error, sync.error) == (None, None)
    line.refresh_from_db()
    assert (line.status, line.product_name) == (LineStatus.SHIPPED, "무선 이어폰 2세대")
    assert Order.objects.get(pk=line.order_id).status == OrderStatus.SHIPPED
