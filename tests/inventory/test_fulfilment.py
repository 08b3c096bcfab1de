"""Fulfilment orders over real HTTP against the LotteON sandbox and real SQL: created only when every open
line maps and is confirmed, reservation and release, shipping with stock movements, and the seller's
hand-off when Automatic Fulfillment Shipping Instructions is off."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from core.exceptions import ApplicationError
from inventory.models import FulfilmentOrder, OptionSku, StockMovement
from inventory.services.fulfilment import (
    fulfilment_flag_clear,
    fulfilment_orders_send,
    fulfilment_pack,
    fulfilment_ship,
    fulfilments_start_picking,
)
from inventory.services.stock import stock_receive, stock_totals
from orders.models import Order, OrderEvent, OrderStatus
from orders.services.manual import ManualItem, manual_order_create
from orders.services.sync import orders_sync
from tests.factories import make_account, make_seller_user
from tests.inventory.factories import make_multi, make_single
from waybills.models import TrackingPush
from waybills.services.push import tracking_push

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]
KST = ZoneInfo("Asia/Seoul")
FState = FulfilmentOrder.State


@pytest.fixture
def account(sandbox, settings):
    cache.clear()
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.LOTTEON_RETRY_BASE_DELAY = 0.01
    settings.LOTTEON_READ_TIMEOUT = 2.0
    settings.SMARTSHIP_ORDER_LOOKBACK_DAYS = 2
    seller, user = make_seller_user(name="스마트십 데모상점")
    acct = make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO,
                        auto_fulfillment=True)
    acct.user = user
    return acct


def kst(days_ago: float = 0.1) -> str:
    return (datetime.now(KST) - timedelta(days=days_ago)).strftime("%Y%m%d%H%M%S")


def on_sale_options(sandbox, n: int) -> list[dict]:
    rows = [r for r in sandbox.state(api_key=sandbox.DEMO_KEY)["stock"] if r["eitmNo"] and r["slStatCd"] == "SALE"]
    return rows[:n]


def sync(account):
    run = orders_sync(account_id=account.pk)
    assert run.status == "succeeded", run.error_message
    return run


def pull(sandbox, account, lines: list[tuple[str, int]]) -> Order:
    created = sandbox.create_order(owhoDttm=kst(), lines=[{"eitmNo": code, "odQty": qty} for code, qty in lines])
    sync(account)
    return Order.objects.get(seller=account.seller, order_no=created["odNo"])


def option(code: str) -> OptionSku:
    return OptionSku.objects.get(code=code)


def assert_counters_are_movement_sums():
    totals = stock_totals(option_ids=OptionSku.objects.values_list("pk", flat=True))
    for opt in OptionSku.objects.all():
        assert (opt.on_hand, opt.reserved) == totals.get(opt.pk, (0, 0)), opt.code


def test_fulfilment_order_only_when_every_line_maps_then_a_fixed_code_completes_it(sandbox, account):
    a, b = on_sale_options(sandbox, 2)
    make_multi(seller=account.seller, options=[(a["eitmNo"], "a")])
    order = pull(sandbox, account, [(a["eitmNo"], 2), (b["eitmNo"], 1)])

    assert order.status == OrderStatus.CONFIRMED
    assert not FulfilmentOrder.objects.exists(), "a partly mapped order waits"
    waiting = OrderEvent.objects.filter(order=order, message__startswith="Waiting for fulfilment").get()
    assert waiting.message == f"Waiting for fulfilment: 1 of 2 lines not mapped: {b['eitmNo']}"
    assert option(a["eitmNo"]).reserved == 0
    sync(account)
    assert OrderEvent.objects.filter(order=order, message__startswith="Waiting").count() == 1, "said once"

    # The seller fixes the mapping: the order completes and goes to the warehouse without a new sync.
    make_multi(seller=account.seller, options=[(b["eitmNo"], "b")])
    fo = FulfilmentOrder.objects.get(order=order)
    order.refresh_from_db()
    assert (fo.state, fo.origin, order.status) == (FState.OPEN, "automatic", OrderStatus.READY)
    assert sorted(fo.lines.values_list("option__code", "quantity", "reserved")) == sorted(
        [(a["eitmNo"], 2, 2), (b["eitmNo"], 1, 1)])
    short = option(a["eitmNo"])
    assert (short.on_hand, short.reserved, short.available, short.short) == (0, 2, 0, 2)
    assert fo.short, "reserved more than available: allowed, and marked short"
    assert StockMovement.objects.filter(kind="reservation", fulfilment=fo).count() == 2
    assert_counters_are_movement_sums()

    sync(account)
    assert FulfilmentOrder.objects.count() == 1, "never twice"


def test_unconfirmed_lines_wait_and_say_so(sandbox, account):
    account.auto_order_confirmation = False
    account.save()
    (a,) = on_sale_options(sandbox, 1)
    make_multi(seller=account.seller, options=[(a["eitmNo"], "a")])
    created = sandbox.create_order(owhoDttm=kst(), lines=[{"eitmNo": a["eitmNo"]}])
    sync(account)
    assert not FulfilmentOrder.objects.exists()
    sandbox.link(created["odNo"])  # confirmed by another tool
    sync(account)
    fo = FulfilmentOrder.objects.get(order__order_no=created["odNo"])
    assert fo.lines.get().reserved == 1


def test_option_off_the_seller_sends_by_hand_all_or_nothing(sandbox, account):
    account.auto_fulfillment = False
    account.save()
    a, b = on_sale_options(sandbox, 2)
    make_multi(seller=account.seller, options=[(a["eitmNo"], "a")])
    ready = pull(sandbox, account, [(a["eitmNo"], 1)])
    partial = pull(sandbox, account, [(a["eitmNo"], 1), (b["eitmNo"], 1)])
    assert not FulfilmentOrder.objects.exists()
    assert not OrderEvent.objects.filter(message__startswith="Waiting").exists(), "nothing to wait for: it is off"

    with pytest.raises(ApplicationError) as refused:
        fulfilment_orders_send(seller=account.seller, order_ids=[ready.pk, partial.pk], actor=account.user)
    assert f"Order {partial.order_no}: 1 of 2 lines not mapped: {b['eitmNo']}" in refused.value.message
    assert not FulfilmentOrder.objects.exists() and option(a["eitmNo"]).reserved == 0

    (fo,) = fulfilment_orders_send(seller=account.seller, order_ids=[ready.pk], actor=account.user)
    assert (fo.origin, fo.created_by, option(a["eitmNo"]).reserved) == ("manual", account.user, 1)
    with pytest.raises(ApplicationError, match="already a fulfilment order"):
        fulfilment_orders_send(seller=account.seller, order_ids=[ready.pk])

    other, _ = make_seller_user()
    with pytest.raises(ApplicationError, match="not found"):
        fulfilment_orders_send(seller=other, order_ids=[ready.pk])


def test_manual_order_without_account_is_sent_by_hand_and_ships_without_a_push(account):
    sku = make_single(seller=account.seller, code="MUG-1")
    stock_receive(seller=account.seller, option=sku.options.get(), quantity=5)
    order = manual_order_create(seller=account.seller, actor=account.user, recipient_name="김민준", zip_code="04524",
                                address="서울 중구 세종대로 110", recipient_mobile="010-1234-5678",
                                items=[ManualItem(product_name="머그", quantity=2, seller_code="mug-1")])
    assert not FulfilmentOrder.objects.exists(), "no account: by hand"
    (fo,) = fulfilment_orders_send(seller=account.seller, order_ids=[order.pk])
    fulfilment_ship(fulfilment_id=fo.pk, actor=account.user)
    order.refresh_from_db()
    opt = sku.options.get()
    assert (opt.on_hand, opt.reserved, order.status) == (3, 0, OrderStatus.SHIPPED)
    assert not TrackingPush.objects.exists()


def test_partial_and_full_cancellation_release_the_reservation(sandbox, account):
    a, b = on_sale_options(sandbox, 2)
    make_multi(seller=account.seller, options=[(a["eitmNo"], "a"), (b["eitmNo"], "b")])
    order = pull(sandbox, account, [(a["eitmNo"], 3), (b["eitmNo"], 1)])
    fo = FulfilmentOrder.objects.get(order=order)
    assert (option(a["eitmNo"]).reserved, option(b["eitmNo"]).reserved) == (3, 1)

    sandbox.cancel(order.order_no, odSeq="1", cnclQty=2)
    sync(account)
    sync(account)
    line = fo.lines.get(option__code=a["eitmNo"])
    assert (line.quantity, line.reserved, line.cancelled_quantity) == (1, 1, 2)
    assert option(a["eitmNo"]).reserved == 1, "released once, however often the sync sees it"
    fo.refresh_from_db()
    assert fo.state == FState.OPEN and not fo.flagged, "not picked yet: nothing to tell the warehouse"

    sandbox.cancel(order.order_no)
    sync(account)
    fo.refresh_from_db()
    assert fo.state == FState.CANCELLED and not fo.flagged
    assert (option(a["eitmNo"]).reserved, option(b["eitmNo"]).reserved) == (0, 0)
    assert StockMovement.objects.filter(fulfilment=fo, kind="release").count() == 3
    assert_counters_are_movement_sums()


def test_cancelled_after_picking_is_flagged_and_must_be_handled_before_shipping(sandbox, account):
    a, b = on_sale_options(sandbox, 2)
    sku = make_multi(seller=account.seller, options=[(a["eitmNo"], "a"), (b["eitmNo"], "b")])
    for opt in sku.options.all():
        stock_receive(seller=account.seller, option=opt, quantity=10)
    order = pull(sandbox, account, [(a["eitmNo"], 2), (b["eitmNo"], 1)])
    fo = FulfilmentOrder.objects.get(order=order)
    assert fulfilments_start_picking(fulfilment_ids=[fo.pk]) == 1

    sandbox.cancel(order.order_no, odSeq="2")
    sync(account)
    fo.refresh_from_db()
    assert fo.state == FState.PICKING and fo.flagged
    assert fo.flag_reason == f"Cancelled after picking: take 1 × {b['eitmNo']} (line 2) out of the order and put it back on the shelf."
    assert option(b["eitmNo"]).reserved == 0

    with pytest.raises(ApplicationError, match="is flagged"):
        fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="123412341234")
    assert option(a["eitmNo"]).on_hand == 10, "nothing changed"
    fulfilment_flag_clear(fulfilment_id=fo.pk, actor=account.user)
    fulfilment_pack(fulfilment_id=fo.pk)
    fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="1234-1234-1234", actor=account.user)
    assert (option(a["eitmNo"]).on_hand, option(a["eitmNo"]).reserved) == (8, 0)
    assert option(b["eitmNo"]).on_hand == 10


def test_ship_records_movements_and_pushes_the_tracking_number(sandbox, account):
    a, b = on_sale_options(sandbox, 2)
    sku = make_multi(seller=account.seller, options=[(a["eitmNo"], "a"), (b["eitmNo"], "b")])
    stock_receive(seller=account.seller, option=sku.options.get(code=a["eitmNo"]), quantity=5)
    stock_receive(seller=account.seller, option=sku.options.get(code=b["eitmNo"]), quantity=1)
    order = pull(sandbox, account, [(a["eitmNo"], 2), (b["eitmNo"], 1)])
    fo = FulfilmentOrder.objects.get(order=order)
    assert not fo.short

    fo = fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="5555 6666 7777", actor=account.user)
    assert (fo.state, fo.courier_code, fo.tracking_no) == (FState.SHIPPED, "0002", "555566667777")
    assert [(option(r["eitmNo"]).on_hand, option(r["eitmNo"]).reserved) for r in (a, b)] == [(3, 0), (1 - 1, 0)]
    shipments = StockMovement.objects.filter(fulfilment=fo, kind="shipment")
    assert sorted(shipments.values_list("quantity", "reserved_delta")) == [(-2, -2), (-1, -1)]
    assert_counters_are_movement_sums()

    pushes = TrackingPush.objects.filter(order=order)
    assert pushes.count() == 2 and {p.origin for p in pushes} == {"fulfilment"}
    tracking_push(account_id=account.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    live = {(r["odNo"], str(r["odSeq"])): r for r in sandbox.state()["orders"]}
    assert (live[(order.order_no, "1")]["odPrgsStepCd"], live[(order.order_no, "1")]["invcNo"]) == ("13", "555566667777")
    with pytest.raises(ApplicationError, match="already shipped"):
        fulfilment_ship(fulfilment_id=fo.pk)


def test_shipping_more_than_on_hand_is_refused_and_changes_nothing(sandbox, account):
    (a,) = on_sale_options(sandbox, 1)
    sku = make_multi(seller=account.seller, options=[(a["eitmNo"], "a")])
    stock_receive(seller=account.seller, option=sku.options.get(), quantity=1)
    order = pull(sandbox, account, [(a["eitmNo"], 3)])
    fo = FulfilmentOrder.objects.get(order=order)
    movements = StockMovement.objects.count()
    with pytest.raises(ApplicationError) as refused:
        fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="123412341234")
    assert refused.value.message == (f"Not enough stock of {a['eitmNo']}: 1 on hand, 3 to take out. On hand never "
                                     "goes below 0: receive or adjust the stock first. Nothing changed.")
    fo.refresh_from_db()
    assert fo.state == FState.OPEN and StockMovement.objects.count() == movements
    assert not TrackingPush.objects.exists()
    assert (option(a["eitmNo"]).on_hand, option(a["eitmNo"]).reserved) == (1, 3)


def test_a_bad_tracking_number_changes_nothing(sandbox, account):
    (a,) = on_sale_options(sandbox, 1)
    sku = make_multi(seller=account.seller, options=[(a["eitmNo"], "a")])
    stock_receive(seller=account.seller, option=sku.options.get(), quantity=5)
    fo = FulfilmentOrder.objects.get(order=pull(sandbox, account, [(a["eitmNo"], 1)]))
    with pytest.raises(ApplicationError, match="not a valid tracking number"):
        fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="ABC-!!")
    with pytest.raises(ApplicationError, match="both the carrier and its tracking number"):
        fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002")
    fo.refresh_from_db()
    assert fo.state == FState.OPEN and option(a["eitmNo"]).on_hand == 5
