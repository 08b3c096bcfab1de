"""Reads of the waybills app: printable orders, labels of a batch, couriers, the outbox and its failures.

Every seller-facing function takes the seller and filters by it first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations import registry
from integrations.base import Capability
from integrations.models import SalesSiteAccount
from integrations.shipping import Courier as CourierRecord
from orders.models import ON_HOLD, LineStatus, Order, OrderLine, OrderStatus
from sellers.models import Seller
from waybills.labels.data import LabelData, LabelItem
from waybills.models import Courier, PrintBatch, TrackingPush, Waybill, WaybillKind

PRINTABLE_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.READY)
LABEL_CHUNK = 200  # waybills read per query while a batch is rendered: memory stays flat


# --- Sites and couriers ---------------------------------------------------------------------------
#
# What a site supports comes from the registry (``SalesSite.supports``), never from the site's name: a site
# without TRACKING_PUSH gets no outbox rows and no carrier-list call, and an adapter is only asked for what
# its site declares. Unregistered sites support nothing.

# Carriers to offer for a site that has no carrier list of its own (it takes no tracking numbers from
# SmartShip, so the codes are SmartShip's: they are never sent anywhere). The names are the carriers' usual
# Korean names, so a carrier chosen for one site's parcel is found by name in another site's list.
GENERIC_COURIERS: tuple[CourierRecord, ...] = tuple(
    CourierRecord(code=code, name=name, sort=i) for i, (code, name) in enumerate((
        ("CJ", "CJ대한통운"), ("LOTTE", "롯데택배"), ("HANJIN", "한진택배"), ("EPOST", "우체국택배"),
        ("LOGEN", "로젠택배"), ("KDEXP", "경동택배"), ("DAESIN", "대신택배"), ("ILYANG", "일양택배"),
        ("CHUNIL", "천일택배"), ("HDEXP", "합동택배"), ("KUNYOUNG", "건영택배"), ("KGB", "KGB택배"),
        ("QXPRESS", "Qxpress"), ("ETC", "기타택배"),
    ), start=1))
# The courier named on an invoice (the portal's own QSP number) of a site with no "other courier" code.
OWN_NUMBER_COURIER_NAME = "기타택배"
GENERIC_TRACKING_NO_MAX = 30  # the longest number SmartShip stores (Waybill / TrackingPush.tracking_no)
_GENERIC_TRACKING_RE = re.compile(rf"[A-Za-z0-9]{{1,{GENERIC_TRACKING_NO_MAX}}}")


def site_adapter_class(site: str):
    return import_string(registry.get(site).adapter_path)


def default_site() -> str:
    sites = registry.all_sites()
    return sites[0].key if sites else ""


def site_name(site: str) -> str:
    return registry.name_of(site)


def site_registered(site: str) -> bool:
    try:
        registry.get(site)
    except registry.UnknownSalesSite:
        return False
    return True


def site_supports(site: str, capability: Capability) -> bool:
    """Whether the registered site declares ``capability`` (``False`` for an empty or unregistered site)."""
    return registry.supports(site, capability)


def site_takes_tracking(site: str) -> bool:
    """The site takes tracking numbers from SmartShip (TRACKING_PUSH): outbox rows, carrier list, rules."""
    return site_supports(site, Capability.TRACKING_PUSH)


def order_pushes_tracking(order: Order) -> bool:
    """Tracking numbers of this order's lines go to its sales site (pulled, with an account, TRACKING_PUSH)."""
    return order.source == Order.Source.PULLED and order.account_id is not None and site_takes_tracking(order.site)


def order_not_pushed_site(order: Order) -> str:
    """The name of the order's sales site when it is pulled from a site that does not take tracking numbers
    from SmartShip (the seller enters them at the site); "" for manual orders and sites that do."""
    if (order.source != Order.Source.PULLED or order.account_id is None or not site_registered(order.site)
            or site_takes_tracking(order.site)):
        return ""
    return site_name(order.site)


def _adapter_attribute(site: str, name: str):
    """A shipping attribute of the site's adapter class, only for a site that takes tracking numbers and
    only when the adapter has it; ``None`` otherwise (nothing is called that the adapter lacks)."""
    if not site_takes_tracking(site):
        return None
    return getattr(site_adapter_class(site), name, None)


def courier_list(*, site: str) -> list[CourierRecord]:
    """The cached carrier list of a site, or the adapter's built-in one when nothing was read yet; the generic
    list (``GENERIC_COURIERS``) for a site without a carrier list of its own."""
    if site_takes_tracking(site):
        rows = [CourierRecord(code=c.code, name=c.name, sort=c.sort) for c in Courier.objects.filter(site=site)]
        if rows:
            return rows
        fallback = _adapter_attribute(site, "fallback_couriers")
        if fallback:
            return list(fallback)
    return list(GENERIC_COURIERS)


def tracking_no_normalize(*, site: str, value: str) -> str:
    """The tracking number in the site's form (its adapter's rule), or SmartShip's generic rule for a site
    without one: spaces and dashes removed, then 1 to 30 letters or digits. ``ValueError`` with the reason."""
    rule = _adapter_attribute(site, "tracking_no_normalize")
    if rule is not None:
        return rule(value)
    cleaned = re.sub(r"[\s\-]", "", value or "")
    if not _GENERIC_TRACKING_RE.fullmatch(cleaned):
        raise ValueError(f"after removing spaces and dashes it must be 1 to {GENERIC_TRACKING_NO_MAX} letters or "
                         "digits")
    return cleaned


def own_number_courier(site: str) -> CourierRecord:
    """The courier of an invoice's own QSP number: the site's "other courier" code (LotteON 9999, from its
    list) when the site takes tracking numbers, else no code and a neutral name."""
    code = _adapter_attribute(site, "own_number_courier") or ""
    if code:
        found = courier_find(site=site, value=code)
        return found or CourierRecord(code=code, name=OWN_NUMBER_COURIER_NAME)
    return CourierRecord(code="", name=OWN_NUMBER_COURIER_NAME)


def courier_find(*, site: str, value: str, couriers: list[CourierRecord] | None = None) -> CourierRecord | None:
    """A carrier by its code (``0002``) or its name (``CJ대한통운``), as chosen or scanned. ``couriers``: the
    site's list read once by a caller that looks up many (``courier_list`` is a query)."""
    wanted = (value or "").strip()
    if not wanted:
        return None
    if couriers is None:
        couriers = courier_list(site=site)
    for courier in couriers:
        if courier.code == wanted:
            return courier
    folded = wanted.casefold().replace(" ", "")
    return next((c for c in couriers if c.name.casefold().replace(" ", "") == folded), None)


# --- Print Waybill ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PrintFilters:
    account_id: int | None = None
    manual: bool = False
    printed: str = ""  # "", "no" (nothing printed yet), "yes"
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def printable_orders_ids(*, seller: Seller, filters: PrintFilters, kind: str = WaybillKind.INVOICE,
                         count_only: bool = False) -> list[int] | int:
    """The ids (in the list's order) of the orders ``printable_orders`` lists, without those on hold, which
    printing refuses; or only how many there are."""
    # Asked per listed order through the lines' order index: ``pk NOT IN (held lines of the seller)`` read every
    # line the seller ever had to find the few on hold.
    held = OrderLine.objects.filter(ON_HOLD, order=OuterRef("pk"))
    orders = printable_orders(seller=seller, filters=filters, kind=kind).exclude(Exists(held))
    if count_only:
        return orders.order_by().count()
    return list(orders.prefetch_related(None).values_list("pk", flat=True))


def printable_orders(*, seller: Seller, filters: PrintFilters, kind: str = WaybillKind.INVOICE) -> QuerySet[Order]:
    """Orders ready to ship (Confirmed / Preparing, Ready to ship), oldest instruction first, with their
    open lines and waybills loaded (three queries a page)."""
    # The orders to ship are a few hundred of the seller's orders ever, and the newest: they are read by id from the
    # (seller, status) index. Filtered in place, SQLite walked the seller's every order in time order from the
    # oldest (order_seller_time) to find them: 14 ms against 4.7 for a seller of 30,000 orders.
    open_ids = Order.objects.filter(seller=seller, status__in=PRINTABLE_STATUSES).values("pk")
    orders = Order.objects.filter(seller=seller, status__in=PRINTABLE_STATUSES, pk__in=open_ids)
    if filters.manual:
        orders = orders.filter(source=Order.Source.MANUAL)
    elif filters.account_id:
        orders = orders.filter(account_id=filters.account_id)
    if filters.date_from:
        start = _day_start(filters.date_from)
        orders = orders.filter(Q(instructed_at__gte=start) | Q(instructed_at__isnull=True, created_at__gte=start))
    if filters.date_to:
        end = _day_start(filters.date_to + timedelta(days=1))
        orders = orders.filter(Q(instructed_at__lt=end) | Q(instructed_at__isnull=True, created_at__lt=end))
    term = filters.q.strip()
    if term:
        lines = OrderLine.objects.filter(seller=seller).filter(
            Q(product_name__icontains=term) | Q(option_name__icontains=term)
            | Q(seller_option_code__icontains=term) | Q(seller_product_code__icontains=term)).values("order_id")
        orders = orders.filter(Q(order_no__icontains=term) | Q(reference_order_no__icontains=term)
                               | Q(recipient_name__icontains=term) | Q(pk__in=lines))
    # Per listed order, a seek in the (order, kind) unique index: ``pk IN (every waybill of the kind)`` read the
    # waybills of every seller and every year to keep the few orders still to ship.
    printed = Exists(Waybill.objects.filter(order=OuterRef("pk"), kind=kind))
    if filters.printed == "no":
        orders = orders.exclude(printed)
    elif filters.printed == "yes":
        orders = orders.filter(printed)
    return orders.select_related("account").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.exclude(status=LineStatus.CANCELLED).order_by(
            "line_no", "process_seq")),
        Prefetch("waybills", queryset=Waybill.objects.order_by("kind")),
    ).order_by("instructed_at", "id")


def batch_get(*, seller: Seller, batch_id: int) -> PrintBatch:
    return PrintBatch.objects.get(seller=seller, pk=batch_id)


def batches_recent(*, seller: Seller, limit: int = 5) -> list[PrintBatch]:
    return list(PrintBatch.objects.filter(seller=seller)[:limit])


def _label(waybill: Waybill, order: Order, items: list[tuple[OrderLine, int]], *, sequence: int, total: int,
           reprint: bool, print_count: int, sender: str, printed_at: str) -> LabelData:
    phones = tuple(dict.fromkeys(p for p in (order.recipient_mobile, order.recipient_phone) if p))
    note = ""
    if order.account_id is None or order.source == Order.Source.MANUAL:
        note = "Manual order: not pushed" if waybill.kind == WaybillKind.INVOICE else "Manual order"
    elif waybill.kind == WaybillKind.INVOICE and (name := order_not_pushed_site(order)):
        note = f"Not pushed: enter this number at {name}"
    shop = f" ({order.account.shop_id})" if order.account_id and order.account else ""
    return LabelData(
        kind=waybill.kind, number=waybill.number, sequence=sequence, total=total,
        recipient_name=order.recipient_name, phones=phones, zip_code=order.zip_code, address=order.address,
        address_detail=order.address_detail, delivery_message=order.delivery_message, sender=f"{sender}{shop}",
        order_no=order.reference_order_no or order.order_no, site_name=site_name(order.site) if order.site else "",
        items=tuple(LabelItem(product=line.product_name, option=line.option_name, quantity=quantity,
                              code=line.seller_code) for line, quantity in items),
        courier_name=waybill.courier_name, courier_code=waybill.courier_code, printed_at=printed_at,
        reprint=reprint, print_count=print_count, note=note,
    )


def batch_labels(*, batch: PrintBatch) -> Iterator[LabelData]:
    """The labels of a batch in selection order, read ``LABEL_CHUNK`` waybills at a time, each listing what it
    listed when the batch was printed (``PrintBatch.printed``): a line cancelled since is still in the parcel."""
    ids: list[int] = list(batch.waybill_ids)
    reprints = set(batch.reprint_ids)
    total = len(ids)
    sender = batch.seller.name
    printed_at = timezone.localtime(batch.created_at).strftime("%Y-%m-%d %H:%M")
    for start in range(0, total, LABEL_CHUNK):
        chunk = ids[start : start + LABEL_CHUNK]
        waybills = {
            w.pk: w for w in Waybill.objects.filter(seller_id=batch.seller_id, pk__in=chunk)
            .select_related("order", "order__account")
            .prefetch_related(Prefetch("order__lines", queryset=OrderLine.objects.order_by("line_no", "process_seq")))
        }
        for offset, waybill_id in enumerate(chunk):
            waybill = waybills.get(waybill_id)
            if waybill is None:
                continue
            lines = list(waybill.order.lines.all())
            if kept := batch.printed.get(str(waybill_id)):
                quantities, print_count = kept["lines"], kept["count"]
                items = [(line, quantities[str(line.pk)]) for line in lines if str(line.pk) in quantities]
            else:  # printed before batches kept their labels' contents
                print_count = waybill.print_count
                items = [(line, line.open_quantity) for line in lines if line.status != LineStatus.CANCELLED]
            yield _label(waybill, waybill.order, items, sequence=start + offset + 1, total=total,
                         reprint=waybill_id in reprints, print_count=print_count, sender=sender,
                         printed_at=printed_at)


# --- Outbox ------------------------------------------------------------------------------------------

FAILURE_STATES = (TrackingPush.State.FAILED, TrackingPush.State.CONFLICT, TrackingPush.State.UNKNOWN)


def orders_push_failing(*, seller: Seller, order_ids: list[int]) -> set[int]:
    """Of these orders, those with a tracking number the sales site refused, holds another number for, or
    left unsettled: Print Waybill marks their rows, so a seller printing more sees what did not go through."""
    return set(TrackingPush.objects.filter(seller=seller, order_id__in=order_ids, state__in=FAILURE_STATES)
               .values_list("order_id", flat=True).distinct())


def packing_labels_printed(*, order_ids: list[int]) -> dict[int, Waybill]:
    """The packing label of each of these orders that was printed and not yet scanned at receiving: the seller
    is sending the order's parcel to QFC (the warehouse should not ship the same order from its stock)."""
    if not order_ids:
        return {}
    return {w.order_id: w for w in Waybill.objects.filter(order_id__in=order_ids, kind=WaybillKind.PACKING,
                                                            status=Waybill.Status.PRINTED)}


def packing_labels_awaiting_count() -> int:
    """Packing labels printed for orders still to ship and not scanned at QFC receiving yet (every seller's)."""
    return Waybill.objects.filter(kind=WaybillKind.PACKING, status=Waybill.Status.PRINTED).exclude(
        order__status__in=[OrderStatus.SHIPPED, OrderStatus.CANCELLED]).count()


# --- The shipment of an order line ------------------------------------------------------------------
#
# A line's tracking number can sit in three places: the outbox (the seller's invoice, a packing label scanned at
# QFC receiving, the warehouse's Ship, a correction), its order's waybills (an invoice or a received label of an
# order with nothing to push) and its fulfilment order (shipped by QFC). Which one is *the* shipment of the line
# is decided here and nowhere else: the warehouse (did it leave another way?) and the order export read it.

SHIPMENT_STATES = (*TrackingPush.OPEN_STATES, TrackingPush.State.CONFIRMED)  # a number in force


@dataclass(frozen=True)
class LineShipment:
    """How an order line left, or is leaving: the carrier, the number and what the sales site made of it."""

    line_id: int
    # A TrackingPush origin (invoice, receiving, fulfilment, correction), or "site": the sales site marked the
    # line shipped and SmartShip holds no number for it.
    origin: str
    courier_code: str = ""
    courier_name: str = ""
    tracking_no: str = ""
    waybill_no: str = ""  # the invoice or packing label the number came with
    shipped_at: datetime | None = None
    push_state: str = ""  # the TrackingPush state of that number; "" when it is not in the outbox
    push_message: str = ""
    push_attempts: int = 0
    # False: a number printed but never in force, because the buyer cancelled the line (or the seller dismissed
    # its push) before the sales site took it. Listed so the seller sees what was printed; not a shipment.
    left: bool = True


def line_shipments(*, line_ids: Iterable[int], seller_id: int | None = None, warehouse: bool = True
                   ) -> dict[int, LineShipment]:
    """The shipment of each of these order lines that has one, by this rule, first match wins:

    1. its latest tracking number in force in the outbox: waiting, being sent, refused, unsettled, held by the
       site with another number, or confirmed (a number replaced or not pushed is not in force);
    2. (``warehouse``) its fulfilment order shipped by QFC, with the carrier and number recorded there if any:
       nothing in the outbox for a manual order, a site that takes no numbers, or a Ship without a number;
    3. a line marked Shipped: its order's invoice (the QSP number) or packing label received at QFC (the
       carrier's number), the later printed of the two; without either, the sales site shipped it ("site");
    4. its latest number not pushed because the buyer cancelled the line or the seller dismissed the push
       (``left`` False): what was printed stays visible.

    ``shipped_at``: QFC's Ship for the warehouse, the receiving scan for a packing label, the print for an
    invoice with nothing to push, and otherwise when the sales site took the number (empty until then).
    ``warehouse=False`` leaves out what the warehouse itself shipped (the warehouse asks whether a line left
    another way). ``seller_id`` keeps every row to that seller (seller-facing reads). Three to five queries
    plus one per sales site whose carrier names are needed, whatever the number of lines: callers pass chunks.
    """
    # Inventory builds on waybills (it imports this module); the way back stays inside the one read that needs it.
    from inventory.models import FulfilmentLine, FulfilmentOrder

    lines = OrderLine.objects.filter(pk__in=sorted(set(line_ids)))
    if seller_id is not None:
        lines = lines.filter(seller_id=seller_id)
    line_rows = {pk: (status, order_id, site or "") for pk, status, order_id, site in lines.values_list(
        "pk", "status", "order_id", "order__site")}
    if not line_rows:
        return {}
    pushes = TrackingPush.objects.filter(line_id__in=list(line_rows),
                                         state__in=(*SHIPMENT_STATES, TrackingPush.State.CANCELLED))
    if seller_id is not None:
        pushes = pushes.filter(seller_id=seller_id)
    if not warehouse:
        pushes = pushes.exclude(origin=TrackingPush.Origin.FULFILMENT)
    in_force: dict[int, TrackingPush] = {}
    not_pushed: dict[int, TrackingPush] = {}
    for push in pushes.select_related("waybill").order_by("created_at", "pk"):
        # The latest of each line wins: a correction is newer than the number it corrects.
        (not_pushed if push.state == TrackingPush.State.CANCELLED else in_force)[push.line_id] = push

    shipped_by_qfc: dict[int, dict] = {}
    if warehouse:
        fulfilment_lines = FulfilmentLine.objects.filter(order_line_id__in=list(line_rows),
                                                         fulfilment__state=FulfilmentOrder.State.SHIPPED)
        if seller_id is not None:
            fulfilment_lines = fulfilment_lines.filter(fulfilment__seller_id=seller_id)
        shipped_by_qfc = {row["order_line_id"]: row for row in fulfilment_lines.values(
            "order_line_id", "fulfilment__courier_code", "fulfilment__courier_name", "fulfilment__tracking_no",
            "fulfilment__shipped_at")}

    shipped_orders = {order_id for pk, (status, order_id, _) in line_rows.items()
                      if status == LineStatus.SHIPPED and pk not in in_force and pk not in shipped_by_qfc}
    waybills: dict[int, Waybill] = {}
    if shipped_orders:
        printed = Waybill.objects.filter(order_id__in=shipped_orders)
        if seller_id is not None:
            printed = printed.filter(seller_id=seller_id)
        for waybill in printed.order_by("pk"):
            if waybill.kind == WaybillKind.INVOICE or waybill.tracking_no:
                waybills[waybill.order_id] = waybill

    couriers: dict[str, list[CourierRecord]] = {}  # one carrier list per site and call

    def courier_name(site: str, code: str, stored: str = "") -> str:
        if stored or not (site and code):
            return stored or code
        if site not in couriers:
            couriers[site] = courier_list(site=site)
        found = courier_find(site=site, value=code, couriers=couriers[site])
        return found.name if found else code

    def from_push(pk: int, push: TrackingPush, site: str, *, left: bool) -> LineShipment:
        waybill = push.waybill
        shipped_at = push.confirmed_at
        if push.origin == TrackingPush.Origin.RECEIVING and waybill is not None and waybill.received_at:
            shipped_at = waybill.received_at
        elif push.origin == TrackingPush.Origin.FULFILMENT and pk in shipped_by_qfc:
            shipped_at = shipped_by_qfc[pk]["fulfilment__shipped_at"]
        return LineShipment(
            line_id=pk, origin=push.origin, courier_code=push.courier_code, tracking_no=push.tracking_no,
            courier_name=courier_name(site, push.courier_code, waybill.courier_name if waybill is not None else ""),
            waybill_no=waybill.number if waybill is not None else "", shipped_at=shipped_at if left else None,
            push_state=push.state, push_message=push.last_message, push_attempts=push.attempts, left=left)

    result: dict[int, LineShipment] = {}
    for pk, (status, order_id, site) in line_rows.items():
        if pk in in_force:
            result[pk] = from_push(pk, in_force[pk], site, left=True)
            continue
        # A number dismissed while the site holds another one leaves the line Shipped: its state still says why.
        dismissed = not_pushed.get(pk)
        state = {"push_state": dismissed.state, "push_message": dismissed.last_message,
                 "push_attempts": dismissed.attempts} if dismissed is not None else {}
        if pk in shipped_by_qfc:
            row = shipped_by_qfc[pk]
            result[pk] = LineShipment(
                line_id=pk, origin=TrackingPush.Origin.FULFILMENT, courier_code=row["fulfilment__courier_code"],
                courier_name=courier_name(site, row["fulfilment__courier_code"], row["fulfilment__courier_name"]),
                tracking_no=row["fulfilment__tracking_no"], shipped_at=row["fulfilment__shipped_at"], **state)
        elif status == LineStatus.SHIPPED:
            waybill = waybills.get(order_id)
            if waybill is None:
                result[pk] = LineShipment(line_id=pk, origin="site", **state)
            elif waybill.kind == WaybillKind.INVOICE:
                result[pk] = LineShipment(
                    line_id=pk, origin=TrackingPush.Origin.INVOICE, courier_code=waybill.courier_code,
                    courier_name=courier_name(site, waybill.courier_code, waybill.courier_name),
                    tracking_no=waybill.number, waybill_no=waybill.number, shipped_at=waybill.first_printed_at,
                    **state)
            else:
                result[pk] = LineShipment(
                    line_id=pk, origin=TrackingPush.Origin.RECEIVING, courier_code=waybill.courier_code,
                    courier_name=waybill.courier_name, tracking_no=waybill.tracking_no, waybill_no=waybill.number,
                    shipped_at=waybill.received_at, **state)
        elif dismissed is not None:
            result[pk] = from_push(pk, dismissed, site, left=False)
    return result


def waybill_exists(*, seller: Seller) -> bool:
    return Waybill.objects.filter(seller=seller).exists()


def push_failures(*, seller: Seller) -> QuerySet[TrackingPush]:
    """Pushes that need a person (failed, shipped with another number) or are still being settled
    (outcome unknown, waiting to be sent again after an error)."""
    return (
        TrackingPush.objects.filter(seller=seller)
        # One list of states, then the attempts: the states are a seek in (seller, state, -updated_at), where the
        # same condition written as an OR of the two made SQLite read every push of the seller (one per line
        # shipped, ever) to find the few that failed.
        .filter(state__in=(*FAILURE_STATES, TrackingPush.State.PENDING))
        .exclude(state=TrackingPush.State.PENDING, attempts=0)
        .select_related("order", "line", "account", "waybill")
        .order_by("-updated_at", "-id")
    )


def pushes_failed_ids(*, seller: Seller) -> list[int]:
    """Every push of the seller the sales site refused (what *Retry all* sends again)."""
    return list(TrackingPush.objects.filter(seller=seller, state=TrackingPush.State.FAILED)
                .order_by("pk").values_list("pk", flat=True))


def pushes_not_pushed_recent(*, seller: Seller, days: int = 30, limit: int = 20) -> list[TrackingPush]:
    """Numbers not pushed because the buyer cancelled the line: the seller is told why."""
    since = timezone.now() - timedelta(days=days)
    return list(TrackingPush.objects.filter(seller=seller, state=TrackingPush.State.CANCELLED, last_code="cancelled",
                                            updated_at__gte=since).select_related("order", "line")
                .order_by("-updated_at", "-id")[:limit])


def pushes_of_order(*, seller: Seller, order_id: int) -> list[TrackingPush]:
    return list(TrackingPush.objects.filter(seller=seller, order_id=order_id).select_related("line")
                .order_by("line__line_no", "-created_at", "-id"))


def order_get(*, seller: Seller, order_id: int) -> Order:
    return Order.objects.select_related("account").get(seller=seller, pk=order_id)


WAITING_STATES = (TrackingPush.State.PENDING, TrackingPush.State.UNKNOWN, TrackingPush.State.SENDING)


def accounts_with_pushes(*, include_held: bool = False) -> list[int]:
    """Accounts with something to send or to settle (the sweep queues one push per account).

    Deactivated accounts, and accounts whose connection failed (the site refused the key or the server:
    401/403; every push would send the same refused write again), are left out until they are activated, or a
    Test Connection succeeds or a new key is saved (``include_held`` lists them anyway, for the command that
    reports why they wait). Accounts of a site that does not take tracking numbers (no TRACKING_PUSH, or no
    longer registered) are never listed: there is nothing to send them."""
    pushes = TrackingPush.objects.filter(state__in=WAITING_STATES, account__isnull=False,
                                         account__site__in=[s.key for s in registry.all_sites()
                                                            if s.supports(Capability.TRACKING_PUSH)])
    if not include_held:
        pushes = pushes.filter(account__is_active=True).exclude(
            account__connection_status=SalesSiteAccount.ConnectionStatus.FAILED)
    return list(pushes.values_list("account_id", flat=True).distinct().order_by("account_id"))


@dataclass(frozen=True)
class BlockedAccount:
    account: SalesSiteAccount
    site_name: str
    waiting: int  # tracking numbers of this account held back: the account is deactivated or its connection failed

    @property
    def deactivated(self) -> bool:
        return not self.account.is_active


def accounts_blocked(*, seller: Seller) -> list[BlockedAccount]:
    """The seller's accounts whose tracking numbers wait for the seller: deactivated, or the connection to be
    fixed (the failures page says why and where to fix it)."""
    accounts = (SalesSiteAccount.objects.filter(seller=seller)
                .filter(Q(is_active=False) | Q(connection_status=SalesSiteAccount.ConnectionStatus.FAILED))
                .annotate(waiting=Count("tracking_pushes", filter=Q(tracking_pushes__state__in=WAITING_STATES)))
                .filter(waiting__gt=0).order_by("site", "shop_id"))
    return [BlockedAccount(account=a, site_name=site_name(a.site), waiting=a.waiting) for a in accounts]


# --- Receiving -----------------------------------------------------------------------------------------

def packing_label_get(*, number: str) -> Waybill | None:
    return (Waybill.objects.filter(number=number, kind=WaybillKind.PACKING)
            .select_related("order", "seller", "received_by").first())


def receipts_recent(*, limit: int = 10) -> list[Waybill]:
    return list(Waybill.objects.filter(kind=WaybillKind.PACKING, status=Waybill.Status.RECEIVED)
                .select_related("order", "seller").order_by("-received_at", "-id")[:limit])
