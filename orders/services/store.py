"""Storing pulled lines: idempotent upserts keyed on the site's line identity, in a few queries per window."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from core.bulk import changes_update, instance_maker, objects_insert, rows_insert
from integrations.base import LineRef, LineState, PulledCancellation, PulledLine
from integrations.models import SalesSiteAccount
from orders.models import (
    ASKED_AFTER_SHIPPING,
    HOLDABLE,
    ON_HOLD,
    ConfirmState,
    LineStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)
from orders.services import hooks
from orders.services.search import search_text_of
from orders.services.sites import site_confirms, site_name
from orders.services.status import line_status_advance, order_fields_from_lines

STATE_TO_STATUS = {
    LineState.NEW: LineStatus.NEW,
    LineState.PREPARING: LineStatus.CONFIRMED,
    LineState.SHIPPED: LineStatus.SHIPPED,
    LineState.CANCELLED: LineStatus.CANCELLED,
}
ORDER_FIELDS = (
    "orderer_name", "orderer_phone", "orderer_mobile", "orderer_email", "recipient_name", "recipient_phone",
    "recipient_mobile", "zip_code", "address", "address_detail", "delivery_message", "combined_group",
    "ordered_at", "instructed_at",
)
LINE_FIELDS = (
    "product_name", "option_name", "seller_product_code", "seller_option_code", "site_product_id",
    "site_option_id", "unit_price", "amount", "paid_amount", "shipping_fee", "original_process_seq", "claim_no",
)
# Timeline events are written as plain rows: nothing reads them back as objects during a sync.
EVENT_COLUMNS = ("order_id", "line_id", "seller_id", "kind", "message", "details")


@dataclass
class StoreStats:
    seen: int = 0
    new: int = 0
    updated: int = 0
    cancelled: int = 0
    confirmed_elsewhere: int = 0  # found already confirmed at the site (another tool, or step 12 when first pulled)
    to_confirm: list[int] = field(default_factory=list)  # ids of lines that are New at the site right now


def _clip(value: str, length: int) -> str:
    return (value or "")[:length]


def _order_values(line: PulledLine) -> dict:
    return {
        "orderer_name": _clip(line.orderer_name, 100), "orderer_phone": _clip(line.orderer_phone, 30),
        "orderer_mobile": _clip(line.orderer_mobile, 30), "orderer_email": _clip(line.orderer_email, 200),
        "recipient_name": _clip(line.recipient_name, 100), "recipient_phone": _clip(line.recipient_phone, 30),
        "recipient_mobile": _clip(line.recipient_mobile, 30), "zip_code": _clip(line.zip_code, 10),
        "address": _clip(line.address, 300), "address_detail": _clip(line.address_detail, 300),
        "delivery_message": _clip(line.delivery_message, 500), "combined_group": _clip(line.combined_group, 40),
        "ordered_at": line.ordered_at, "instructed_at": line.instructed_at,
    }


def _line_values(line: PulledLine) -> dict:
    return {
        "product_name": _clip(line.product_name, 300), "option_name": _clip(line.option_name, 300),
        "seller_product_code": _clip(line.seller_product_code, 100),
        "seller_option_code": _clip(line.seller_option_code, 100),
        "site_product_id": _clip(line.site_product_id, 40), "site_option_id": _clip(line.site_option_id, 40),
        "unit_price": line.unit_price, "amount": line.amount, "paid_amount": line.paid_amount,
        "shipping_fee": line.shipping_fee, "original_process_seq": _clip(line.original_process_seq, 20),
        "claim_no": _clip(line.claim_no, 40),
    }


def _status_of(state: LineState, *, confirms: bool) -> str | None:
    """The portal's line status for a state at the site. A site without a confirmation step (its
    ``SalesSite`` lacks ORDER_CONFIRMATION) has no New Order waiting for one: its collectable lines
    are in Product preparation as soon as they are pulled, ready for fulfilment and waybills."""
    status = STATE_TO_STATUS.get(state)
    if status == LineStatus.NEW and not confirms:
        return LineStatus.CONFIRMED
    return status


@transaction.atomic
def lines_store(*, account: SalesSiteAccount, lines: tuple[PulledLine, ...]) -> StoreStats:
    """Insert new collectable lines, update known ones in place, write events; re-running changes nothing."""
    stats = StoreStats(seen=len(lines))
    if not lines:
        return stats
    seller_id = account.seller_id
    # Asked of the registry, not assumed: lines of a site without a confirmation step need none.
    confirms = site_confirms(account.site)
    # With Automatic Order Confirmation off, nothing else reads back a 210 whose answer was lost: the pull
    # does (below). With it on, the sync's confirmation reads it back and sends again where needed.
    read_back = confirms and not account.auto_order_confirmation
    order_nos = {line.ref.order_no for line in lines}
    orders = {
        order.order_no: order
        for order in Order.objects.filter(
            seller_id=seller_id, site=account.site, source=Order.Source.PULLED, order_no__in=order_nos
        )
    }
    adopted = _orders_adopt(account=account, orders=orders.values())
    existing = {
        (line.order.order_no, line.line_no, line.process_seq): line
        for line in OrderLine.objects.filter(order__in=list(orders.values())).select_related("order")
    } if orders else {}

    now = timezone.now()
    stored_orders = {order.pk: order for order in orders.values()}
    new_orders: list[Order] = []
    order_new, line_new = instance_maker(Order), instance_maker(OrderLine)
    for line in lines:
        if line.ref.order_no in orders or not line.state.collectable:
            continue
        order = order_new(seller_id=seller_id, account=account, site=account.site, source=Order.Source.PULLED,
                          order_no=line.ref.order_no, **_order_values(line))
        orders[line.ref.order_no] = order
        new_orders.append(order)
    twins = _manual_twins(seller_id=seller_id, site=account.site, order_nos=[o.order_no for o in new_orders])
    for order in new_orders:
        order.manual_duplicate = twins.get(order.order_no)

    events: list[tuple] = [  # rows of EVENT_COLUMNS
        (order.pk, None, seller_id, OrderEvent.Kind.UPDATED,
         f"Linked to {site_name(account.site)} account {account.shop_id}: pulled again after its earlier account "
         "was deleted", {"account_id": account.pk})
        for order in adopted
    ]
    new_lines: list[OrderLine] = []
    changed_lines: list[OrderLine] = []
    changed_orders: dict[int, Order] = {}
    touched_orders: set[int] = set()
    for line in lines:
        key = (line.ref.order_no, line.ref.line_no, line.ref.process_seq)
        stored = existing.get(key)
        status = _status_of(line.state, confirms=confirms)
        if stored is None:
            if not line.state.collectable:
                continue  # shipped or later before we ever saw it: entered by hand (the guide)
            order = orders[line.ref.order_no]
            if not confirms:
                confirm_state, confirmed_at = ConfirmState.NOT_NEEDED, None
            elif line.confirmed_at_site:
                confirm_state, confirmed_at = ConfirmState.CONFIRMED, now
            else:
                confirm_state, confirmed_at = ConfirmState.PENDING, None
            stored = line_new(
                order=order, seller_id=seller_id, line_no=line.ref.line_no, process_seq=line.ref.process_seq,
                status=status, site_status_code=line.site_status_code, quantity=line.quantity,
                confirm_state=confirm_state, confirmed_at=confirmed_at, raw=line.raw, **_line_values(line),
            )
            new_lines.append(stored)
            if order.pk is not None:
                touched_orders.add(order.pk)
            continue

        changes = _apply(stored, line, status, now, confirms=confirms, read_back=read_back)
        order = stored.order
        order_changes = {
            name: value for name, value in _order_values(line).items()
            if getattr(order, name) != value and value not in ("", None)
        }
        if order_changes and stored.status != LineStatus.SHIPPED:
            for name, value in order_changes.items():
                setattr(order, name, value)
            changed_orders[order.pk] = order
            events.append((order.pk, None, seller_id, OrderEvent.Kind.UPDATED,
                           "Recipient or delivery details changed at the sales site",
                           {"fields": sorted(order_changes)}))
        if changes:
            changed_lines.append(stored)
            touched_orders.add(order.pk)
            line_events = _line_events(stored, changes, seller_id)
            events.extend(line_events)
            stats.updated += 1
            stats.confirmed_elsewhere += sum(1 for event in line_events
                                             if event[3] == OrderEvent.Kind.CONFIRMED_ELSEWHERE)
            if "status" in changes and stored.status == LineStatus.CANCELLED:
                stats.cancelled += 1

    _search_texts_update(stored_orders, changed_orders, touched_orders, [*existing.values(), *new_lines])
    for changed in (*changed_lines, *changed_orders.values()):
        changed.updated_at = now  # bulk_update skips auto_now
    new_by_order: dict[int, list[OrderLine]] = defaultdict(list)
    for stored in new_lines:
        new_by_order[id(stored.order)].append(stored)
    for order in new_orders:
        for name, value in order_fields_from_lines(order, new_by_order[id(order)]).items():
            setattr(order, name, value)
        order.search_text = search_text_of(order, _in_line_order(new_by_order[id(order)]))
    objects_insert(new_orders)
    objects_insert(new_lines)
    stats.new = len(new_lines)
    stats.confirmed_elsewhere += sum(1 for line in new_lines if line.confirm_state == ConfirmState.CONFIRMED)
    new_order_ids = {order.pk for order in new_orders}
    pulled_by_order: dict[int, list[OrderLine]] = defaultdict(list)
    for stored in new_lines:
        pulled_by_order[stored.order_id].append(stored)
    no_step = "" if confirms else f": {site_name(account.site)} has no order confirmation step, so none is needed"
    for lines_of_order in pulled_by_order.values():
        order = lines_of_order[0].order
        numbers = ", ".join(line.line_no for line in lines_of_order)
        message = f"Pulled line{'s' if len(lines_of_order) > 1 else ''} {numbers}{no_step}"
        events.append((order.pk, None, seller_id, OrderEvent.Kind.PULLED, message, {}))
        twin = order.manual_duplicate if order.pk in new_order_ids else None
        if twin is not None:
            details = {"pulled_order_id": order.pk, "manual_order_id": twin.pk}
            events.append((order.pk, None, seller_id, OrderEvent.Kind.DUPLICATE,
                           f"Manual shipping order {twin.order_no} was entered for this sales site order: this "
                           "order is held from fulfilment and printing until you choose which one ships.", details))
            events.append((twin.pk, None, seller_id, OrderEvent.Kind.DUPLICATE,
                           f"Sales site order {order.order_no} was pulled from {site_name(account.site)}: it is held "
                           "so that the sale does not ship twice; choose on its order page.", details))
        elsewhere = [line.line_no for line in lines_of_order
                     if line.status == LineStatus.CONFIRMED and line.confirm_state == ConfirmState.CONFIRMED]
        if elsewhere:
            events.append((order.pk, None, seller_id, OrderEvent.Kind.CONFIRMED_ELSEWHERE,
                           "Already confirmed at the sales site when pulled: line " + ", ".join(elsewhere), {}))
    if changed_lines:
        _keep_concurrent_writes(changed_lines)
        OrderLine.objects.bulk_update(changed_lines, ["status", "site_status_code", "confirm_state", "confirm_error",
                                                      "confirmed_at", "cancelled_quantity", "raw", "updated_at",
                                                      *LINE_FIELDS])
    if changed_orders:
        Order.objects.bulk_update(list(changed_orders.values()), [*ORDER_FIELDS, "search_text", "updated_at"])
    rows_insert(OrderEvent, EVENT_COLUMNS, events)
    orders_refresh(order_ids=touched_orders)
    hooks.lines_stored(seller_id=seller_id, line_ids=[line.pk for line in (*new_lines, *changed_lines)])
    # Lines needing no confirmation are as ready as confirmed ones (fulfilment waits for either).
    hooks.lines_confirmed(seller_id=seller_id, line_ids=[
        line.pk for line in (*new_lines, *changed_lines)
        if line.confirm_state in (ConfirmState.CONFIRMED, ConfirmState.NOT_NEEDED)
        and line.status == LineStatus.CONFIRMED])
    hooks.lines_cancelled(seller_id=seller_id, line_ids=[
        line.pk for line in changed_lines if line.status == LineStatus.CANCELLED or line.cancelled_quantity])
    # Shipped at the sales site (another tool, the seller by hand): a fulfilment order of them has nothing to ship.
    hooks.lines_shipped(seller_id=seller_id, line_ids=[
        line.pk for line in changed_lines if line.status == LineStatus.SHIPPED])

    by_key = {(o.order.order_no, o.line_no, o.process_seq): o for o in (*new_lines, *existing.values())}
    for line in lines:
        stored = by_key.get((line.ref.order_no, line.ref.line_no, line.ref.process_seq))
        if confirms and stored is not None and line.state == LineState.NEW and stored.status == LineStatus.NEW:
            stats.to_confirm.append(stored.pk)
    return stats


def _orders_adopt(*, account: SalesSiteAccount, orders: Iterable[Order]) -> list[Order]:
    """Stored orders left without an account (it was deleted: "its orders stay") that this account pulls again
    become its orders. The key decides whose orders LotteON returns, so the same sale came back through the
    seller's account registered again; without its account an order could not be confirmed, printed with a
    pushed tracking number or synced again, and stayed New for ever."""
    orphans = [order for order in orders if order.account_id is None]
    if orphans:
        Order.objects.filter(pk__in=[order.pk for order in orphans], account__isnull=True).update(account=account)
        for order in orphans:
            order.account = account
    return orphans


def _manual_twins(*, seller_id: int, site: str, order_nos: list[str]) -> dict[str, Order]:
    """Manual shipping orders the seller entered for these sales site orders before they were pulled (one
    query, only when new orders arrive). Same rule as the manual form's duplicate check: an order without an
    account stands for an order of any site. A cancelled manual order stands for nothing any more."""
    if not order_nos:
        return {}
    twins: dict[str, Order] = {}
    for twin in (Order.objects.filter(seller_id=seller_id, source=Order.Source.MANUAL, reference_order_no__in=order_nos)
                 .filter(Q(site="") | Q(site=site)).exclude(status=OrderStatus.CANCELLED)
                 .order_by("-id").only("pk", "order_no", "reference_order_no")):
        twins[twin.reference_order_no] = twin  # the oldest wins: ordered newest first
    return twins


def _keep_concurrent_writes(lines: list[OrderLine]) -> None:
    """The lines were read unlocked at the start of the day's transaction; a tracking number (lines marked
    shipped) or the seller's Confirm may have committed since. Lock them and keep what is further along,
    rather than writing back the status read before. One query, for the changed lines only."""
    fresh = {pk: rest for pk, *rest in OrderLine.objects.select_for_update().filter(
        pk__in=[line.pk for line in lines]).order_by("pk").values_list(
        "pk", "status", "confirm_state", "confirm_error", "confirmed_at", "cancelled_quantity")}
    for line in lines:
        status, confirm_state, confirm_error, confirmed_at, cancelled_quantity = fresh[line.pk]
        line.status = line_status_advance(status, line.status)
        if confirm_state == ConfirmState.CONFIRMED:
            line.confirm_state, line.confirm_error, line.confirmed_at = confirm_state, confirm_error, confirmed_at
        line.cancelled_quantity = max(line.cancelled_quantity, cancelled_quantity)


def _in_line_order(lines: list[OrderLine]) -> list[OrderLine]:
    return sorted(lines, key=lambda line: (line.line_no, line.process_seq))


def _search_texts_update(stored_orders: dict[int, Order], changed_orders: dict[int, Order], touched: set[int],
                         lines: list[OrderLine]) -> None:
    """Recompute the search text of the stored orders this window changed (recipient, names and codes
    of lines, added lines), from the rows already in memory: every line of those orders was loaded.
    An order whose text changed joins ``changed_orders`` and so the one bulk update of orders."""
    by_order: dict[int, list[OrderLine]] = defaultdict(list)
    for line in lines:
        if line.order.pk is not None:
            by_order[line.order.pk].append(line)
    for pk in {*touched, *changed_orders}:
        order = changed_orders.get(pk) or stored_orders[pk]
        text = search_text_of(order, _in_line_order(by_order[pk]))
        if text != order.search_text:
            order.search_text = text
            changed_orders[pk] = order


def _apply(stored: OrderLine, line: PulledLine, status: str | None, now, *, confirms: bool,
           read_back: bool = False) -> dict:
    """Bring a stored line up to date; return what changed (field → [old, new]). ``read_back``: a line
    whose 210 answer was lost and that the site still shows New and not linked was not confirmed."""
    changes: dict = {}

    def put(name, value):
        old = getattr(stored, name)
        if old != value:
            changes[name] = [str(old), str(value)]
            setattr(stored, name, value)

    if status is None and not confirms and stored.status == LineStatus.NEW:
        status = LineStatus.CONFIRMED  # a New line kept from before: the site has no confirmation to wait for
    if status is not None:
        put("status", line_status_advance(stored.status, status))
    if stored.site_status_code != line.site_status_code:
        put("site_status_code", line.site_status_code)
    if not confirms:
        # Stored while waiting for a confirmation the site has no step for (an earlier version did so):
        # it needs none.
        if stored.confirm_state in (ConfirmState.PENDING, ConfirmState.FAILED, ConfirmState.UNKNOWN):
            put("confirm_state", ConfirmState.NOT_NEEDED)
            stored.confirm_error = ""
    elif line.confirmed_at_site and stored.confirm_state != ConfirmState.CONFIRMED:
        put("confirm_state", ConfirmState.CONFIRMED)
        stored.confirm_error = ""
        stored.confirmed_at = now
    elif read_back and stored.confirm_state == ConfirmState.UNKNOWN and stored.status == LineStatus.NEW:
        put("confirm_state", ConfirmState.FAILED)
        stored.confirm_error = ("Not confirmed: the sales site did not take the confirmation whose answer was "
                                "lost. Confirm the order again.")
    # The site lowers odQty on a partial cancel (docs/lotteon.md row 13): that lowered figure is
    # the open quantity; the ordered quantity stays as first pulled.
    if line.quantity < stored.quantity:
        put("cancelled_quantity", max(stored.cancelled_quantity, stored.quantity - line.quantity))
    for name, value in _line_values(line).items():
        if value not in ("", None):
            put(name, value)
    if changes:
        stored.raw = line.raw
    return changes


def _line_events(stored: OrderLine, changes: dict, seller_id: int) -> list[tuple]:
    kind = OrderEvent.Kind.UPDATED
    message = "Updated from the sales site: " + ", ".join(sorted(changes))
    if changes.get("confirm_state", [None, None])[1] == ConfirmState.FAILED:
        message = (f"Line {stored.line_no}: not confirmed at the sales site (the answer to the confirmation was "
                   "lost, and the line is still New there); confirm it again")
    elif (changes.get("confirm_state", [None, None])[1] == ConfirmState.NOT_NEEDED
            and changes.get("status", [None, LineStatus.CONFIRMED])[1] == LineStatus.CONFIRMED):
        message = f"Line {stored.line_no} needs no confirmation: the sales site has no confirmation step"
    elif "confirm_state" in changes and changes.get("status", [None, LineStatus.CONFIRMED])[1] == LineStatus.CONFIRMED:
        kind, message = OrderEvent.Kind.CONFIRMED_ELSEWHERE, f"Line {stored.line_no} confirmed by another tool"
    elif "status" in changes:
        new = changes["status"][1]
        if new == LineStatus.CANCELLED:
            kind, message = OrderEvent.Kind.CANCELLED, f"Line {stored.line_no} cancelled at the sales site"
        elif new == LineStatus.SHIPPED:
            kind, message = OrderEvent.Kind.SHIPPED_ELSEWHERE, f"Line {stored.line_no} shipped outside SmartShip"
    elif "cancelled_quantity" in changes:
        kind = OrderEvent.Kind.PARTIALLY_CANCELLED
        message = f"Line {stored.line_no}: {stored.cancelled_quantity} of {stored.quantity} cancelled"
    return [(stored.order_id, stored.pk, seller_id, kind, message, {"changes": changes})]


class _LineFigures(NamedTuple):
    """What an order's status and totals read of a line (``order_fields_from_lines``)."""

    status: str
    confirm_state: str
    confirm_error: str
    quantity: int
    cancelled_quantity: int
    amount: Decimal
    on_hold: bool
    asked_after_shipping: bool

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.cancelled_quantity


class _OrderFigures(NamedTuple):
    pk: int
    status: str
    total_quantity: int
    total_amount: Decimal
    needs_attention: bool
    attention_reason: str
    manual_duplicate_no: str | None  # None: not held for a manual order (read through a join)


_ORDER_FIGURES = (*_OrderFigures._fields[:-1], "manual_duplicate__order_no")


def lines_lock(*, line_ids: Iterable[int] = (), order_ids: Iterable[int] = ()) -> None:
    """Lock these order lines (or every line of these orders), in id order, as the first lock of a transaction.

    The lock order of every writer of orders (docs/orders.md, "Lock order"): an order's lines, then the order,
    then its fulfilment order, fulfilment lines, option SKUs, and the tracking outbox last. The sync locks the
    lines it changes before anything else and cannot be retried: a writer that first takes one of the rows
    below a line and then needs the line waits for the sync in a cycle, and PostgreSQL stops one of the two
    (a deadlock). Taking the lines first makes the second writer wait at the start instead."""
    line_ids, order_ids = sorted(set(line_ids)), sorted(set(order_ids))
    if not line_ids and not order_ids:
        return
    lines = OrderLine.objects.select_for_update(of=("self",))
    lines = lines.filter(pk__in=line_ids) if line_ids else lines.filter(order_id__in=order_ids)
    list(lines.order_by("pk").values_list("pk", flat=True))


def orders_refresh(*, order_ids: set[int]) -> None:
    """Recompute status and totals of orders from their lines.

    Orders whose figures change the same way (a batch confirmed: New → Confirmed) share one UPDATE,
    so a thousand confirmed orders cost two queries, not a thousand; figures that differ per order are
    written a batch of orders per statement (``changes_update``). Rows are read as plain values:
    a confirmed day of a large sync refreshes thousands of orders.
    """
    if not order_ids:
        return
    # The orders are locked before their lines are read: two transactions that each changed a line of one
    # order (a push shipping one, the sync cancelling the other) would otherwise each compute the order from
    # the other's old line and the last to commit would leave it as neither (PostgreSQL; SQLite runs one
    # writing transaction at a time). The second waits here and then reads both lines as committed.
    with transaction.atomic(savepoint=False):
        # Only the orders' own rows: the manual order read by the join is not written here.
        orders = list(Order.objects.select_for_update(of=("self",)).filter(pk__in=order_ids).order_by("pk")
                      .values_list(*_ORDER_FIGURES))
        lines_by_order: dict[int, list[_LineFigures]] = defaultdict(list)
        for order_id, *figures in OrderLine.objects.filter(order_id__in=order_ids).annotate(
            on_hold=ExpressionWrapper(ON_HOLD, output_field=BooleanField()),
            asked_after_shipping=ExpressionWrapper(ASKED_AFTER_SHIPPING, output_field=BooleanField()),
        ).values_list("order_id", *_LineFigures._fields):
            lines_by_order[order_id].append(_LineFigures(*figures))
        _orders_write(orders, lines_by_order)


def _orders_write(orders: list[tuple], lines_by_order: dict[int, list[_LineFigures]]) -> None:
    figures = {row[0]: _OrderFigures(*row) for row in orders}
    fields_of = {pk: order_fields_from_lines(order, lines_by_order[pk]) for pk, order in figures.items()}
    # Other apps' reasons depend on the status just computed (a shipped order's old label needs nothing).
    for pk, reasons in hooks.order_attention(statuses={pk: f["status"] for pk, f in fields_of.items()}).items():
        fields_of[pk] = order_fields_from_lines(figures[pk], lines_by_order[pk], other_reasons=reasons)
    # Orders changed alike share an UPDATE; attention reasons that name each order's lines or tracking number
    # differ per order and are written a batch of orders per statement (core.bulk.changes_update).
    changes_update(Order, changes={
        pk: {name: value for name, value in fields_of[pk].items() if getattr(order, name) != value}
        for pk, order in figures.items()}, constants={"updated_at": timezone.now()})


@dataclass
class _LineClaims:
    quantities: dict[str, int] = field(default_factory=dict)  # by claim: a claim reported twice counts once
    ordered: int = 0
    # What the line keeps after the latest claim read: its quantity before that claim (odQty) less what it
    # cancels. A line's earlier claims may be out of the window read now; this still gives the total.
    left: int | None = None

    @property
    def cancelled(self) -> int:
        return sum(self.quantities.values())


def _claims_per_line(cancellations: list[PulledCancellation]) -> dict[LineRef, _LineClaims]:
    per_line: dict[LineRef, _LineClaims] = defaultdict(_LineClaims)
    for c in cancellations:
        if c.completed:
            claims = per_line[c.ref]
            claims.quantities[c.claim_no or f"{c.ref}"] = c.cancelled_quantity
            claims.ordered = max(claims.ordered, c.ordered_quantity)
            if c.ordered_quantity:
                left = max(0, c.ordered_quantity - c.cancelled_quantity)
                claims.left = left if claims.left is None else min(claims.left, left)
    return per_line


def cancelled_quantities(cancellations: list[PulledCancellation]) -> dict[LineRef, tuple[int, int]]:
    """Per line, what completed cancellations take from it and how much was ordered before them."""
    return {ref: (claims.cancelled, claims.ordered) for ref, claims in _claims_per_line(cancellations).items()}


@transaction.atomic
def cancellations_apply(*, account: SalesSiteAccount, cancellations: list[PulledCancellation]) -> tuple[int, int]:
    """Completed cancellations reduce or cancel the matching lines (each claim counts once); open requests
    put lines on hold and withdrawals release them. Returns how many lines were wholly cancelled and how
    many a new request put on hold."""
    # The lines first, in id order (docs/orders.md, "Lock order"): both steps below read the lines and write them
    # back with what they read (a partial cancellation writes the status it read). Unlocked, a tracking number
    # confirmed in between (the push marking the line Shipped) was overwritten with the older status.
    order_nos = {c.ref.order_no for c in cancellations}
    if order_nos:
        lines_lock(order_ids=Order.objects.filter(
            seller_id=account.seller_id, site=account.site, source=Order.Source.PULLED, order_no__in=order_nos,
        ).values_list("pk", flat=True))
    # Requests first: the cancellations' hooks then flag what they flag (a printed label) on orders whose
    # figures the requests have already refreshed.
    held = _requests_apply(account=account, cancellations=cancellations)
    return _completed_apply(account=account, cancellations=cancellations), held


def _requests_apply(*, account: SalesSiteAccount, cancellations: list[PulledCancellation]) -> int:
    """A buyer's open cancellation request holds its line (not printed, packed or shipped) until the seller
    answers it at the sales site; the request ends when the buyer withdraws it or it completes.

    A claim may cover several lines, and the buyer may withdraw (or the seller approve) some of them only:
    a request is one claim on one line."""
    ended = {(c.claim_no, c.ref): c for c in cancellations if not c.requested}
    requested = {c.ref: c for c in cancellations if c.requested and (c.claim_no, c.ref) not in ended}
    if not requested and not ended:
        return 0
    lines = OrderLine.objects.filter(
        seller_id=account.seller_id, order__site=account.site, order__source=Order.Source.PULLED,
        order__order_no__in={c.ref.order_no for c in (*requested.values(), *ended.values())},
    ).select_related("order").only(
        "order__order_no", "line_no", "process_seq", "status", "quantity", "cancelled_quantity",
        "cancel_request_no", "cancel_request_quantity", "cancel_request_reason", "cancel_requested_at",
        "cancel_request_released_at")
    now = timezone.now()
    changed, events, held = [], [], 0
    for line in lines:
        ref = LineRef(line.order.order_no, line.line_no, line.process_seq)
        request = requested.get(ref)
        end = ended.get((line.cancel_request_no, ref)) if line.cancel_request_no else None
        if (request is not None and (line.status in HOLDABLE or line.status == LineStatus.SHIPPED)
                and line.cancel_request_no != request.claim_no):
            line.cancel_request_no, line.cancel_request_quantity = request.claim_no, request.cancelled_quantity
            line.cancel_request_reason, line.cancel_requested_at = _clip(request.reason, 300), request.at
            line.cancel_request_released_at = None
            kind, claim = OrderEvent.Kind.CANCEL_REQUESTED, request.claim_no
            asked = (f"Line {line.line_no}: the buyer asked to cancel {request.cancelled_quantity} of "
                     f"{line.open_quantity}" + (f" ({request.reason})" if request.reason else ""))
            # Shipped before the sync read the request (printed from a page drawn earlier, QFC quicker): nothing
            # can be held, but the request stays open at the site until the seller answers it.
            held += line.status in HOLDABLE
            message = asked + (". The line is on hold: approve or reject the request at the sales site."
                               if line.status in HOLDABLE else
                               " after it shipped. Answer the request at the sales site; if it is approved, expect "
                               "the parcel back.")
        elif end is not None:
            claim, held = end.claim_no, line.on_hold
            line.cancel_request_no, line.cancel_request_quantity = "", 0
            line.cancel_request_reason, line.cancel_requested_at, line.cancel_request_released_at = "", None, None
            kind = OrderEvent.Kind.CANCEL_REQUEST_WITHDRAWN if end.withdrawn and held else None
            message = f"Line {line.line_no}: the buyer withdrew the cancellation request; the line ships as usual."
        else:
            continue
        line.updated_at = now
        changed.append(line)
        if kind is not None:  # a completed request: the cancellation's own event tells it
            events.append(OrderEvent(order=line.order, line=line, seller_id=account.seller_id, kind=kind,
                                     message=message[:500], details={"claim": claim}))
    OrderLine.objects.bulk_update(changed, ["cancel_request_no", "cancel_request_quantity", "cancel_request_reason",
                                            "cancel_requested_at", "cancel_request_released_at", "updated_at"])
    OrderEvent.objects.bulk_create(events)
    orders_refresh(order_ids={line.order_id for line in changed})
    return held


def _completed_apply(*, account: SalesSiteAccount, cancellations: list[PulledCancellation]) -> int:
    per_line = _claims_per_line(cancellations)
    if not per_line:
        return 0
    # Only what a cancellation reads and writes: a full line carries its raw payload, and a sync
    # reads every line with a claim in its window, thousands in a large one.
    lines = OrderLine.objects.filter(
        seller_id=account.seller_id, order__site=account.site, order__source=Order.Source.PULLED,
        order__order_no__in={ref.order_no for ref in per_line},
    ).select_related("order").only(
        "order__order_no", "line_no", "process_seq", "status", "quantity", "cancelled_quantity")
    by_ref = {LineRef(line.order.order_no, line.line_no, line.process_seq): line for line in lines}
    changed, events, touched = [], [], set()
    for ref, claims in per_line.items():
        line = by_ref.get(ref)
        if line is None or line.status == LineStatus.CANCELLED:
            continue
        if claims.ordered > line.quantity and not line.cancelled_quantity:
            # First pulled after a partial cancellation had lowered its quantity: keep what was
            # ordered, so that the cancelled part is not taken from the quantity still to ship.
            line.quantity = claims.ordered
        cancelled = max(line.cancelled_quantity, claims.cancelled)
        if claims.left is not None:
            cancelled = max(cancelled, line.quantity - claims.left)
        cancelled = min(line.quantity, cancelled)
        if cancelled == line.cancelled_quantity and cancelled < line.quantity:
            continue
        line.cancelled_quantity = cancelled
        line.updated_at = timezone.now()
        full = cancelled >= line.quantity
        if full:
            line.status = LineStatus.CANCELLED
        changed.append(line)
        touched.add(line.order_id)
        events.append(OrderEvent(
            order=line.order, line=line, seller_id=account.seller_id,
            kind=OrderEvent.Kind.CANCELLED if full else OrderEvent.Kind.PARTIALLY_CANCELLED,
            message=(f"Line {line.line_no} cancelled by the buyer" if full
                     else f"Line {line.line_no}: {cancelled} of {line.quantity} cancelled by the buyer"),
            details={"claims": sorted(claims.quantities)},
        ))
    OrderLine.objects.bulk_update(changed, ["quantity", "cancelled_quantity", "status", "updated_at"])
    OrderEvent.objects.bulk_create(events)
    orders_refresh(order_ids=touched)
    hooks.lines_cancelled(seller_id=account.seller_id, line_ids=[line.pk for line in changed])
    return sum(1 for line in changed if line.status == LineStatus.CANCELLED)
