"""Fulfilment orders: an order handed to the QFC warehouse, its stock reserved, picked, packed and shipped.

Rules (docs/inventory.md, "Fulfilment and stock"):

- An order becomes a fulfilment order when **every open line** (New or Product preparation, with an open
  quantity) is **mapped** to an option SKU and **confirmed** (Product preparation; manual orders are
  confirmed when entered). Automatically when its account has *Automatic Fulfillment Shipping
  Instructions* on (from ``on_lines_confirmed``, and from mapping when a fixed SKU completes an order);
  by hand otherwise (``fulfilment_orders_send``), manual orders without an account included.
- An order that cannot go yet says why, on its timeline ("1 of 3 lines not mapped: TSHIRT-RED-XL") and on
  the seller's Send to fulfilment page.
- Creating one reserves each line's open quantity (a ``reservation`` movement: reserved up, on hand
  unchanged) and makes the order Ready to ship. Reserving more than is available is allowed — the order is
  not lost — and the fulfilment order is marked *short*.
- Shipping books a ``shipment`` movement (on hand and reserved down by the quantity) and, with a carrier and
  tracking number, records them for the sales site (``waybills.services.tracking.tracking_record``).
- A cancelled line releases its reservation; a fulfilment order already being picked or packed is flagged
  for the warehouse; one with nothing left to ship is cancelled.
- A line that shipped outside the warehouse (the seller's invoice, a packing label scanned at QFC
  receiving, or shipped at the sales site) is treated the same way: its reservation is released without a
  shipment movement, a picked order is flagged, and one with nothing left is closed (cancelled) with the
  reason. The warehouse's Ship refuses such lines, changing nothing (``fulfilment_lines_shipped_elsewhere``).

Everything is set-based: a sync that confirms a thousand orders costs a few queries per batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core.conflicts import retried_on_conflict
from core.exceptions import ApplicationError
from inventory.models import FulfilmentLine, FulfilmentOrder, OptionSku, StockMovement
from inventory.services.mapping import chunked
from inventory.services.stock import Move, movements_book
from orders.models import ON_HOLD, LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from orders.services.lifecycle import lines_mark_shipped, orders_mark_ready
from orders.services.store import lines_lock, orders_refresh
from sellers.models import Seller, User

FState = FulfilmentOrder.State
OPEN_LINE_STATUSES = (LineStatus.NEW, LineStatus.CONFIRMED)
CANDIDATE_ORDER_STATUSES = (OrderStatus.NEW, OrderStatus.CONFIRMED, OrderStatus.READY)
WAITING_PREFIX = "Waiting for fulfilment: "
SENT_AUTOMATIC = "Sent to the QFC warehouse as a fulfilment order (Automatic Fulfillment Shipping Instructions)"
SENT_MANUAL = "Sent to the QFC warehouse as a fulfilment order by the seller"
LINE_FIELDS = ("id", "order_id", "line_no", "status", "quantity", "cancelled_quantity", "sku_option_id",
               "seller_option_code", "seller_product_code")


@dataclass(frozen=True)
class _Line:
    id: int
    order_id: int
    line_no: str
    status: str
    quantity: int
    cancelled_quantity: int
    sku_option_id: int | None
    option_code: str
    product_code: str

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.cancelled_quantity

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_LINE_STATUSES and self.open_quantity > 0

    @property
    def code(self) -> str:
        return (self.option_code or self.product_code).strip()


@dataclass
class Candidate:
    """An order and its open lines, with whether it can go to the warehouse now and why not."""

    order: Order
    lines: list[_Line]
    reason: str = ""

    @property
    def ready(self) -> bool:
        return not self.reason


@dataclass
class FulfilmentResult:
    created: list[FulfilmentOrder] = field(default_factory=list)
    waiting: dict[int, str] = field(default_factory=dict)  # order id -> why it waits


def held_for_manual(order: Order) -> str:
    return (f"manual shipping order {order.manual_duplicate_no} stands for the same sale: choose on the order page "
            "which one ships")


def readiness(lines: Sequence[_Line]) -> str:
    """Why an order with these lines cannot become a fulfilment order yet ("" when it can)."""
    open_lines = [line for line in lines if line.is_open]
    if not open_lines:
        return "Nothing left to ship: every line is shipped or cancelled."
    total = len(open_lines)
    parts = []
    unmapped = [line for line in open_lines if line.sku_option_id is None]
    if unmapped:
        codes = [line.code or "no seller code" for line in unmapped]
        shown = ", ".join(codes[:3]) + (f" and {len(codes) - 3} more" if len(codes) > 3 else "")
        parts.append(f"{len(unmapped)} of {total} line{'s' if total != 1 else ''} not mapped: {shown}")
    unconfirmed = [line for line in open_lines if line.status != LineStatus.CONFIRMED]
    if unconfirmed:
        parts.append(f"{len(unconfirmed)} of {total} line{'s' if total != 1 else ''} not confirmed at the sales "
                     "site yet")
    return "; ".join(parts)


def candidates_load(*, seller_id: int, order_ids: Iterable[int], lock: bool = False,
                    automatic_only: bool = False) -> list[Candidate]:
    """Orders among ``order_ids`` that have no fulfilment order and are not shipped or cancelled, with
    their lines and readiness; ``lock`` takes the orders' row locks (one fulfilment order per order);
    ``automatic_only``: only orders of accounts with Automatic Fulfillment Shipping Instructions on."""
    result: list[Candidate] = []
    for ids in chunked(sorted(set(order_ids))):
        orders = Order.objects.filter(seller_id=seller_id, pk__in=ids, status__in=CANDIDATE_ORDER_STATUSES,
                                      fulfilment__isnull=True).select_related("account", "manual_duplicate")
        if automatic_only:
            orders = orders.filter(account__auto_fulfillment=True)
        if lock:
            orders = orders.select_for_update(of=("self",))
        found = {order.pk: order for order in orders}
        if lock and found:
            # The filter above joined the fulfilment orders before the lock waited; PostgreSQL re-checks only
            # the locked order rows after the wait, so one sent by the transaction we waited for is read here.
            for pk in FulfilmentOrder.objects.filter(order_id__in=list(found)).values_list("order_id", flat=True):
                del found[pk]
        if not found:
            continue
        lines: dict[int, list[_Line]] = defaultdict(list)
        for row in OrderLine.objects.filter(order_id__in=list(found)).values_list(*LINE_FIELDS).order_by(
                "order_id", "line_no", "process_seq"):
            line = _Line(*row)
            lines[line.order_id].append(line)
        for pk, order in found.items():
            candidate = Candidate(order=order, lines=lines[pk])
            candidate.reason = readiness(candidate.lines)
            if order.manual_duplicate_id and candidate.lines and not candidate.reason.startswith("Nothing left"):
                # Checked last and put first: the seller's choice comes before any mapping to fix.
                candidate.reason = "; ".join(filter(None, [held_for_manual(order), candidate.reason]))
            result.append(candidate)
    return result


def fulfilment_stock_lock(*, seller_id: int, line_ids: Iterable[int]) -> None:
    """Lock what the fulfilment of these order lines may book in the current transaction, in the lock order
    (docs/orders.md, "Lock order"): their active fulfilment orders (a cancellation or a shipment elsewhere
    releases what they reserve), then, by id, the option SKUs of those fulfilment lines and of the open lines
    of the lines' orders (a fulfilment order created for them reserves those). A few queries per batch."""
    ids = sorted(set(line_ids))
    fulfilment_ids: set[int] = set()
    option_ids: set[int] = set()
    for chunk in chunked(ids):
        orders = OrderLine.objects.filter(seller_id=seller_id, pk__in=chunk).values("order_id")
        option_ids.update(OrderLine.objects.filter(order_id__in=orders, status__in=OPEN_LINE_STATUSES,
                                                   sku_option__isnull=False).values_list("sku_option_id", flat=True))
        for fulfilment_id, option_id in FulfilmentLine.objects.filter(
                order_line_id__in=chunk, fulfilment__state__in=FulfilmentOrder.ACTIVE_STATES).values_list(
                "fulfilment_id", "option_id"):
            fulfilment_ids.add(fulfilment_id)
            option_ids.add(option_id)
    for batch in chunked(sorted(fulfilment_ids)):
        list(FulfilmentOrder.objects.select_for_update().filter(pk__in=batch).order_by("pk").values_list("pk", flat=True))
    for batch in chunked(sorted(option_ids)):
        list(OptionSku.objects.select_for_update().filter(seller_id=seller_id, pk__in=batch).order_by("pk")
             .values_list("pk", flat=True))


def _automatic(order: Order) -> bool:
    return order.account is not None and order.account.auto_fulfillment


# No savepoint: it runs inside the sync's (or the SKU save's) transaction, and a failure must roll that
# back whole; it also keeps the mapping of a sync at a fixed number of queries (one when nothing is due).
@transaction.atomic(savepoint=False)
def fulfilment_orders_auto(*, seller_id: int, order_ids: Iterable[int], explain: bool = False) -> FulfilmentResult:
    """Create the fulfilment orders of these orders whose account has Automatic Fulfillment Shipping
    Instructions on and whose open lines are all mapped and confirmed. ``explain``: orders of such accounts
    that must wait get an event saying why (once per distinct reason)."""
    result = FulfilmentResult()
    candidates = [c for c in candidates_load(seller_id=seller_id, order_ids=order_ids, lock=True, automatic_only=True)
                  if _automatic(c.order)]
    ready = [c for c in candidates if c.ready]
    result.created = _create(seller_id=seller_id, candidates=ready, origin=FulfilmentOrder.Origin.AUTOMATIC,
                             actor=None)
    result.waiting = {c.order.pk: c.reason for c in candidates if not c.ready}
    if explain and result.waiting:
        _explain(seller_id=seller_id, waiting={pk: reason for pk, reason in result.waiting.items()
                                               if not reason.startswith("Nothing left")})
    return result


def _explain(*, seller_id: int, waiting: dict[int, str]) -> None:
    """One timeline event per order and reason: the same reason is not repeated by the next sync."""
    if not waiting:
        return
    last: dict[int, str] = {}
    for ids in chunked(sorted(waiting)):
        for order_id, message in (OrderEvent.objects.filter(order_id__in=ids, kind=OrderEvent.Kind.MAPPED,
                                                            message__startswith=WAITING_PREFIX)
                                  .order_by("order_id", "created_at", "id").values_list("order_id", "message")):
            last[order_id] = message
    events = [
        OrderEvent(order_id=order_id, seller_id=seller_id, kind=OrderEvent.Kind.MAPPED,
                   message=(WAITING_PREFIX + reason)[:500], details={"fulfilment": "waiting", "reason": reason})
        for order_id, reason in waiting.items() if last.get(order_id) != (WAITING_PREFIX + reason)[:500]
    ]
    OrderEvent.objects.bulk_create(events, batch_size=1000)


@retried_on_conflict
@transaction.atomic
def fulfilment_orders_send(*, seller: Seller, order_ids: Sequence[int], actor: User | None = None) -> list[FulfilmentOrder]:
    """The seller sends selected orders to the warehouse by hand. All or nothing: an order that cannot go
    (not the seller's, already sent, shipped or cancelled, lines not mapped or not confirmed) refuses the
    whole selection with the reason of each."""
    ids = sorted(set(order_ids))
    if not ids:
        raise ApplicationError("Select the orders to send to fulfilment.", code="nothing_selected")
    # The orders' lines before the orders, as the sync takes them (docs/orders.md, "Lock order"): the fulfilment
    # lines written here refer to the order lines.
    lines_lock(order_ids=Order.objects.filter(seller=seller, pk__in=ids).values_list("pk", flat=True))
    candidates = {c.order.pk: c for c in candidates_load(seller_id=seller.pk, order_ids=ids, lock=True)}
    problems = []
    known = dict(Order.objects.filter(seller=seller, pk__in=ids).values_list("pk", "order_no"))
    if missing := [pk for pk in ids if pk not in known]:
        # Another seller's order, or none: the same answer as any unknown id (404 in the API).
        raise ApplicationError(f"Nothing was sent: order {', '.join(map(str, missing[:10]))} was not found.",
                               code="not_found", extra={"orders": missing})
    for pk in ids:
        candidate = candidates.get(pk)
        if candidate is None:
            problems.append(f"Order {known[pk]} is already a fulfilment order, shipped or cancelled.")
        elif not candidate.ready:
            problems.append(f"Order {known[pk]}: {candidate.reason}.")
    if problems:
        raise ApplicationError("Nothing was sent. " + " ".join(problems[:10])
                               + (f" And {len(problems) - 10} more." if len(problems) > 10 else ""),
                               code="not_ready", extra={"problems": problems})
    return _create(seller_id=seller.pk, candidates=list(candidates.values()), origin=FulfilmentOrder.Origin.MANUAL,
                   actor=actor)


def _create(*, seller_id: int, candidates: list[Candidate], origin: str, actor: User | None) -> list[FulfilmentOrder]:
    if not candidates:
        return []
    option_ids = {line.sku_option_id for c in candidates for line in c.lines if line.is_open}
    available: dict[int, int] = {}
    for ids in chunked(sorted(option_ids)):
        for pk, on_hand, reserved in OptionSku.objects.filter(pk__in=ids).values_list("pk", "on_hand", "reserved"):
            available[pk] = on_hand - reserved
    # First come, first served: in one batch the oldest order takes the stock first (and the lower number).
    candidates = sorted(candidates, key=lambda c: (c.order.instructed_at or c.order.created_at, c.order.pk))
    fulfilments = []
    for candidate in candidates:
        short = False
        for line in candidate.lines:
            if line.is_open:
                short |= available[line.sku_option_id] < line.open_quantity
                available[line.sku_option_id] -= line.open_quantity
        fulfilments.append(FulfilmentOrder(seller_id=seller_id, order=candidate.order, origin=origin, short=short,
                                           created_by=actor))
    FulfilmentOrder.objects.bulk_create(fulfilments, batch_size=500)
    lines = [
        FulfilmentLine(fulfilment=fo, order_line_id=line.id, option_id=line.sku_option_id,
                       quantity=line.open_quantity, reserved=line.open_quantity)
        for fo, candidate in zip(fulfilments, candidates, strict=True) for line in candidate.lines if line.is_open
    ]
    FulfilmentLine.objects.bulk_create(lines, batch_size=1000)
    movements_book(seller_id=seller_id, actor=actor, moves=[
        Move(option_id=line.option_id, kind=StockMovement.Kind.RESERVATION, reserved_delta=line.quantity,
             fulfilment_id=line.fulfilment.pk, order_line_id=line.order_line_id)
        for line in lines
    ])
    message = SENT_AUTOMATIC if origin == FulfilmentOrder.Origin.AUTOMATIC else SENT_MANUAL
    already_ready = [fo.order_id for fo in fulfilments if fo.order.status == OrderStatus.READY]
    orders_mark_ready(seller_id=seller_id, order_ids=[fo.order_id for fo in fulfilments], message=message,
                      actor=actor)
    OrderEvent.objects.bulk_create([OrderEvent(order_id=pk, seller_id=seller_id, actor=actor,
                                               kind=OrderEvent.Kind.MAPPED, message=message)
                                    for pk in already_ready])
    return fulfilments


# --- Cancellations -----------------------------------------------------------------------------------

def _active_lines_locked(*, seller_id: int, line_ids: Iterable[int], **filters) -> list[FulfilmentLine]:
    """The fulfilment lines of these order lines in active fulfilment orders, locked, each with its
    fulfilment order locked before them, as Pack, Ship and the other warehouse actions lock it: a sync
    taking lines out waits for a Pack in progress (and the reverse) instead of deadlocking, and decides
    from the state that Pack committed rather than writing back the one it read before."""
    ids = sorted(set(line_ids))
    fulfilment_ids = sorted(set(FulfilmentLine.objects.filter(
        order_line_id__in=ids, fulfilment__seller_id=seller_id, fulfilment__state__in=FulfilmentOrder.ACTIVE_STATES,
        **filters).values_list("fulfilment_id", flat=True)))
    if not fulfilment_ids:
        return []
    fulfilments = {fo.pk: fo for fo in FulfilmentOrder.objects.select_for_update().filter(
        pk__in=fulfilment_ids, state__in=FulfilmentOrder.ACTIVE_STATES).order_by("pk")}
    rows = list(FulfilmentLine.objects.select_for_update(of=("self",))
                .filter(order_line_id__in=ids, fulfilment_id__in=list(fulfilments), **filters)
                .select_related("order_line", "option").order_by("pk"))
    for row in rows:
        row.fulfilment = fulfilments[row.fulfilment_id]
    return rows


@transaction.atomic
def fulfilment_lines_cancelled(*, seller_id: int, line_ids: Iterable[int]) -> list[FulfilmentOrder]:
    """Order lines were cancelled (fully or partly): release what they no longer need, flag fulfilment
    orders the warehouse already started, cancel those with nothing left, and flag those QFC had already
    shipped (``_cancelled_after_shipping``). Safe to call again: it compares what each line holds with the
    line's open quantity now."""
    gone = _cancelled_after_shipping(seller_id=seller_id, line_ids=line_ids)
    rows = _active_lines_locked(seller_id=seller_id, line_ids=line_ids)
    if not rows:
        return gone
    moves, changed, by_fulfilment = [], [], defaultdict(list)
    for row in rows:
        line = row.order_line
        wanted = 0 if line.status == LineStatus.CANCELLED else max(0, line.open_quantity)
        if wanted >= row.quantity:
            continue
        dropped = row.quantity - wanted
        release = max(0, row.reserved - wanted)
        row.quantity, row.cancelled_quantity = wanted, row.cancelled_quantity + dropped
        row.reserved -= release
        changed.append(row)
        by_fulfilment[row.fulfilment_id].append((row, dropped))
        if release:
            moves.append(Move(option_id=row.option_id, kind=StockMovement.Kind.RELEASE, reserved_delta=-release,
                              fulfilment_id=row.fulfilment_id, order_line_id=line.pk,
                              note=f"Line {line.line_no} cancelled by the buyer"))
    if not changed:
        return []
    FulfilmentLine.objects.bulk_update(changed, ["quantity", "reserved", "cancelled_quantity"])
    movements_book(seller_id=seller_id, moves=moves)

    now = timezone.now()
    remaining = _quantities_left(by_fulfilment)
    touched, events = [], []
    for fulfilment_id, dropped_rows in by_fulfilment.items():
        fo = dropped_rows[0][0].fulfilment
        items = ", ".join(f"{dropped} × {row.option.code} (line {row.order_line.line_no})" for row, dropped in dropped_rows)
        picked = fo.state in FulfilmentOrder.PICKED_STATES
        if remaining[fulfilment_id] == 0:
            fo.state, fo.cancelled_at = FState.CANCELLED, now
            message = f"Fulfilment order {fo.number} cancelled: every line was cancelled by the buyer."
        else:
            message = f"Fulfilment order {fo.number}: {items} cancelled by the buyer; the rest still ships."
        if picked:
            fo.flagged = True
            fo.flag_reason = (f"Cancelled after picking: take {items} out of the order and put "
                              f"{'them' if len(dropped_rows) > 1 else 'it'} back on the shelf."
                              + (" Nothing is left to ship." if remaining[fulfilment_id] == 0 else ""))[:300]
            message += " The warehouse was told to put the picked items back."
        fo.updated_at = now
        touched.append(fo)
        events.append(OrderEvent(order_id=fo.order_id, seller_id=seller_id, kind=OrderEvent.Kind.CANCELLED,
                                 message=message[:500], details={"fulfilment": fo.pk}))
    FulfilmentOrder.objects.bulk_update(touched, ["state", "cancelled_at", "flagged", "flag_reason", "updated_at"])
    OrderEvent.objects.bulk_create(events)
    return [*gone, *touched]


def _cancelled_after_shipping(*, seller_id: int, line_ids: Iterable[int]) -> list[FulfilmentOrder]:
    """Lines the buyer cancelled at the sales site that QFC shipped before the sync brought the cancellation in
    (the sales site then refuses their tracking number): the items are on their way to the buyer of a cancelled
    order, and nothing else would tell anyone. The fulfilment order is flagged (QFC: expect the parcel back) and
    its order needs attention (``order_attention``: the seller asks the carrier to stop it) until QFC presses
    Done. Stock stays booked out: the items are not on the shelf, and putting them back now would offer the
    sales site stock that is on a truck; the returned parcel is booked in with a receipt when it arrives
    (docs/inventory.md, "Cancelled after QFC shipped")."""
    ids = sorted(set(line_ids))
    fulfilment_ids = sorted(set(FulfilmentLine.objects.filter(
        order_line_id__in=ids, fulfilment__seller_id=seller_id, fulfilment__state=FState.SHIPPED,
        shipped_quantity__gt=0).values_list("fulfilment_id", flat=True)))
    if not fulfilment_ids:
        return []
    fulfilments = {fo.pk: fo for fo in FulfilmentOrder.objects.select_for_update().filter(
        pk__in=fulfilment_ids, state=FState.SHIPPED).order_by("pk")}
    rows = list(FulfilmentLine.objects.select_for_update(of=("self",)).filter(fulfilment_id__in=list(fulfilments))
                .select_related("order_line", "option").order_by("pk"))
    changed, dropped_in = [], set()
    for row in rows:
        line = row.order_line
        # What QFC shipped stays in shipped_quantity; quantity becomes what should have shipped, so a second
        # call (or the next claim on the line) counts only what is newly cancelled.
        wanted = 0 if line.status == LineStatus.CANCELLED else max(0, line.open_quantity)
        if wanted < row.quantity:
            row.cancelled_quantity += row.quantity - wanted
            row.quantity = wanted
            changed.append(row)
            dropped_in.add(row.fulfilment_id)
    if not changed:
        return []
    FulfilmentLine.objects.bulk_update(changed, ["quantity", "cancelled_quantity"])
    now = timezone.now()
    flagged, events = [], []
    for fulfilment_id in sorted(dropped_in):
        fo = fulfilments[fulfilment_id]
        left = [row for row in rows if row.fulfilment_id == fulfilment_id and row.shipped_quantity > row.quantity]
        items = ", ".join(f"{row.shipped_quantity - row.quantity} × {row.option.code} (line {row.order_line.line_no})"
                          for row in left)
        parcel = f" ({fo.courier_name} {fo.tracking_no})" if fo.tracking_no else ""
        fo.flagged, fo.updated_at = True, now
        fo.flag_reason = (f"Shipped before the buyer's cancellation reached SmartShip: {items} cancelled but in the "
                          f"parcel{parcel}. Ask the carrier to stop it or expect it back; receive the returned "
                          "items into stock, then press Done.")[:300]
        flagged.append(fo)
        events.append(OrderEvent(order_id=fo.order_id, seller_id=seller_id, kind=OrderEvent.Kind.CANCELLED,
                                 details={"fulfilment": fo.pk},
                                 message=(f"Cancelled by the buyer after QFC shipped fulfilment order {fo.number}"
                                          f"{parcel}: {items} left for a cancelled order. Ask the carrier to stop "
                                          "the parcel or expect a return; the stock stays booked out until QFC "
                                          "receives it back.")[:500]))
    FulfilmentOrder.objects.bulk_update(flagged, ["flagged", "flag_reason", "updated_at"])
    OrderEvent.objects.bulk_create(events)
    # The cancellation refreshed the orders before its hooks ran: the attention comes from the flag just set.
    orders_refresh(order_ids={fo.order_id for fo in flagged})
    return flagged


def order_attention(*, statuses: dict[int, str]) -> dict[int, str]:
    """Orders whose fulfilment order left the warehouse with items the buyer cancelled meanwhile (flagged by
    ``_cancelled_after_shipping``): the seller must stop the parcel or expect a return. Lasts as long as the
    flag: QFC's Done ends it."""
    return {fo.order_id: f"Fulfilment order {fo.number}: {fo.flag_reason}" for fo in
            FulfilmentOrder.objects.filter(order_id__in=list(statuses), state=FState.SHIPPED, flagged=True)
            .only("pk", "order_id", "flag_reason")}


# --- Lines shipped outside the warehouse ------------------------------------------------------------

@dataclass(frozen=True)
class ShippedElsewhere:
    """How an order line left without its fulfilment order: the seller's invoice, a packing label scanned at
    QFC receiving, a number recorded by hand, or the sales site itself."""

    line_id: int
    line_no: str
    origin: str  # a TrackingPush origin, or "site" (the sales site says shipped) / "manual" (manual order)
    courier_name: str = ""
    tracking_no: str = ""
    waybill_no: str = ""

    @property
    def shipment(self) -> str:
        return " ".join(part for part in (self.courier_name, self.tracking_no) if part)

    @property
    def how(self) -> str:
        """"the seller's invoice QSP000000000018 (기타택배)", "packing label PK… scanned at QFC receiving
        (CJ대한통운 123412341234)", …"""
        if self.origin == "invoice":
            return f"the seller's invoice {self.tracking_no}" + (f" ({self.courier_name})" if self.courier_name else "")
        if self.origin == "receiving":
            label = f"packing label {self.waybill_no}" if self.waybill_no else "a packing label"
            return f"{label} scanned at QFC receiving" + (f" ({self.shipment})" if self.shipment else "")
        if self.origin == "site":
            return "the sales site (marked shipped there)" + (f": {self.shipment}" if self.shipment else "")
        return self.shipment or "another shipment"


def shipped_elsewhere(*, line_ids: Iterable[int]) -> dict[int, ShippedElsewhere]:
    """Which of these order lines already left through another path than their fulfilment order: a tracking
    number recorded for them (waiting, being sent, refused, in conflict or confirmed: not superseded or
    cancelled), or a line already Shipped (manual orders, or the sales site). Read-only; a few queries.

    The shipment of a line is the one ``waybills.selectors.line_shipments`` decides (the order export shows
    the same), leaving out the warehouse's own shipments."""
    from waybills.selectors import line_shipments

    ids = sorted(set(line_ids))
    if not ids:
        return {}
    lines: dict[int, str] = {}
    for chunk in chunked(ids):
        lines.update(OrderLine.objects.filter(pk__in=chunk).exclude(
            fulfilment_line__fulfilment__state=FState.SHIPPED).values_list("pk", "line_no"))
    result: dict[int, ShippedElsewhere] = {}
    for chunk in chunked(sorted(lines)):
        for pk, shipment in line_shipments(line_ids=chunk, warehouse=False).items():
            if shipment.left:  # a number printed for a line cancelled before it was pushed did not ship it
                result[pk] = ShippedElsewhere(
                    line_id=pk, line_no=lines[pk], origin=shipment.origin, courier_name=shipment.courier_name,
                    tracking_no=shipment.tracking_no, waybill_no=shipment.waybill_no)
    return result


def _describe(found: list[ShippedElsewhere]) -> str:
    """"line 1 and 2 by the seller's invoice QSP… (기타택배)"; one phrase per distinct shipment."""
    by_how: dict[str, list[str]] = defaultdict(list)
    for item in found:
        by_how[item.how].append(item.line_no)
    parts = []
    for how, line_nos in by_how.items():
        label = "line " + (", ".join(line_nos[:-1]) + " and " + line_nos[-1] if len(line_nos) > 1 else line_nos[0])
        parts.append(f"{label} by {how}")
    return "; ".join(parts)


@transaction.atomic
def fulfilment_lines_shipped_elsewhere(*, seller_id: int, line_ids: Iterable[int]) -> list[FulfilmentOrder]:
    """Order lines left through another path (the seller's invoice, a packing label scanned at QFC receiving,
    the sales site): their fulfilment lines stop reserving stock (a ``release``, never a second
    ``shipment``), a fulfilment order already being picked or packed is flagged (put the items back), and one
    with nothing left to ship is closed (cancelled) with the reason on the order's timeline. Safe to call
    again: lines already taken out are skipped. The inventory side of ``on_lines_shipped``."""
    rows = _active_lines_locked(seller_id=seller_id, line_ids=line_ids, quantity__gt=0)
    found = shipped_elsewhere(line_ids=[row.order_line_id for row in rows])
    rows = [row for row in rows if row.order_line_id in found]
    if not rows:
        return []
    moves, by_fulfilment = [], defaultdict(list)
    for row in rows:
        item = found[row.order_line_id]
        if row.reserved:
            moves.append(Move(option_id=row.option_id, kind=StockMovement.Kind.RELEASE, reserved_delta=-row.reserved,
                              fulfilment_id=row.fulfilment_id, order_line_id=row.order_line_id,
                              note=f"Line {item.line_no} shipped outside the warehouse, by {item.how}"))
        row.quantity, row.reserved = 0, 0
        by_fulfilment[row.fulfilment_id].append(row)
    FulfilmentLine.objects.bulk_update(rows, ["quantity", "reserved"])
    movements_book(seller_id=seller_id, moves=moves)

    now = timezone.now()
    remaining = _quantities_left(by_fulfilment)
    touched, events = [], []
    for fulfilment_id, gone in by_fulfilment.items():
        fo = gone[0].fulfilment
        how = _describe([found[row.order_line_id] for row in gone])
        items = ", ".join(f"{row.option.code} (line {row.order_line.line_no})" for row in gone)
        picked = fo.state in FulfilmentOrder.PICKED_STATES
        if remaining[fulfilment_id] == 0:
            fo.state, fo.cancelled_at = FState.CANCELLED, now
            message = (f"Fulfilment order {fo.number} closed: already shipped, {how}; nothing to ship from the "
                       "warehouse (reservation released).")
        else:
            message = (f"Fulfilment order {fo.number}: {how} already shipped outside the warehouse "
                       "(reservation released); the rest still ships from the warehouse.")
        if picked:
            fo.flagged = True
            fo.flag_reason = (f"Already shipped by the seller ({how}): take {items} out of the order and put "
                              f"{'them' if len(gone) > 1 else 'it'} back on the shelf."
                              + (" Nothing is left to ship." if remaining[fulfilment_id] == 0 else ""))[:300]
            message += " The warehouse was told to put the picked items back."
        fo.updated_at = now
        touched.append(fo)
        events.append(OrderEvent(order_id=fo.order_id, seller_id=seller_id, kind=OrderEvent.Kind.UPDATED,
                                 message=message[:500], details={"fulfilment": fo.pk, "shipped_elsewhere": True}))
    FulfilmentOrder.objects.bulk_update(touched, ["state", "cancelled_at", "flagged", "flag_reason", "updated_at"])
    OrderEvent.objects.bulk_create(events)
    return touched


def fulfilments_shipped_elsewhere_sync(*, fulfilment_ids: Iterable[int] | None = None) -> list[FulfilmentOrder]:
    """Apply ``fulfilment_lines_shipped_elsewhere`` to active fulfilment orders (these, or all) with lines
    that shipped through another path. The warehouse pages call it before showing or changing fulfilment
    orders, so they never offer to ship an order that already left; one query when there is nothing to do."""
    from waybills.models import TrackingPush

    # The active orders' ids first, from the (state, created_at) index: joined in place, SQLite read every fulfilment
    # line ever shipped to find the active ones' (on every visit of the warehouse's list).
    active = FulfilmentOrder.objects.filter(state__in=FulfilmentOrder.ACTIVE_STATES).values("pk")
    rows = FulfilmentLine.objects.filter(fulfilment_id__in=active, quantity__gt=0).filter(
        Q(order_line__status=LineStatus.SHIPPED) | Q(Exists(TrackingPush.objects.filter(
            line_id=OuterRef("order_line_id"), state__in=(*TrackingPush.OPEN_STATES, TrackingPush.State.CONFIRMED))
            .exclude(origin=TrackingPush.Origin.FULFILMENT))))
    if fulfilment_ids is not None:
        rows = rows.filter(fulfilment_id__in=sorted(set(fulfilment_ids)))
    by_seller: dict[int, list[int]] = defaultdict(list)
    for seller_id, line_id in rows.values_list("fulfilment__seller_id", "order_line_id"):
        by_seller[seller_id].append(line_id)
    touched = []
    for seller_id, line_ids in by_seller.items():
        touched += fulfilment_lines_shipped_elsewhere(seller_id=seller_id, line_ids=line_ids)
    return touched


# --- The warehouse -----------------------------------------------------------------------------------

def _order_lines_lock(fulfilment_id: int) -> None:
    lines_lock(order_ids=FulfilmentOrder.objects.filter(pk=fulfilment_id).values_list("order_id", flat=True))


def _get_locked(fulfilment_id: int) -> FulfilmentOrder:
    try:
        return (FulfilmentOrder.objects.select_for_update(of=("self",)).select_related("order", "order__account")
                .get(pk=fulfilment_id))
    except FulfilmentOrder.DoesNotExist:
        raise ApplicationError("No such fulfilment order.", code="not_found") from None


@transaction.atomic
def fulfilments_start_picking(*, fulfilment_ids: Sequence[int], actor: User | None = None) -> int:
    """Open fulfilment orders whose pick list was printed are being picked."""
    now = timezone.now()
    return FulfilmentOrder.objects.filter(pk__in=list(fulfilment_ids), state=FState.OPEN).update(
        state=FState.PICKING, picked_at=now, updated_at=now)


@retried_on_conflict
@transaction.atomic
def fulfilment_pack(*, fulfilment_id: int, actor: User | None = None) -> FulfilmentOrder:
    fo = _get_locked(fulfilment_id)
    if fo.state not in (FState.OPEN, FState.PICKING):
        raise ApplicationError(f"{fo.number} is {fo.get_state_display().lower()}: it cannot be packed now.",
                               code="wrong_state")
    if fo.flagged:
        raise ApplicationError(f"{fo.number} is flagged: {fo.flag_reason} Press Done when that is handled.",
                               code="flagged")
    _refuse_on_hold(fo, "packed")
    fo.state, fo.packed_at = FState.PACKED, timezone.now()
    fo.picked_at = fo.picked_at or fo.packed_at
    fo.save(update_fields=["state", "packed_at", "picked_at", "updated_at"])
    return fo


@transaction.atomic
def fulfilment_flag_clear(*, fulfilment_id: int, actor: User | None = None) -> FulfilmentOrder:
    """The warehouse handled a flag (the cancelled items are back on the shelf)."""
    fo = _get_locked(fulfilment_id)
    if not fo.flagged:
        raise ApplicationError(f"{fo.number} is not flagged.", code="not_flagged")
    OrderEvent.objects.create(order_id=fo.order_id, seller_id=fo.seller_id, actor=actor,
                              kind=OrderEvent.Kind.UPDATED, message=f"QFC handled the flag of {fo.number}: "
                              f"{fo.flag_reason}"[:500])
    fo.flagged = False
    fo.save(update_fields=["flagged", "updated_at"])
    # A shipped order's flag is also the seller's attention (order_attention): it ends with it.
    orders_refresh(order_ids={fo.order_id})
    return fo


def _refuse_on_hold(fo: FulfilmentOrder, done: str) -> None:
    """A line the buyer asked to cancel waits for the seller's answer at the sales site: shipping it would
    decide for the seller (and a cancellation approved meanwhile would have to be fetched back)."""
    held = dict(OrderLine.objects.filter(ON_HOLD, fulfilment_line__fulfilment=fo).values_list("pk", "line_no"))
    if held:
        raise ApplicationError(
            f"{fo.number} was not {done}: the buyer asked to cancel line {', '.join(sorted(held.values()))}. It is on "
            "hold until the seller approves or rejects the request at the sales site; nothing changed.",
            code="cancel_requested", extra={"lines": sorted(held)})


# How a program confirms a short tracking number (tracking_no_plausible); the pages say how a person does.
SHORT_AGAIN = "Check it; to record it as it is, send it again with short_confirmed set."


def _tracking_check(fo: FulfilmentOrder, courier_code: str, tracking_no: str, *, short_confirmed: bool,
                    short_again: str) -> None:
    from waybills.selectors import default_site
    from waybills.services.couriers import couriers_refresh
    from waybills.services.tracking import tracking_no_plausible, tracking_number_check

    site = fo.order.site or default_site()
    # The carrier list may need a refresh (an HTTP call): before any transaction opens.
    couriers_refresh(site=site, account=fo.order.account)
    _, number = tracking_number_check(site=site, courier_code=courier_code, tracking_no=tracking_no)
    tracking_no_plausible(number, short_confirmed=short_confirmed, again=short_again)


@retried_on_conflict
def fulfilment_ship(*, fulfilment_id: int, actor: User | None = None, courier_code: str = "",
                    tracking_no: str = "", short_confirmed: bool = False,
                    short_again: str = SHORT_AGAIN) -> FulfilmentOrder:
    """The warehouse ships a fulfilment order: on hand and reserved go down by what it takes, and with a
    carrier and tracking number the sales site gets them (``tracking_record``). Refused, changing nothing,
    when stock on hand is short, the order is flagged, already shipped or cancelled, or the tracking number is
    implausible (``tracking_no_plausible``; ``short_confirmed``: a short one given a second time, ``short_again``:
    how to do that, in the refusal)."""
    courier_code, tracking_no = courier_code.strip(), tracking_no.strip()
    if bool(courier_code) != bool(tracking_no):
        raise ApplicationError("Enter both the carrier and its tracking number, or neither.", code="tracking_incomplete")
    fo = FulfilmentOrder.objects.select_related("order", "order__account").filter(pk=fulfilment_id).first()
    if fo is None:
        raise ApplicationError("No such fulfilment order.", code="not_found")
    if courier_code:
        _tracking_check(fo, courier_code, tracking_no, short_confirmed=short_confirmed, short_again=short_again)
    with transaction.atomic():
        return _ship(fulfilment_id=fulfilment_id, actor=actor, courier_code=courier_code, tracking_no=tracking_no)


def _ship(*, fulfilment_id: int, actor: User | None, courier_code: str, tracking_no: str) -> FulfilmentOrder:
    from waybills.models import TrackingPush
    from waybills.services.tracking import tracking_record

    # The order's lines before the fulfilment order: Ship records the tracking number on them, and the sync
    # taking a line out holds the line before it locks the fulfilment order (docs/orders.md, "Lock order").
    _order_lines_lock(fulfilment_id)
    fo = _get_locked(fulfilment_id)
    if fo.state not in FulfilmentOrder.ACTIVE_STATES:
        raise ApplicationError(f"{fo.number} is already {fo.get_state_display().lower()}. Nothing changed.",
                               code="wrong_state")
    if fo.flagged:
        raise ApplicationError(f"{fo.number} is flagged: {fo.flag_reason} Press Done when that is handled, then ship.",
                               code="flagged")
    lines = list(fo.lines.filter(quantity__gt=0).select_related("order_line", "option"))
    if not lines:
        raise ApplicationError(f"{fo.number} has nothing left to ship.", code="nothing_to_ship")
    _refuse_on_hold(fo, "shipped")
    elsewhere = shipped_elsewhere(line_ids=[line.order_line_id for line in lines])
    if elsewhere:
        every = len(elsewhere) == len(lines)
        raise ApplicationError(
            f"{fo.number} was not shipped: {_describe(list(elsewhere.values()))} already shipped outside the "
            "warehouse. Nothing changed; shipping it again would book the stock out twice and replace the "
            "tracking number at the sales site. "
            + ("Nothing is left to ship from the warehouse." if every else
               "Those lines are taken out of this order when its page is opened again; the rest then ships from "
               "the warehouse."),
            code="shipped_elsewhere", extra={"lines": sorted(elsewhere)})
    movements_book(seller_id=fo.seller_id, actor=actor, moves=[
        Move(option_id=line.option_id, kind=StockMovement.Kind.SHIPMENT, quantity=-line.quantity, reserved_delta=-line.reserved,
             fulfilment_id=fo.pk, order_line_id=line.order_line_id)
        for line in lines
    ])
    for line in lines:
        line.shipped_quantity, line.reserved = line.quantity, 0
    FulfilmentLine.objects.bulk_update(lines, ["shipped_quantity", "reserved"])
    now = timezone.now()
    fo.state, fo.shipped_at, fo.shipped_by = FState.SHIPPED, now, actor
    fo.picked_at = fo.picked_at or now
    order_line_ids = [line.order_line_id for line in lines if line.order_line.status != LineStatus.CANCELLED]
    manual = fo.order.source == Order.Source.MANUAL or fo.order.account_id is None
    if courier_code:
        recorded = tracking_record(seller_id=fo.seller_id, line_ids=order_line_ids, courier_code=courier_code,
                                   tracking_no=tracking_no, actor=actor, origin=TrackingPush.Origin.FULFILMENT)
        fo.courier_code, fo.courier_name, fo.tracking_no = recorded.courier.code, recorded.courier.name, recorded.tracking_no
        # Only what went into the tracking outbox is sent; a manual order or a site that takes no tracking
        # numbers keeps it here (recorded.not_pushed).
        detail = f" with {recorded.courier.name} {recorded.tracking_no}" + (
            " (tracking number sent to the sales site)" if recorded.pushes else "")
    else:
        detail = " (no tracking number recorded here)"
        if manual:
            lines_mark_shipped(seller_id=fo.seller_id, line_ids=order_line_ids, actor=actor,
                               message=f"Shipped by the QFC warehouse ({fo.number}); manual order, nothing to push")
    fo.save(update_fields=["state", "shipped_at", "shipped_by", "picked_at", "courier_code", "courier_name",
                           "tracking_no", "updated_at"])
    OrderEvent.objects.create(order_id=fo.order_id, seller_id=fo.seller_id, actor=actor, kind=OrderEvent.Kind.SHIPPED,
                              message=f"QFC shipped fulfilment order {fo.number}{detail}"[:500],
                              details={"fulfilment": fo.pk})
    return fo


def fulfilment_tracking_record(*, fulfilment_id: int, courier_code: str, tracking_no: str,
                               actor: User | None = None, short_confirmed: bool = False,
                               short_again: str = SHORT_AGAIN) -> FulfilmentOrder:
    """Add (or correct) the carrier and tracking number of a fulfilment order already shipped."""
    from waybills.models import TrackingPush
    from waybills.services.tracking import tracking_record

    courier_code, tracking_no = courier_code.strip(), tracking_no.strip()
    if not (courier_code and tracking_no):
        raise ApplicationError("Enter the carrier and its tracking number.", code="tracking_incomplete")
    fo = FulfilmentOrder.objects.select_related("order", "order__account").filter(pk=fulfilment_id).first()
    if fo is None:
        raise ApplicationError("No such fulfilment order.", code="not_found")
    if fo.state != FState.SHIPPED:
        raise ApplicationError(f"{fo.number} is not shipped yet: ship it with the tracking number.", code="wrong_state")
    _tracking_check(fo, courier_code, tracking_no, short_confirmed=short_confirmed, short_again=short_again)
    with transaction.atomic():
        _order_lines_lock(fulfilment_id)
        fo = _get_locked(fulfilment_id)
        line_ids = list(OrderLine.objects.filter(fulfilment_line__fulfilment=fo).exclude(
            status=LineStatus.CANCELLED).values_list("pk", flat=True))
        recorded = tracking_record(seller_id=fo.seller_id, line_ids=line_ids, courier_code=courier_code,
                                   tracking_no=tracking_no, actor=actor, origin=TrackingPush.Origin.FULFILMENT)
        fo.courier_code, fo.courier_name, fo.tracking_no = recorded.courier.code, recorded.courier.name, recorded.tracking_no
        fo.save(update_fields=["courier_code", "courier_name", "tracking_no", "updated_at"])
    return fo


def waiting_filter() -> Q:
    """Orders that may still become fulfilment orders (for the seller's Send to fulfilment page)."""
    return Q(status__in=CANDIDATE_ORDER_STATUSES, fulfilment__isnull=True)


def fulfilment_pick_list(*, fulfilment_ids: Sequence[int], actor: User | None = None) -> tuple[int, bytes]:
    """The pick list PDF of these fulfilment orders (grouped by option SKU); open ones are now being
    picked. Returns (orders on the list, PDF bytes)."""
    from inventory.picklist import pick_list_pdf
    from inventory.selectors_fulfilment import pick_list_groups

    ids = sorted(set(fulfilment_ids))
    if not ids:
        raise ApplicationError("Select the fulfilment orders to pick.", code="nothing_selected")
    fulfilments_start_picking(fulfilment_ids=ids, actor=actor)
    fulfilments, groups, held = pick_list_groups(fulfilment_ids=ids)
    if not fulfilments:
        raise ApplicationError("None of the selected fulfilment orders is still to ship.", code="nothing_to_pick")
    printed_by = actor.username if actor is not None else ""
    return len(fulfilments), pick_list_pdf(fulfilments=fulfilments, groups=groups, held=held,
                                           printed_at=timezone.localtime(), printed_by=printed_by)


def _quantities_left(fulfilment_ids) -> dict[int, int]:
    """Per fulfilment order, the units its lines still hold (0: nothing is left to ship)."""
    remaining: dict[int, int] = defaultdict(int)
    for fulfilment_id, quantity in FulfilmentLine.objects.filter(fulfilment_id__in=list(fulfilment_ids)).values_list(
            "fulfilment_id", "quantity"):
        remaining[fulfilment_id] += quantity
    return remaining
