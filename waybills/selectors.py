"""Reads of the waybills app: printable orders, labels of a batch, couriers, the outbox and its failures.

Every seller-facing function takes the seller and filters by it first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations import registry
from integrations.models import SalesSiteAccount
from integrations.shipping import Courier as CourierRecord
from orders.models import LineStatus, Order, OrderLine, OrderStatus
from sellers.models import Seller
from waybills.labels.data import LabelData, LabelItem
from waybills.models import Courier, PrintBatch, TrackingPush, Waybill, WaybillKind

PRINTABLE_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.READY)
LABEL_CHUNK = 200  # waybills read per query while a batch is rendered: memory stays flat


# --- Sites and couriers ---------------------------------------------------------------------------

def site_adapter_class(site: str):
    return import_string(registry.get(site).adapter_path)


def default_site() -> str:
    sites = registry.all_sites()
    return sites[0].key if sites else ""


def site_name(site: str) -> str:
    try:
        return registry.get(site).name
    except registry.UnknownSalesSite:
        return site


def courier_list(*, site: str) -> list[CourierRecord]:
    """The cached carrier list of a site, or the adapter's built-in one when nothing was read yet."""
    rows = [CourierRecord(code=c.code, name=c.name, sort=c.sort) for c in Courier.objects.filter(site=site)]
    if rows:
        return rows
    try:
        return list(site_adapter_class(site).fallback_couriers)
    except registry.UnknownSalesSite:
        return []


def courier_find(*, site: str, value: str) -> CourierRecord | None:
    """A carrier by its code (``0002``) or its name (``CJ대한통운``), as chosen or scanned."""
    wanted = (value or "").strip()
    if not wanted:
        return None
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


def printable_orders(*, seller: Seller, filters: PrintFilters, kind: str = WaybillKind.INVOICE) -> QuerySet[Order]:
    """Orders ready to ship (Confirmed / Preparing, Ready to ship), oldest instruction first, with their
    open lines and waybills loaded (three queries a page)."""
    orders = Order.objects.filter(seller=seller, status__in=PRINTABLE_STATUSES)
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
    printed = Waybill.objects.filter(kind=kind).values("order_id")
    if filters.printed == "no":
        orders = orders.exclude(pk__in=printed)
    elif filters.printed == "yes":
        orders = orders.filter(pk__in=printed)
    return orders.select_related("account").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.exclude(status=LineStatus.CANCELLED).order_by(
            "line_no", "process_seq")),
        Prefetch("waybills", queryset=Waybill.objects.order_by("kind")),
    ).order_by("instructed_at", "id")


def batch_get(*, seller: Seller, batch_id: int) -> PrintBatch:
    return PrintBatch.objects.get(seller=seller, pk=batch_id)


def batches_recent(*, seller: Seller, limit: int = 5) -> list[PrintBatch]:
    return list(PrintBatch.objects.filter(seller=seller)[:limit])


def _label(waybill: Waybill, order: Order, lines: list[OrderLine], *, sequence: int, total: int, reprint: bool,
           sender: str, printed_at: str) -> LabelData:
    phones = tuple(dict.fromkeys(p for p in (order.recipient_mobile, order.recipient_phone) if p))
    note = ""
    if order.account_id is None or order.source == Order.Source.MANUAL:
        note = "Manual order: not pushed" if waybill.kind == WaybillKind.INVOICE else "Manual order"
    shop = f" ({order.account.shop_id})" if order.account_id and order.account else ""
    return LabelData(
        kind=waybill.kind, number=waybill.number, sequence=sequence, total=total,
        recipient_name=order.recipient_name, phones=phones, zip_code=order.zip_code, address=order.address,
        address_detail=order.address_detail, delivery_message=order.delivery_message, sender=f"{sender}{shop}",
        order_no=order.reference_order_no or order.order_no, site_name=site_name(order.site) if order.site else "",
        items=tuple(LabelItem(product=line.product_name, option=line.option_name, quantity=line.open_quantity,
                              code=line.seller_code) for line in lines),
        courier_name=waybill.courier_name, courier_code=waybill.courier_code, printed_at=printed_at,
        reprint=reprint, print_count=waybill.print_count, note=note,
    )


def batch_labels(*, batch: PrintBatch) -> Iterator[LabelData]:
    """The labels of a batch in selection order, read ``LABEL_CHUNK`` waybills at a time."""
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
            .prefetch_related(Prefetch("order__lines", queryset=OrderLine.objects.exclude(
                status=LineStatus.CANCELLED).order_by("line_no", "process_seq")))
        }
        for offset, waybill_id in enumerate(chunk):
            waybill = waybills.get(waybill_id)
            if waybill is None:
                continue
            yield _label(waybill, waybill.order, list(waybill.order.lines.all()), sequence=start + offset + 1,
                         total=total, reprint=waybill_id in reprints, sender=sender, printed_at=printed_at)


# --- Outbox ------------------------------------------------------------------------------------------

FAILURE_STATES = (TrackingPush.State.FAILED, TrackingPush.State.CONFLICT, TrackingPush.State.UNKNOWN)


def waybill_exists(*, seller: Seller) -> bool:
    return Waybill.objects.filter(seller=seller).exists()


def push_failures(*, seller: Seller) -> QuerySet[TrackingPush]:
    """Pushes that need a person (failed, shipped with another number) or are still being settled
    (outcome unknown, waiting to be sent again after an error)."""
    return (
        TrackingPush.objects.filter(seller=seller)
        .filter(Q(state__in=FAILURE_STATES) | Q(state=TrackingPush.State.PENDING, attempts__gt=0))
        .select_related("order", "line", "account", "waybill")
        .order_by("-updated_at", "-id")
    )


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


def accounts_with_pushes(*, include_failed_connections: bool = False) -> list[int]:
    """Accounts with something to send or to settle (the sweep queues one push per account).

    Accounts whose connection failed (the site refused the key or the server: 401/403) are left out until
    a Test Connection succeeds or a new key is saved: every push would send the same refused write again
    (``include_failed_connections`` lists them anyway, for the command that reports why they wait)."""
    pushes = TrackingPush.objects.filter(state__in=WAITING_STATES, account__isnull=False, account__is_active=True)
    if not include_failed_connections:
        pushes = pushes.exclude(account__connection_status=SalesSiteAccount.ConnectionStatus.FAILED)
    return list(pushes.values_list("account_id", flat=True).distinct().order_by("account_id"))


@dataclass(frozen=True)
class BlockedAccount:
    account: SalesSiteAccount
    site_name: str
    waiting: int  # tracking numbers of this account not sent because of the failed connection


def accounts_blocked(*, seller: Seller) -> list[BlockedAccount]:
    """The seller's accounts whose tracking numbers wait for the connection to be fixed (the failures page
    says why and where to fix it)."""
    accounts = (SalesSiteAccount.objects.filter(seller=seller, is_active=True,
                                                connection_status=SalesSiteAccount.ConnectionStatus.FAILED)
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
