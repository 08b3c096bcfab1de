"""Reads of the waybills app: printable orders, labels of a batch, couriers, the outbox and its failures.

Every seller-facing function takes the seller and filters by it first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations import registry
from integrations.base import Capability
from integrations.models import SalesSiteAccount
from integrations.shipping import Courier as CourierRecord
from orders.models import LineStatus, Order, OrderLine, OrderStatus
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
    elif waybill.kind == WaybillKind.INVOICE and (name := order_not_pushed_site(order)):
        note = f"Not pushed: enter this number at {name}"
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


def orders_push_failing(*, seller: Seller, order_ids: list[int]) -> set[int]:
    """Of these orders, those with a tracking number the sales site refused, holds another number for, or
    left unsettled: Print Waybill marks their rows, so a seller printing more sees what did not go through."""
    return set(TrackingPush.objects.filter(seller=seller, order_id__in=order_ids, state__in=FAILURE_STATES)
               .values_list("order_id", flat=True).distinct())


def packing_labels_awaiting_count() -> int:
    """Packing labels printed for orders still to ship and not scanned at QFC receiving yet (every seller's)."""
    return Waybill.objects.filter(kind=WaybillKind.PACKING, status=Waybill.Status.PRINTED).exclude(
        order__status__in=[OrderStatus.SHIPPED, OrderStatus.CANCELLED]).count()


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
    (``include_failed_connections`` lists them anyway, for the command that reports why they wait).
    Accounts of a site that does not take tracking numbers (no TRACKING_PUSH, or no longer registered) are
    never listed: there is nothing to send them."""
    pushes = TrackingPush.objects.filter(state__in=WAITING_STATES, account__isnull=False, account__is_active=True,
                                         account__site__in=[s.key for s in registry.all_sites()
                                                            if s.supports(Capability.TRACKING_PUSH)])
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
