"""Waybills' reactions to order-line changes (see orders/services/hooks.py)."""

from __future__ import annotations

from django.utils import timezone

from orders.models import LineStatus, OrderLine, OrderStatus
from orders.services.store import orders_refresh


def on_lines_cancelled(*, seller_id: int, line_ids: list[int]) -> None:
    """Flag waybills already printed for cancelled lines, and keep their tracking numbers from being pushed.

    Runs inside the transaction that cancelled the lines (after the orders' status was recomputed):
    pending, failed, unknown or conflicting pushes of fully cancelled lines become *cancelled* with the
    reason; a push being sent right now is left to the push run, which stores what the site answered.
    """
    from waybills.models import TrackingPush, Waybill
    from waybills.services.push import CANCELLED_BY_BUYER

    lines = list(OrderLine.objects.filter(seller_id=seller_id, pk__in=line_ids).only(
        "pk", "order_id", "line_no", "status", "quantity", "cancelled_quantity"))
    if not lines:
        return
    now = timezone.now()
    cancelled = [line.pk for line in lines if line.status == LineStatus.CANCELLED]
    if cancelled:
        TrackingPush.objects.filter(line_id__in=cancelled, state__in=[
            TrackingPush.State.PENDING, TrackingPush.State.FAILED, TrackingPush.State.UNKNOWN,
            TrackingPush.State.CONFLICT,
        ]).update(state=TrackingPush.State.CANCELLED, last_code="cancelled", last_message=CANCELLED_BY_BUYER,
                  updated_at=now)

    order_ids = {line.order_id for line in lines}
    printed = list(Waybill.objects.filter(seller_id=seller_id, order_id__in=order_ids).select_related("order"))
    if not printed:
        return
    by_order: dict[int, list[OrderLine]] = {}
    for line in lines:
        by_order.setdefault(line.order_id, []).append(line)
    for waybill in printed:
        order = waybill.order
        if waybill.status == Waybill.Status.RECEIVED:
            # QFC received the parcel and it left with the carrier's number: "do not ship" or "reprint" is too
            # late. The seller asks the carrier to stop it or expects it back (stock is not the waybills' to
            # book: the parcel is on a truck).
            parcel = f"{waybill.courier_name} {waybill.tracking_no}"
            if order.status == OrderStatus.CANCELLED:
                reason = (f"Order cancelled by the buyer after QFC received its packing label {waybill.number}: the "
                          f"parcel left with {parcel}. Ask the carrier to stop it or expect it back.")
            elif items := _left_after_receipt(waybill, list(order.lines.all())):
                reason = (f"Cancelled by the buyer after QFC received packing label {waybill.number}: {items} left "
                          f"in the parcel with {parcel}. Ask the carrier to stop it or expect it back.")
            else:
                continue  # nothing the parcel holds was cancelled (e.g. cancelled before the scan took it out)
        elif order.status == OrderStatus.CANCELLED:
            reason = (f"Order cancelled by the buyer after its {waybill.get_kind_display().lower()} {waybill.number} "
                      "was printed: do not ship it.")
        else:
            changed = ", ".join(line.line_no for line in by_order[order.pk])
            reason = (f"Line {changed} cancelled by the buyer after printing: reprint the label so the parcel "
                      "matches the order.")
        Waybill.objects.filter(pk=waybill.pk).update(flagged=True, flag_reason=reason[:300])
    # docs/orders.md: an order cancelled, wholly or in part, after its label was printed needs attention (the
    # parcel may already be packed with the cancelled items: the seller must know, not only the Print Waybill
    # page; QFC sees it at the scan). order_attention below gives the reason while the label stays flagged.
    orders_refresh(order_ids={waybill.order_id for waybill in printed})


def _left_after_receipt(waybill, lines: list[OrderLine]) -> str:
    """What the buyer cancelled after QFC received this packing label: what the scan recorded as leaving
    (``received_quantities``) less what is open now, e.g. "2 × 블랙 / M (line 2)"; "" when nothing (or when the
    label was received before the quantities were kept: nothing is known of the parcel)."""
    received = waybill.received_quantities or {}
    items = []
    for line in sorted(lines, key=lambda line: (len(line.line_no), line.line_no)):
        gone = received.get(str(line.pk), 0) - max(0, line.quantity - line.cancelled_quantity)
        if gone > 0:
            items.append(f"{gone} × {line.option_name or line.product_name} (line {line.line_no})")
    return ", ".join(items)


def order_attention(*, statuses: dict[int, str]) -> dict[int, str]:
    """Why these orders need attention on the waybill side (``orders.services.hooks.order_attention``): a
    label printed before a cancellation and not reprinted since (a whole cancellation: do not ship; a partial
    one: until the parcel is received at QFC or ships; items cancelled after QFC received the packing label left
    with the parcel: until the seller says it is handled), and tracking numbers the sales site refused. Each
    reason lasts as long as its cause: a reprint, a push retried or corrected, the shipment end it."""
    from waybills.models import TrackingPush, Waybill

    reasons: dict[int, list[str]] = {}
    ids = list(statuses)
    flagged = list(Waybill.objects.filter(order_id__in=ids, flagged=True).order_by("order_id", "kind").only(
        "pk", "order_id", "flag_reason", "status", "received_quantities"))
    # A received label of an order still shipping: flagged before the scan, QFC took the items out (no attention
    # once received); flagged after it, they left in the parcel (attention, even once the rest is Shipped).
    received = {w.order_id for w in flagged if w.status == Waybill.Status.RECEIVED and w.received_quantities
                and statuses[w.order_id] != OrderStatus.CANCELLED}
    lines_of: dict[int, list[OrderLine]] = {}
    for line in OrderLine.objects.filter(order_id__in=received).only(
            "pk", "order_id", "line_no", "quantity", "cancelled_quantity", "option_name", "product_name"):
        lines_of.setdefault(line.order_id, []).append(line)
    for waybill in flagged:
        order_status = statuses[waybill.order_id]
        if order_status == OrderStatus.CANCELLED or (
                waybill.status != Waybill.Status.RECEIVED and order_status != OrderStatus.SHIPPED) or (
                waybill.order_id in received and _left_after_receipt(waybill, lines_of.get(waybill.order_id, []))):
            reasons.setdefault(waybill.order_id, []).append(waybill.flag_reason)
    failing: dict[int, tuple[list[str], str, str]] = {}  # order → (its failing lines, a number, the reason)
    for order_id, line_no, number, message in TrackingPush.objects.filter(
            order_id__in=ids, state__in=[TrackingPush.State.FAILED, TrackingPush.State.CONFLICT]).order_by(
            "order_id", "line__line_no", "pk").values_list("order_id", "line__line_no", "tracking_no", "last_message"):
        if statuses[order_id] != OrderStatus.SHIPPED:
            failing.setdefault(order_id, ([], number, message))[0].append(line_no)
    for order_id, (lines, number, message) in failing.items():
        reasons.setdefault(order_id, []).append(
            f"Tracking push failed for line{'s' if len(lines) > 1 else ''} {', '.join(lines)} ({number}): {message}")
    return {order_id: " ".join(texts) for order_id, texts in reasons.items()}


def before_account_delete(*, account) -> None:
    """Tracking numbers not settled with the account's sales site (waiting, being sent, unsettled, refused or in
    conflict) would be left with no account to send them or read them back: refuse, so the seller settles them
    (Tracking push failures) or deactivates the account instead."""
    from core.exceptions import ApplicationError
    from waybills.models import TrackingPush

    count = TrackingPush.objects.filter(account=account, state__in=TrackingPush.OPEN_STATES).count()
    if count:
        raise ApplicationError(
            f"Account {account.shop_id} was not deleted: {count} tracking number{'s are' if count != 1 else ' is'} "
            "not settled with the sales site yet (waiting, being sent or refused; see Waybill ▸ Tracking push "
            "failures). Let them go through or settle them there first, or deactivate the account instead: that "
            "stops every sync and write and keeps its numbers.", code="account_busy")
