"""An order's status follows from its lines; stored on the order so lists can filter and count fast."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from orders.models import ConfirmState, LineStatus, Order, OrderLine, OrderStatus

# A line only moves forward; a late read from the site never takes it back (cancelled is final).
LINE_RANK = {LineStatus.NEW: 0, LineStatus.CONFIRMED: 1, LineStatus.SHIPPED: 2, LineStatus.CANCELLED: 3}


def line_status_advance(current: str, incoming: str) -> str:
    return incoming if LINE_RANK[LineStatus(incoming)] > LINE_RANK[LineStatus(current)] else current


def order_fields_from_lines(order: Order, lines: Iterable[OrderLine], *, other_reasons: Iterable[str] = ()) -> dict:
    """Status, totals and attention of an order from all of its lines (model instances, or rows with the
    same attributes: ``status`` of the order; ``status``, ``confirm_state``, ``confirm_error``,
    ``open_quantity``, ``amount``, ``on_hold`` and ``asked_after_shipping`` of each line;
    ``manual_duplicate_no`` of the order, the manual shipping order it is held for, "" when none). ``other_reasons``: from other apps
    (``hooks.order_attention``)."""
    lines = list(lines)
    active = [line for line in lines if line.status != LineStatus.CANCELLED]
    if not active:
        status = OrderStatus.CANCELLED
    elif all(line.status == LineStatus.SHIPPED for line in active):
        status = OrderStatus.SHIPPED
    elif any(line.status == LineStatus.NEW for line in active):
        status = OrderStatus.NEW
    elif order.status == OrderStatus.READY:
        # Ready to ship is set by fulfilment and waybills; pulling confirmed lines does not undo it.
        status = OrderStatus.READY
    else:
        status = OrderStatus.CONFIRMED
    failed = [line for line in active if line.confirm_state == ConfirmState.FAILED]
    held = [line for line in active if line.on_hold]
    reasons = []
    twin = order.manual_duplicate_no if status not in (OrderStatus.CANCELLED, OrderStatus.SHIPPED) else ""
    if twin:
        reasons.append(f"Manual shipping order {twin} stands for the same sale: choose on the order page which one "
                       "ships.")
    if held:
        reasons.append(f"The buyer asked to cancel {len(held)} line(s): approve or reject the request at the sales "
                       "site before shipping.")
    if late := [line for line in active if line.asked_after_shipping]:
        reasons.append(f"The buyer asked to cancel {len(late)} line(s) after they shipped: answer the request at the "
                       "sales site; if it is approved, expect the parcel back.")
    reasons.extend(other_reasons)
    if failed:
        reasons.append(f"Confirmation failed for {len(failed)} line(s): {failed[0].confirm_error}")
    return {
        "status": status,
        "total_quantity": sum(line.open_quantity for line in active),
        "total_amount": sum((line.amount for line in active), Decimal(0)),
        "needs_attention": bool(reasons),
        "attention_reason": " ".join(reasons)[:300],
    }
