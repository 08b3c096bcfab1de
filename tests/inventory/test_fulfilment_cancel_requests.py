"""A buyer's open cancellation request (LotteON 50 step 02) holds the order: the seller must approve or reject
it at the sales site before anything of it is printed, packed or shipped. A withdrawal releases it; a
completed cancellation closes its fulfilment order as any cancellation does. Real HTTP to the sandbox."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError
from inventory.models import FulfilmentOrder, StockMovement
from inventory.services.fulfilment import fulfilment_pack, fulfilment_ship, fulfilments_start_picking
from orders.models import OrderStatus
from tests.inventory import test_fulfilment_shipped_elsewhere as shipped_elsewhere
from tests.inventory.test_fulfilment import assert_counters_are_movement_sums, sync
from waybills.models import TrackingPush, Waybill, WaybillKind
from waybills.services.printing import waybills_print

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]
FState = FulfilmentOrder.State
# The same fixtures: a LotteON account with automatic fulfilment, a QFC operator, an order with an open fulfilment order.
account, operator, stocked = shipped_elsewhere.account, shipped_elsewhere.operator, shipped_elsewhere.stocked
stock = shipped_elsewhere.stock


def test_open_request_holds_print_pack_and_ship_until_withdrawn(sandbox, account, stocked):
    order, fo, a, b = stocked
    fulfilments_start_picking(fulfilment_ids=[fo.pk])
    sandbox.request_cancel(order.order_no, odSeq="2")
    sync(account)
    order.refresh_from_db()
    assert order.needs_attention and order.status in (OrderStatus.CONFIRMED, OrderStatus.READY)

    for kind in (WaybillKind.INVOICE, WaybillKind.PACKING):
        with pytest.raises(ApplicationError, match="buyer asked to cancel it: approve or reject") as refused:
            waybills_print(seller_id=account.seller_id, order_ids=[order.pk], kind=kind)
        assert refused.value.extra == {"orders": [order.pk]}
    with pytest.raises(ApplicationError, match=r"not packed: the buyer asked to cancel line 2\. It is on hold"):
        fulfilment_pack(fulfilment_id=fo.pk)
    with pytest.raises(ApplicationError, match=r"not shipped: the buyer asked to cancel line 2") as refused:
        fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="111122223333")
    assert refused.value.code == "cancel_requested"
    fo.refresh_from_db()
    assert fo.state == FState.PICKING and stock(a, b) == [(10, 2), (10, 1)], "nothing changed"
    assert not Waybill.objects.filter(order=order).exists() and not TrackingPush.objects.exists()
    assert not StockMovement.objects.filter(kind=StockMovement.Kind.SHIPMENT).exists()

    sandbox.withdraw_cancel(order.order_no)
    sync(account)
    fulfilment_pack(fulfilment_id=fo.pk)
    fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="111122223333")
    fo.refresh_from_db()
    assert fo.state == FState.SHIPPED and stock(a, b) == [(8, 0), (9, 0)]
    assert_counters_are_movement_sums()


def test_request_approved_at_the_site_closes_the_fulfilment_order(sandbox, account, stocked):
    order, fo, a, b = stocked
    sandbox.request_cancel(order.order_no)
    sync(account)
    sandbox.cancel(order.order_no)
    sync(account)
    order.refresh_from_db()
    fo.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and not order.needs_attention
    assert fo.state == FState.CANCELLED and stock(a, b) == [(10, 0), (10, 0)]
    assert_counters_are_movement_sums()


def test_the_pages_say_why(client, sandbox, account, operator, stocked):
    order, fo, a, b = stocked
    sandbox.request_cancel(order.order_no, clmRsnCnts="주문 실수")
    sync(account)

    client.force_login(account.user)
    detail = client.get(reverse("orders:order-detail", args=[order.pk])).content.decode()
    assert "Cancellation requested" in detail and "주문 실수" in detail
    assert "approve or reject the request at the sales site" in detail
    listing = client.get(reverse("orders:order-list") + "?status=attention").content.decode()
    assert order.order_no in listing
    [api_line, _] = client.get(f"/api/v1/orders/{order.pk}/").json()["lines"]
    assert (api_line["on_hold"], api_line["cancel_request_quantity"], api_line["cancel_request_reason"]) == (
        True, 2, "주문 실수")

    client.force_login(operator)
    page = client.get(reverse("inventory:fulfilment-detail", args=[fo.pk])).content.decode()
    assert "On hold: the buyer asked to cancel" in page and "Line 1: 2 of 2 · 주문 실수" in page
    assert 'id="ship-button" disabled' in page
    listing = client.get(reverse("inventory:fulfilment-list")).content.decode()
    assert "On hold: cancellation requested" in listing
    response = client.post(reverse("inventory:fulfilment-detail", args=[fo.pk]),
                           {"action": "ship", "courier": "0002", "tracking_no": "111122223333"})
    assert response.status_code == 400 and "not shipped: the buyer asked to cancel" in response.content.decode()
    fo.refresh_from_db()
    assert fo.state == FState.OPEN
