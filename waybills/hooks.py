"""Waybills' reactions to order-line changes (see orders/services/hooks.py)."""

from __future__ import annotations

from django.utils import timezone

from orders.models import LineStatus, Order, OrderLine, OrderStatus


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
    attention: dict[int, str] = {}
    for waybill in printed:
        order = waybill.order
        if order.status == OrderStatus.CANCELLED:
            reason = (f"Order cancelled by the buyer after its {waybill.get_kind_display().lower()} {waybill.number} "
                      "was printed: do not ship it.")
            attention[order.pk] = reason
        else:
            changed = ", ".join(line.line_no for line in by_order[order.pk])
            reason = (f"Line {changed} cancelled by the buyer after printing: reprint the label so the parcel "
                      "matches the order.")
            if waybill.status != Waybill.Status.RECEIVED and order.status != OrderStatus.SHIPPED:
                # The parcel may already be packed with the cancelled items: the seller must know, not only
                # the Print Waybill page (QFC sees it at the scan).
                attention[order.pk] = reason
        Waybill.objects.filter(pk=waybill.pk).update(flagged=True, flag_reason=reason[:300])
    for order_id, reason in attention.items():
        # docs/orders.md: an order cancelled, wholly or in part, after its label was printed needs attention.
        Order.objects.filter(pk=order_id).update(needs_attention=True, attention_reason=reason[:300], updated_at=now)
