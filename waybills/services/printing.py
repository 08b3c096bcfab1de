"""Print Waybill: invoices with the portal's own QSP tracking numbers, or packing labels, for a selection
of orders ready to ship, as one batch (docs/waybills.md "Print Waybill")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.conflicts import retried_on_conflict
from core.exceptions import ApplicationError
from integrations.shipping import Courier as CourierRecord
from orders.models import LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from orders.selectors import orders_on_hold
from orders.services import hooks
from orders.services.lifecycle import lines_mark_shipped, orders_mark_ready
from orders.services.store import lines_lock, orders_refresh
from sellers.models import User
from waybills.models import PrintBatch, TrackingPush, Waybill, WaybillKind
from waybills.selectors import (
    PRINTABLE_STATUSES,
    order_not_pushed_site,
    order_pushes_tracking,
    own_number_courier,
    site_name,
    site_registered,
)
from waybills.services.numbers import numbers_issue
from waybills.services.push import push_enqueue

MAX_BATCH = 1000
MANUAL_COURIER = CourierRecord(code="", name="SmartShip")  # a manual order's invoice: no sales site at all
KIND_NAMES = {WaybillKind.INVOICE: "invoice", WaybillKind.PACKING: "packing label"}


def _refusal(order: Order, kind: str, existing: Waybill | None, received: Waybill | None, held: bool) -> str:
    """Why this order cannot be printed now ("" when it can)."""
    if order.status == OrderStatus.CANCELLED:
        return "cancelled by the buyer"
    if held:
        return "the buyer asked to cancel it: approve or reject the request at the sales site first"
    if order.manual_duplicate_id and order.status != OrderStatus.SHIPPED:
        return (f"manual shipping order {order.manual_duplicate_no} stands for the same sale: choose on the order "
                "page which one ships")
    if order.status == OrderStatus.NEW:
        return "not confirmed yet (New orders are confirmed first)"
    if order.status == OrderStatus.SHIPPED and existing is None:
        return "already shipped"
    if order.status not in PRINTABLE_STATUSES and order.status != OrderStatus.SHIPPED:
        return f"in status {order.get_status_display()}"
    if order.source == Order.Source.PULLED and order.account_id and order.site and not site_registered(order.site):
        return f"from the sales site {order.site!r}, which is not set up in SmartShip"
    if kind == WaybillKind.INVOICE and existing is None and received is not None:
        return (f"already received at QFC with {received.courier_name} {received.tracking_no}; that number was "
                "pushed instead")
    return ""


def _other_label(other: Waybill | None) -> str:
    """Why a first label of one kind needs the seller's confirmation: the order has one of the other kind, so
    two parcels may leave (docs/waybills.md, "One path per order")."""
    if other is None:
        return ""
    when = timezone.localtime(other.first_printed_at).strftime("%Y-%m-%d %H:%M")
    who = f" by {other.printed_by.username}" if other.printed_by else ""
    if other.kind == WaybillKind.PACKING:
        return (f"packing label {other.number} printed {when}{who}: the parcel goes to QFC, which sends the "
                "carrier's number")
    return f"invoice {other.number} printed {when}{who}: its QSP number was sent to the sales site"


@retried_on_conflict
@transaction.atomic
def waybills_print(
    *, seller_id: int, order_ids: Iterable[int], kind: str, paper: str = PrintBatch.Paper.LABEL,
    actor: User | None = None, other_kind_confirmed: bool = False,
) -> PrintBatch:
    """Issue (or reuse, on a reprint) the numbers of the selected orders and record the batch to download.

    - Invoice: a new QSP tracking number per order, courier = the site's "other courier" (LotteON 9999);
      every open line of an order pulled from a sales site gets an outbox row, pushed right after commit.
    - Packing label: a new label code per order; nothing is pushed until QFC receiving scans it.
    - Confirmed orders become Ready to ship. A reprint reuses the numbers and creates no new push.
    - Refused as a whole, changing nothing, when any selected order is cancelled, not confirmed yet, or
      already shipped without a label of this kind; the message names those orders.
    - Refused the same way (``other_label``) when an order gets its first label of this kind but has one of
      the other kind (an invoice and a packing label: two parcels), unless ``other_kind_confirmed``: the seller
      chose to print it anyway.
    - Manual shipping orders (no sales-site account) get numbers and labels; there is nothing to push, so
      an invoice marks them shipped at once. So does an invoice for an order of a site that does not take
      tracking numbers from SmartShip (no TRACKING_PUSH): courier 기타택배 with no code, no outbox row, and
      a timeline event telling the seller to enter the number at the site.
    """
    if kind not in WaybillKind.values:
        raise ApplicationError("Choose Invoice / waybill or Packing label.", code="invalid_kind")
    if paper not in PrintBatch.Paper.values:
        raise ApplicationError("Choose a label format.", code="invalid_paper")
    ids = list(dict.fromkeys(int(pk) for pk in order_ids))
    if not ids:
        raise ApplicationError("Select at least one order to print.", code="nothing_selected")
    if len(ids) > MAX_BATCH:
        raise ApplicationError(f"Print at most {MAX_BATCH} orders at a time.", code="too_many")
    # The orders' lines before the orders (docs/orders.md, "Lock order"): the invoice's tracking pushes refer to
    # the lines, and the sync storing a change of a line holds the line before it writes its order.
    lines_lock(order_ids=Order.objects.filter(seller_id=seller_id, pk__in=ids).values_list("pk", flat=True))
    orders = {o.pk: o for o in Order.objects.select_for_update(of=("self",)).filter(seller_id=seller_id, pk__in=ids)
              .select_related("account", "manual_duplicate")}
    if len(orders) != len(ids):
        raise ApplicationError("Some of the selected orders were not found.", code="not_found")
    waybills = {(w.order_id, w.kind): w for w in Waybill.objects.filter(order_id__in=ids).select_related("printed_by")}

    held = set(orders_on_hold(order_ids=ids))
    refusals = {pk: _refusal(orders[pk], kind, waybills.get((pk, kind)),
                             _received(waybills.get((pk, WaybillKind.PACKING))), pk in held) for pk in ids}
    refused = [f"{orders[pk].order_no} ({reason})" for pk, reason in refusals.items() if reason]
    other_kind = WaybillKind.PACKING if kind == WaybillKind.INVOICE else WaybillKind.INVOICE
    both = {pk: _other_label(waybills.get((pk, other_kind))) for pk in ids
            if not refusals[pk] and (pk, kind) not in waybills}
    both = {pk: reason for pk, reason in both.items() if reason}
    if both and not refused and not other_kind_confirmed:
        shown = "; ".join(f"{orders[pk].order_no} ({reason})" for pk, reason in list(both.items())[:5]) + (
            f"; and {len(both) - 5} more" if len(both) > 5 else "")
        raise ApplicationError(
            f"Nothing was printed: {len(both)} of the selected orders already "
            f"{'has' if len(both) == 1 else 'have'} a label of the other kind: {shown}. {'An' if KIND_NAMES[kind][0] in 'aeiou' else 'A'} {KIND_NAMES[kind]} too "
            "means two parcels, and the buyer can track only one. Remove them from the selection, or print anyway "
            f"if the other label will not be used.", code="other_label", extra={"orders": list(both)})
    if refused:
        shown = "; ".join(refused[:5]) + (f"; and {len(refused) - 5} more" if len(refused) > 5 else "")
        raise ApplicationError(
            f"Nothing was printed: {len(refused)} of the selected orders cannot get a {KIND_NAMES[kind]}: {shown}. "
            "Remove them from the selection and print again.", code="not_printable",
            extra={"orders": [pk for pk, reason in refusals.items() if reason]})

    now = timezone.now()
    listed: dict[int, dict[str, int]] = defaultdict(dict)  # what each label lists, as printed now
    for order_id, line_id, quantity, cancelled in OrderLine.objects.filter(order_id__in=ids).exclude(
            status=LineStatus.CANCELLED).values_list("order_id", "pk", "quantity", "cancelled_quantity"):
        listed[order_id][str(line_id)] = quantity - cancelled
    fresh_orders = [orders[pk] for pk in ids if (pk, kind) not in waybills]
    reprinted = [waybills[(pk, kind)] for pk in ids if (pk, kind) in waybills]
    numbers = numbers_issue(kind=kind, count=len(fresh_orders))
    couriers: dict[str, CourierRecord] = {}  # per site: one look-up a batch
    new_waybills = []
    for order, number in zip(fresh_orders, numbers, strict=True):
        waybill = Waybill(seller_id=seller_id, order=order, kind=kind, number=number, first_printed_at=now,
                          last_printed_at=now, printed_by=actor, printed_quantities=listed[order.pk])
        if kind == WaybillKind.INVOICE:
            courier = _own_courier(order.site or "", couriers)
            waybill.courier_code, waybill.courier_name = courier.code, courier.name
            waybill.tracking_no = number
        new_waybills.append(waybill)
    try:
        with transaction.atomic():
            Waybill.objects.bulk_create(new_waybills)
    except IntegrityError:
        raise ApplicationError("Some of these orders were printed at the same moment from another window. "
                               "Print again: the labels are reprinted with the same numbers.", code="busy") from None
    unflagged = {waybill.order_id for waybill in reprinted if waybill.flagged}
    if reprinted:
        for waybill in reprinted:
            waybill.print_count += 1
            waybill.last_printed_at = now
            waybill.printed_by = actor
            waybill.printed_quantities = listed[waybill.order_id]
            if waybill.flagged:
                waybill.flagged, waybill.flag_reason = False, ""  # reprinted after a partial cancel
        Waybill.objects.bulk_update(reprinted, ["print_count", "last_printed_at", "printed_by", "flagged",
                                                "flag_reason", "printed_quantities"])
        # The reprinted label matches the order again: its "reprint the label" attention ends.
        orders_refresh(order_ids=unflagged)
    by_order = {w.order_id: w for w in (*new_waybills, *reprinted)}
    ordered = [by_order[pk] for pk in ids]
    batch = PrintBatch.objects.create(
        seller_id=seller_id, kind=kind, paper=paper, waybill_ids=[w.pk for w in ordered],
        reprint_ids=[w.pk for w in reprinted], label_count=len(ordered), created_by=actor,
        printed={str(w.pk): {"count": w.print_count, "lines": listed[w.order_id]} for w in ordered})

    # The timeline: confirmed orders move to Ready to ship (one event each); the rest get their own event.
    title = KIND_NAMES[kind].capitalize()
    moved_ids = [o.pk for o in fresh_orders if o.status == OrderStatus.CONFIRMED]
    orders_mark_ready(seller_id=seller_id, order_ids=moved_ids, kind=OrderEvent.Kind.PRINTED, actor=actor,
                      message=f"{title} printed (batch {batch.pk})")
    moved = set(moved_ids)
    OrderEvent.objects.bulk_create(
        OrderEvent(order_id=w.order_id, seller_id=seller_id, actor=actor, kind=OrderEvent.Kind.PRINTED,
                   message=(f"{title} {w.number} reprinted (print {w.print_count}, batch {batch.pk})"
                            if w in reprinted else f"{title} {w.number} printed (batch {batch.pk})"))
        for w in ordered if w.order_id not in moved
    )
    if kind == WaybillKind.INVOICE and new_waybills:
        _queue_pushes(seller_id=seller_id, waybills=new_waybills, actor=actor)
    return batch


def _received(waybill: Waybill | None) -> Waybill | None:
    return waybill if waybill is not None and waybill.status == Waybill.Status.RECEIVED else None


def _own_courier(site: str, cache: dict[str, CourierRecord]) -> CourierRecord:
    """The courier of the portal's own number: the site's "other courier" (LotteON 9999) when it takes
    tracking numbers; a neutral name without a code otherwise (and for manual orders)."""
    if not site:
        return MANUAL_COURIER
    if site not in cache:
        cache[site] = own_number_courier(site)
    return cache[site]


def _queue_pushes(*, seller_id: int, waybills: list[Waybill], actor: User | None) -> None:
    """Outbox rows for every open line of the invoiced orders whose sales site takes tracking numbers.

    Orders with nothing to push are marked shipped at once: manual orders, and orders of a site that does not
    take tracking numbers from SmartShip (no TRACKING_PUSH), whose timeline says to enter the number there."""
    pushable = {w.order_id: w for w in waybills if order_pushes_tracking(w.order)}
    elsewhere = {w.order_id: (w, name) for w in waybills if (name := order_not_pushed_site(w.order))}
    manual_orders = [w.order_id for w in waybills if w.order_id not in pushable and w.order_id not in elsewhere]
    lines = OrderLine.objects.filter(order_id__in=list(pushable)).exclude(status=LineStatus.CANCELLED).only(
        "pk", "order_id", "status")
    busy = set(TrackingPush.objects.filter(order_id__in=list(pushable), state__in=TrackingPush.OPEN_STATES)
               .values_list("line_id", flat=True))
    rows = []
    for line in lines:
        if line.pk in busy or line.status == LineStatus.SHIPPED:
            continue  # a number of the warehouse is already on its way, or the line left otherwise
        waybill = pushable[line.order_id]
        rows.append(TrackingPush(
            seller_id=seller_id, account_id=waybill.order.account_id, order_id=line.order_id, line_id=line.pk,
            waybill=waybill, kind=TrackingPush.Kind.SHIP, origin=TrackingPush.Origin.INVOICE,
            courier_code=waybill.courier_code, tracking_no=waybill.number, created_by=actor))
    TrackingPush.objects.bulk_create(rows, batch_size=500)
    push_enqueue(account_ids=[r.account_id for r in rows])
    manual_lines = []
    if manual_orders:
        manual_lines = list(OrderLine.objects.filter(order_id__in=manual_orders).exclude(
            status=LineStatus.CANCELLED).values_list("pk", flat=True))
        lines_mark_shipped(seller_id=seller_id, line_ids=manual_lines, actor=actor,
                           message="Invoice printed: shipped (manual order, nothing to push to a sales site)")
    elsewhere_lines = []
    if elsewhere:
        by_site: dict[str, list[int]] = defaultdict(list)
        for pk, order_id in OrderLine.objects.filter(order_id__in=list(elsewhere)).exclude(
                status__in=[LineStatus.CANCELLED, LineStatus.SHIPPED]).values_list("pk", "order_id"):
            by_site[elsewhere[order_id][1]].append(pk)
            elsewhere_lines.append(pk)
        for name, site_lines in by_site.items():
            lines_mark_shipped(seller_id=seller_id, line_ids=site_lines, actor=actor,
                               message=f"Invoice printed: shipped (not pushed: {name} does not take tracking "
                               f"numbers from SmartShip)")
        # Each order says which number to enter at the site, and with which courier.
        OrderEvent.objects.bulk_create(
            OrderEvent(order_id=order_id, seller_id=seller_id, actor=actor, kind=OrderEvent.Kind.PRINTED,
                       details={"tracking_no": w.number, "not_pushed": True},
                       message=(f"{name} does not take tracking numbers from SmartShip: enter {w.number} "
                                f"({w.courier_name}) at {name} so the buyer can track the parcel.")[:500])
            for order_id, (w, name) in elsewhere.items())
    # The seller ships these with the invoice: a fulfilment order of them has nothing left to ship.
    hooks.lines_shipped(seller_id=seller_id, line_ids=[*(r.line_id for r in rows), *manual_lines, *elsewhere_lines])


def site_label(order: Order) -> str:
    return site_name(order.site) if order.site else "Manual"


def waybill_set_aside(*, seller_id: int, waybill_id: int, actor: User | None = None) -> Waybill:
    """The seller says the parcel of an order cancelled after its label was printed will not ship: stopped,
    set aside or the label destroyed. The label's "do not ship" flag, and with it the order's attention, ends;
    the timeline keeps what was printed and who said it was stopped. QFC receiving still refuses the label
    (the order is cancelled), so a parcel that turns up anyway cannot ship.

    A label flagged by a partial cancellation is not ended here: its parcel still ships, and a reprint
    makes the label match the order again. Unless QFC had already received it: the parcel left with the
    cancelled items, nothing is left to reprint, and the seller says the carrier stops it or a return is
    expected (waybills.hooks)."""
    with transaction.atomic():
        try:
            waybill = Waybill.objects.select_for_update(of=("self",)).select_related("order").get(
                pk=waybill_id, seller_id=seller_id)
        except Waybill.DoesNotExist:
            raise ApplicationError("No such waybill.", code="not_found") from None
        label = f"{KIND_NAMES[waybill.kind]} {waybill.number}"
        if not waybill.flagged:
            raise ApplicationError(f"The {label} is not flagged: nothing to set aside.", code="not_flagged")
        received = waybill.status == Waybill.Status.RECEIVED
        if waybill.order.status != OrderStatus.CANCELLED and not received:
            raise ApplicationError(
                f"Order {waybill.order.order_no} still ships part of its items: reprint the {label} (Print Waybill) "
                "so the parcel matches the order, instead of setting it aside.", code="reprint_needed")
        Waybill.objects.filter(pk=waybill.pk).update(flagged=False, flag_reason="")
        OrderEvent.objects.create(
            order_id=waybill.order_id, seller_id=seller_id, actor=actor, kind=OrderEvent.Kind.SET_ASIDE,
            details={"waybill": waybill.number},
            message=(f"{KIND_NAMES[waybill.kind].capitalize()} {waybill.number}: the seller handled the parcel that left "
                     f"QFC with {waybill.courier_name} {waybill.tracking_no} holding cancelled items (stopped or "
                     "expected back)") if received else
                    f"{KIND_NAMES[waybill.kind].capitalize()} {waybill.number} of the cancelled order set aside: the "
                    "parcel does not ship")
        orders_refresh(order_ids=[waybill.order_id])
    waybill.refresh_from_db()
    return waybill
