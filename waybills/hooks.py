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
        if order.status == OrderStatus.CANCELLED:
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


def order_attention(*, statuses: dict[int, str]) -> dict[int, str]:
    """Why these orders need attention on the waybill side (``orders.services.hooks.order_attention``): a
    label printed before a cancellation and not reprinted since (a whole cancellation: do not ship; a partial
    one: until the parcel is received at QFC or ships), and tracking numbers the sales site refused. Each
    reason lasts as long as its cause: a reprint, a push retried or corrected, the shipment end it."""
    from waybills.models import TrackingPush, Waybill

    reasons: dict[int, list[str]] = {}
    ids = list(statuses)
    for order_id, reason, status in Waybill.objects.filter(order_id__in=ids, flagged=True).order_by(
            "order_id", "kind").values_list("order_id", "flag_reason", "status"):
        order_status = statuses[order_id]
        if order_status == OrderStatus.CANCELLED or (
                status != Waybill.Status.RECEIVED and order_status != OrderStatus.SHIPPED):
            reasons.setdefault(order_id, []).append(reason)
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
