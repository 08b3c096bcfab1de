"""An order with an open fulfilment order whose lines then ship through the waybill path (the seller's
invoice, a packing label scanned at QFC receiving): the warehouse must not ship it a second time. The
fulfilment order is closed without a shipment movement (its reservation released), a partly shipped one
warns and its Ship refuses the shipped lines, and the detail page shows the shipment that already left."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

import inventory.hooks
from core.exceptions import ApplicationError
from inventory.models import FulfilmentOrder, StockMovement
from inventory.services.fulfilment import (
    fulfilment_flag_clear,
    fulfilment_orders_send,
    fulfilment_ship,
    fulfilments_start_picking,
)
from inventory.services.stock import stock_receive
from orders.models import LineStatus, OrderEvent, OrderStatus
from sellers.models import User
from tests.factories import make_account, make_seller_user
from tests.inventory.factories import make_multi
from tests.inventory.test_fulfilment import assert_counters_are_movement_sums, on_sale_options, option, pull
from tests.inventory.test_fulfilment_views import manual_order
from waybills.models import TrackingPush, WaybillKind
from waybills.services.printing import waybills_print
from waybills.services.push import tracking_push
from waybills.services.receiving import packing_receive
from waybills.services.tracking import tracking_record

pytestmark = pytest.mark.django_db
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


@pytest.fixture
def operator():
    return User.objects.create_user("qfc-op", password="x", is_warehouse_operator=True)


@pytest.fixture
def stocked(sandbox, account):
    """Two options with 10 on hand each and a pulled order (2 × a, 1 × b) that became an open fulfilment order."""
    a, b = (row["eitmNo"] for row in on_sale_options(sandbox, 2))
    sku = make_multi(seller=account.seller, options=[(a, "a"), (b, "b")])
    for opt in sku.options.all():
        stock_receive(seller=account.seller, option=opt, quantity=10)
    order = pull(sandbox, account, [(a, 2), (b, 1)])
    fo = FulfilmentOrder.objects.get(order=order)
    assert fo.state == FState.OPEN
    assert [(option(c).on_hand, option(c).reserved) for c in (a, b)] == [(10, 2), (10, 1)]
    return order, fo, a, b


def stock(*codes):
    return [(option(c).on_hand, option(c).reserved) for c in codes]


@pytest.mark.sandbox
@pytest.mark.parametrize("hook", [True, False], ids=["at-once", "when-the-page-loads"])
def test_label_scanned_at_receiving_closes_the_open_fulfilment_order(client, account, operator, stocked, settings,
                                                                     hook):
    if not hook:
        settings.SMARTSHIP_ON_LINES_SHIPPED = []
    order, fo, a, b = stocked
    batch = waybills_print(seller_id=account.seller_id, order_ids=[order.pk], kind=WaybillKind.PACKING)
    label = order.waybills.get(pk=batch.waybill_ids[0])
    packing_receive(code=label.number, courier_code="0002", tracking_no="6789-1234-5678", actor=operator)
    assert {p.origin for p in TrackingPush.objects.filter(order=order)} == {TrackingPush.Origin.RECEIVING}
    fo.refresh_from_db()
    assert (fo.state == FState.CANCELLED) is hook

    client.force_login(operator)
    page = client.get(reverse("inventory:fulfilment-detail", args=[fo.pk])).content.decode()
    fo.refresh_from_db()
    assert fo.state == FState.CANCELLED and fo.cancelled_at and not fo.flagged, "closed, not shipped a second time"
    assert stock(a, b) == [(10, 0), (10, 0)], "reservation released, nothing booked out"
    assert not StockMovement.objects.filter(fulfilment=fo, kind=StockMovement.Kind.SHIPMENT).exists()
    assert StockMovement.objects.filter(fulfilment=fo, kind=StockMovement.Kind.RELEASE).count() == 2
    assert_counters_are_movement_sums()

    assert "Closed: already shipped outside the warehouse" in page and "nothing to ship from the warehouse" in page
    assert f"packing label {label.number} scanned at QFC receiving" in page and "678912345678" in page
    assert 'id="ship-button"' not in page and 'value="pick"' not in page, "no Start picking / Packed / Ship"
    event = OrderEvent.objects.filter(order=order, message__startswith=f"Fulfilment order {fo.number} closed").get()
    assert "678912345678" in event.message and "nothing to ship from the warehouse" in event.message

    listing = client.get(reverse("inventory:fulfilment-list")).content.decode()
    assert fo.number not in listing, "no longer under To ship"
    with pytest.raises(ApplicationError, match="already cancelled"):
        fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="111122223333")
    assert TrackingPush.objects.filter(order=order).count() == 2, "the scanned number is not replaced"


@pytest.mark.sandbox
def test_invoice_printed_closes_the_fulfilment_order_at_once(account, stocked):
    """The lines-shipped hook (SMARTSHIP_ON_LINES_SHIPPED) runs in the printing transaction."""
    order, fo, a, b = stocked
    waybills_print(seller_id=account.seller_id, order_ids=[order.pk], kind=WaybillKind.INVOICE)
    fo.refresh_from_db()
    assert fo.state == FState.CANCELLED and stock(a, b) == [(10, 0), (10, 0)]
    with pytest.raises(ApplicationError, match="already cancelled"):
        fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="555566667777")
    assert_counters_are_movement_sums()


@pytest.mark.sandbox
def test_without_the_hook_ship_still_refuses_and_the_hook_closes_it(account, stocked, sandbox, settings):
    """Ship checks for itself (the REST API, a hook not configured): a line shipped elsewhere is refused."""
    settings.SMARTSHIP_ON_LINES_SHIPPED = []
    order, fo, a, b = stocked
    batch = waybills_print(seller_id=account.seller_id, order_ids=[order.pk], kind=WaybillKind.INVOICE)
    invoice = order.waybills.get(pk=batch.waybill_ids[0])
    movements = StockMovement.objects.count()

    with pytest.raises(ApplicationError) as refused:
        fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="5555 6666 7777", actor=account.user)
    assert refused.value.code == "shipped_elsewhere"
    assert f"the seller's invoice {invoice.number}" in refused.value.message and "Nothing changed" in refused.value.message
    fo.refresh_from_db()
    assert fo.state == FState.OPEN and StockMovement.objects.count() == movements and stock(a, b) == [(10, 2), (10, 1)]
    pushes = TrackingPush.objects.filter(order=order)
    assert [(p.origin, p.state, p.tracking_no) for p in pushes] == [("invoice", "pending", invoice.number)] * 2

    inventory.hooks.on_lines_shipped(seller_id=account.seller_id, line_ids=list(order.lines.values_list("pk", flat=True)))
    fo.refresh_from_db()
    assert fo.state == FState.CANCELLED and stock(a, b) == [(10, 0), (10, 0)]
    inventory.hooks.on_lines_shipped(seller_id=account.seller_id, line_ids=list(order.lines.values_list("pk", flat=True)))
    assert StockMovement.objects.filter(fulfilment=fo, kind=StockMovement.Kind.RELEASE).count() == 2, "once"
    assert_counters_are_movement_sums()

    tracking_push(account_id=account.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    live = {(r["odNo"], str(r["odSeq"])): r for r in sandbox.state()["orders"]}
    assert live[(order.order_no, "1")]["invcNo"] == invoice.number, "the invoice's number stays at LotteON"


@pytest.mark.sandbox
def test_partly_shipped_elsewhere_warns_refuses_those_lines_and_ships_the_rest(client, account, operator, stocked,
                                                                              settings):
    settings.SMARTSHIP_ON_LINES_SHIPPED = []  # the page applies it too (below)
    order, fo, a, b = stocked
    line_a = order.lines.get(line_no="1")
    assert fulfilments_start_picking(fulfilment_ids=[fo.pk]) == 1
    tracking_record(seller_id=account.seller_id, line_ids=[line_a.pk], courier_code="0002",
                    tracking_no="1111-2222-3333", origin=TrackingPush.Origin.RECEIVING)

    with pytest.raises(ApplicationError) as refused:
        fulfilment_ship(fulfilment_id=fo.pk)
    assert refused.value.code == "shipped_elsewhere" and "line 1 by" in refused.value.message
    assert "111122223333" in refused.value.message
    assert stock(a, b) == [(10, 2), (10, 1)], "nothing changed"

    client.force_login(operator)
    page = client.get(reverse("inventory:fulfilment-detail", args=[fo.pk])).content.decode()
    assert "Already shipped outside the warehouse" in page and "Line 1:" in page and "111122223333" in page
    fo.refresh_from_db()
    assert fo.state == FState.PICKING and fo.flagged and "put it back on the shelf" in fo.flag_reason
    assert stock(a, b) == [(10, 0), (10, 1)]

    fulfilment_flag_clear(fulfilment_id=fo.pk, actor=operator)
    fo = fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="4444-5555-6666", actor=operator)
    assert fo.state == FState.SHIPPED and stock(a, b) == [(10, 0), (9, 0)], "only line 2 left the warehouse"
    pushes = {(p.line.line_no, p.origin, p.tracking_no) for p in TrackingPush.objects.filter(order=order)}
    assert pushes == {("1", "receiving", "111122223333"), ("2", "fulfilment", "444455556666")}
    assert_counters_are_movement_sums()


def test_manual_order_invoice_marks_lines_shipped_and_the_warehouse_list_closes_it(client, operator):
    seller, user = make_seller_user(name="스마트십 데모상점")
    sku = make_multi(seller=seller, options=[("TS-BLK-M", "블랙 / M")])
    black = sku.options.get()
    stock_receive(seller=seller, option=black, quantity=5)
    order = manual_order(seller, user, "TS-BLK-M", 2)
    (fo,) = fulfilment_orders_send(seller=seller, order_ids=[order.pk], actor=user)
    waybills_print(seller_id=seller.pk, order_ids=[order.pk], kind=WaybillKind.INVOICE)
    assert set(order.lines.values_list("status", flat=True)) == {LineStatus.SHIPPED}

    client.force_login(operator)
    client.get(reverse("inventory:fulfilment-list"))
    fo.refresh_from_db()
    black.refresh_from_db()
    assert fo.state == FState.CANCELLED and (black.on_hand, black.reserved) == (5, 0)
    page = client.get(reverse("inventory:fulfilment-detail", args=[fo.pk])).content.decode()
    invoice = order.waybills.get()
    assert "Closed: already shipped" in page and invoice.number in page


@pytest.mark.sandbox
def test_shipped_at_the_sales_site_closes_the_fulfilment_order_at_the_next_sync(account, stocked, sandbox, settings):
    """Shipped outside SmartShip (another tool, by hand at LotteON): the sync's own hook closes the order,
    with no QFC page opened."""
    from orders.services.sync import orders_sync

    settings.SMARTSHIP_ON_LINES_SHIPPED = ["inventory.hooks.on_lines_shipped"]
    order, fo, a, b = stocked
    sandbox.ship(order.order_no, dvCoCd="0002", invcNo="567856785678")
    orders_sync(account_id=account.pk)
    fo.refresh_from_db()
    assert fo.state == FState.CANCELLED and stock(a, b) == [(10, 0), (10, 0)]
    assert not StockMovement.objects.filter(fulfilment=fo, kind=StockMovement.Kind.SHIPMENT).exists()
    assert_counters_are_movement_sums()
