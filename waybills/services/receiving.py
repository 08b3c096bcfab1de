"""QFC receiving: the warehouse scans a packing label, then the carrier and its tracking number.

Every refusal says what is wrong and changes nothing: a value that is not a packing label, a mistyped one
(check digit), a label nobody printed, a label of a cancelled order, a label already received, a label of
an order the seller printed an invoice for afterwards, a tracking number already used on another parcel.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.conflicts import retried_on_conflict
from core.exceptions import ApplicationError
from integrations.shipping import Courier as CourierRecord
from orders.models import LineStatus, OrderStatus
from orders.selectors import orders_on_hold
from sellers.models import User
from waybills.labels.numbers import ScanError, packing_check
from waybills.models import TrackingPush, Waybill, WaybillKind
from waybills.selectors import default_site, packing_label_get
from waybills.services.couriers import couriers_refresh
from waybills.services.tracking import tracking_no_plausible, tracking_number_check, tracking_record


def packing_label_check(*, code: str) -> Waybill:
    """The packing label behind a scanned code, ready to receive; ``ApplicationError`` otherwise."""
    try:
        number = packing_check(code)
    except ScanError as exc:
        raise ApplicationError(exc.message, code=exc.code) from None
    waybill = packing_label_get(number=number)
    if waybill is None:
        raise ApplicationError(f"{number} is not a packing label printed in SmartShip. Set the parcel aside and "
                               "ask the seller.", code="unknown_label")
    order = waybill.order
    if waybill.status == Waybill.Status.RECEIVED:
        when = timezone.localtime(waybill.received_at).strftime("%Y-%m-%d %H:%M") if waybill.received_at else ""
        who = f" by {waybill.received_by.username}" if waybill.received_by else ""
        raise ApplicationError(
            f"{number} was already received {when}{who} with {waybill.courier_name} {waybill.tracking_no}. "
            "Nothing changed.", code="already_received", extra={"order_no": order.order_no})
    if order.status == OrderStatus.CANCELLED or not order.lines.exclude(status=LineStatus.CANCELLED).exists():
        raise ApplicationError(
            f"Order {order.order_no} was cancelled by the buyer: do not ship this parcel. Set it aside for the "
            "seller. Nothing changed.", code="order_cancelled", extra={"order_no": order.order_no})
    invoice = Waybill.objects.filter(order=order, kind=WaybillKind.INVOICE).first()
    if invoice is not None and invoice.first_printed_at >= waybill.first_printed_at:
        # The seller printed an invoice after this label (docs/waybills.md, "One path per order"): their latest
        # choice is to ship the order themselves, and its QSP number is already at the sales site. Receiving this
        # parcel would ship a second one and replace that number.
        when = timezone.localtime(invoice.first_printed_at).strftime("%Y-%m-%d %H:%M")
        raise ApplicationError(
            f"Order {order.order_no} already has invoice {invoice.number}, printed by the seller {when} after this "
            "label: the seller ships it with that number, which was sent to the sales site. This parcel may be a "
            "second one: do not ship it; set it aside and ask the seller. Nothing changed.", code="invoice_printed",
            extra={"order_no": order.order_no, "invoice": invoice.number})
    if orders_on_hold(order_ids=[order.pk]):
        raise ApplicationError(
            f"Order {order.order_no} is on hold: the buyer asked to cancel it. Do not ship this parcel yet; set it "
            "aside until the seller answers the request. Nothing changed.", code="cancel_requested",
            extra={"order_no": order.order_no})
    return waybill


@retried_on_conflict
def packing_receive(*, code: str, courier_code: str, tracking_no: str, actor: User | None = None,
                    short_confirmed: bool = False) -> Waybill:
    """Record the carrier and tracking number of a received parcel and push them (``tracking_record``).
    ``short_confirmed``: the operator scanned a number shorter than ``MIN_TRACKING_LENGTH`` a second time."""
    waybill = packing_label_check(code=code)
    site = waybill.order.site or default_site()
    couriers_refresh(site=site, account=waybill.order.account)
    courier, number = tracking_number_check(site=site, courier_code=courier_code, tracking_no=tracking_no)
    tracking_no_plausible(number, short_confirmed=short_confirmed,
                          again="Scan it again; the same number scanned twice is recorded.")
    _tracking_no_unused(waybill, courier, number)
    try:
        return _received(waybill, courier, number, actor=actor)
    except IntegrityError:
        # Another operator recorded the same number on another parcel in the same moment (the unique
        # constraint on packing labels' tracking numbers), or a number for these lines; nothing of this one
        # was written.
        _tracking_no_unused(waybill, courier, number)
        raise ApplicationError(f"{waybill.number} was being recorded by someone else at the same moment. Nothing "
                               "changed: scan it again.", code="busy") from None


def _tracking_no_unused(waybill: Waybill, courier: CourierRecord, number: str) -> None:
    used = (Waybill.objects.filter(kind=WaybillKind.PACKING, courier_code=courier.code, tracking_no=number)
            .exclude(pk=waybill.pk).select_related("order").first())
    if used is not None:
        raise ApplicationError(
            f"{courier.name} {number} is already recorded for the parcel of order {used.order.order_no} "
            f"({used.number}). Scan this parcel's own tracking number. Nothing changed.", code="tracking_no_used")


def _received(waybill: Waybill, courier: CourierRecord, number: str, *, actor: User | None) -> Waybill:
    with transaction.atomic():
        locked = Waybill.objects.select_for_update().get(pk=waybill.pk)
        if locked.status == Waybill.Status.RECEIVED:
            raise ApplicationError(f"{locked.number} was received a moment ago by someone else. Nothing changed.",
                                   code="already_received")
        open_lines = {pk: quantity - cancelled for pk, quantity, cancelled in waybill.order.lines.exclude(
            status=LineStatus.CANCELLED).values_list("pk", "quantity", "cancelled_quantity")}
        line_ids = list(open_lines)
        tracking_record(seller_id=waybill.seller_id, line_ids=line_ids, courier_code=courier.code,
                        tracking_no=number, actor=actor, origin=TrackingPush.Origin.RECEIVING, waybill=locked)
        locked.status = Waybill.Status.RECEIVED
        locked.courier_code, locked.courier_name, locked.tracking_no = courier.code, courier.name, number
        locked.received_at, locked.received_by = timezone.now(), actor
        # The scan listed only what is open (QFC took out what was cancelled before): that is what left.
        locked.received_quantities = {str(pk): quantity for pk, quantity in open_lines.items()}
        locked.save(update_fields=["status", "courier_code", "courier_name", "tracking_no", "received_at",
                                   "received_by", "received_quantities"])
    return locked


def invoice_replaced(waybill: Waybill) -> str:
    """The warning for a packing label printed, with the seller's confirmation, after an invoice: receiving it
    replaces the QSP number the sales site holds with the carrier's (a correction), so QFC is told first."""
    invoice = Waybill.objects.filter(order_id=waybill.order_id, kind=WaybillKind.INVOICE).first()
    if invoice is None:
        return ""
    return (f"⚠ The seller printed invoice {invoice.number} for this order first, then chose QFC: receiving this "
            "parcel replaces that number at the sales site with the carrier's. Make sure no other parcel of "
            f"order {waybill.order.order_no} left.")
