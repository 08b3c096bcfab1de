"""Reading fulfilment orders, pick lists, stock and movements, and the stock sync's results.

Warehouse selectors (QFC operators serve every seller) take an optional seller filter; seller selectors
take the seller and filter by it first, so another seller's rows never come back (a foreign id raises
DoesNotExist exactly like a missing one).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from core.ids import id_or_none
from core.paginators import COUNT_LIMIT, CappedPaginator
from integrations import registry
from inventory.codes import code_key
from inventory.models import (
    FulfilmentLine,
    FulfilmentOrder,
    OptionSku,
    StockMovement,
    StockPush,
    StockSyncRun,
)
from inventory.services.fulfilment import (
    CANDIDATE_ORDER_STATUSES,
    Candidate,
    candidates_load,
    shipped_elsewhere,
)
from orders.models import ON_HOLD, LineStatus, Order, OrderLine
from sellers.models import Seller

FState = FulfilmentOrder.State
PAGE_SIZE = 50
CLOSED_TABS = (FState.SHIPPED, FState.CANCELLED)
TABS = (("active", "To ship"), ("open", "Open"), ("picking", "Picking"), ("packed", "Packed"), ("flagged", "Flagged"),
        ("shipped", "Shipped"), ("cancelled", "Cancelled"))


# --- Fulfilment orders ----------------------------------------------------------------------------

@dataclass(frozen=True)
class FulfilmentFilters:
    tab: str = "active"
    seller_id: int | None = None
    q: str = ""


def _tab_filter(tab: str) -> Q:
    if tab == "flagged":
        return Q(flagged=True)
    if tab in FState.values:
        return Q(state=tab)
    return Q(state__in=FulfilmentOrder.ACTIVE_STATES)


def _with_lines(queryset: QuerySet[FulfilmentOrder]) -> QuerySet[FulfilmentOrder]:
    return queryset.select_related("order", "seller").prefetch_related(
        Prefetch("lines", queryset=FulfilmentLine.objects.select_related("option", "option__sku", "order_line")
                 .order_by("id")))


def _search(queryset: QuerySet[FulfilmentOrder], q: str) -> QuerySet[FulfilmentOrder]:
    q = q.strip()
    if not q:
        return queryset
    match = Q(order__order_no__icontains=q) | Q(order__recipient_name__icontains=q)
    number = id_or_none(q.upper().removeprefix("FO-").lstrip("0"))  # FO-000042 is fulfilment order 42
    if number is not None:
        match |= Q(pk=number)
    return queryset.filter(match)


def fulfilment_list(*, filters: FulfilmentFilters) -> QuerySet[FulfilmentOrder]:
    """The warehouse's list: every seller's fulfilment orders of a tab, oldest first (first in, first out)."""
    orders = FulfilmentOrder.objects.filter(_tab_filter(filters.tab))
    if filters.seller_id:
        orders = orders.filter(seller_id=filters.seller_id)
    orders = _search(orders, filters.q)
    if filters.tab in ("shipped", "cancelled"):
        return _with_lines(orders.order_by("-updated_at", "-id"))
    return _with_lines(orders.order_by("created_at", "id"))


def fulfilment_page(*, filters: FulfilmentFilters, page: str | int | None) -> Page:
    # Shipped and Cancelled keep every order ever: their pages are counted up to the first 1,000 ("of 1,000+").
    paginator = CappedPaginator if filters.tab in CLOSED_TABS else Paginator
    page_obj = paginator(fulfilment_list(filters=filters), PAGE_SIZE).get_page(page)
    _decorate(list(page_obj.object_list))
    return page_obj


def _decorate(fulfilments: list[FulfilmentOrder]) -> None:
    """Per line: whether on hand covers it now (``line.covered``) and how it left when it shipped outside the
    warehouse (``line.elsewhere``); per order: ``units``, ``uncovered``, ``shipped_elsewhere`` (those lines) and
    ``on_hold`` (its order lines with an open cancellation request), ``packing_label`` (a packing label the seller
    printed for the order and QFC has not received yet: the seller's own parcel of it is on its way)."""
    from waybills.selectors import packing_labels_printed

    pending = [fo for fo in fulfilments if fo.state != FState.SHIPPED]
    found = shipped_elsewhere(line_ids=[line.order_line_id for fo in pending for line in fo.lines.all()])
    labels = packing_labels_printed(order_ids=[fo.order_id for fo in fulfilments if fo.is_active])
    for fo in fulfilments:
        lines = list(fo.lines.all())
        fo.units = sum(line.quantity for line in lines)
        for line in lines:
            line.covered = line.option.on_hand >= line.quantity
            line.elsewhere = found.get(line.order_line_id) if fo.state != FState.SHIPPED else None
        fo.uncovered = fo.is_active and any(not line.covered for line in lines if line.quantity)
        fo.shipped_elsewhere = [line.elsewhere for line in lines if line.elsewhere is not None]
        fo.closed_elsewhere = fo.state == FState.CANCELLED and bool(fo.shipped_elsewhere)
        # Lines the buyer asked to cancel: held until the seller answers at the sales site (Pack and Ship refuse).
        # A shipped one may still wait for its tracking number: the line's own state says whether it is held.
        fo.on_hold = [line.order_line for line in lines if fo.state != FState.CANCELLED and line.order_line.on_hold]
        fo.packing_label = labels.get(fo.order_id)


def fulfilment_counts(*, seller_id: int | None = None, closed: bool = True) -> dict[str, int]:
    """The tabs' numbers. The work still to do is counted exactly; Shipped and Cancelled (``closed``), which keep
    every order ever, up to COUNT_LIMIT + 1: above COUNT_LIMIT the tab shows "1,000+" (``tab_count``)."""
    rows = FulfilmentOrder.objects.all()
    if seller_id:
        rows = rows.filter(seller_id=seller_id)
    # Each count reads its own index: the active states' (few, however old the warehouse) and the flagged ones'.
    counts = rows.filter(state__in=FulfilmentOrder.ACTIVE_STATES).aggregate(
        active=Count("pk"), **{state: Count("pk", filter=Q(state=state)) for state in FulfilmentOrder.ACTIVE_STATES})
    # "IN (true)": SQLite seeks an index for it; for "flagged = true" Django writes the bare column, which it scans.
    counts["flagged"] = rows.filter(flagged__in=[True]).count()
    if closed:
        for state in CLOSED_TABS:
            counts[state] = rows.filter(state=state).order_by()[:COUNT_LIMIT + 1].count()
    return counts


def tab_count(tab: str, count: int) -> int | str:
    """What a tab shows of its count from ``fulfilment_counts``."""
    return f"{COUNT_LIMIT:,}+" if tab in CLOSED_TABS and count > COUNT_LIMIT else count


def fulfilment_get(*, fulfilment_id: int, seller: Seller | None = None) -> FulfilmentOrder:
    """One fulfilment order with its lines (``seller``: only that seller's; the warehouse passes none)."""
    rows = FulfilmentOrder.objects.all()
    if seller is not None:
        rows = rows.filter(seller=seller)
    fo = _with_lines(rows.select_related("order__account", "shipped_by", "created_by")).get(pk=fulfilment_id)
    _decorate([fo])
    return fo


def fulfilment_sellers() -> list[Seller]:
    """Sellers with fulfilment orders, for the warehouse's filter."""
    return list(Seller.objects.filter(Exists(FulfilmentOrder.objects.filter(seller=OuterRef("pk")))).order_by("name"))


class PickEntry(NamedTuple):
    number: str  # the fulfilment order's
    order_no: str
    quantity: int
    held: bool  # the buyer asked to cancel: not to be picked (Pack and Ship refuse it until the seller answers)


@dataclass
class PickGroup:
    option: OptionSku
    seller_name: str
    quantity: int = 0  # to pick: held entries do not count
    held_quantity: int = 0
    entries: list[PickEntry] = field(default_factory=list)


def pick_list_groups(*, fulfilment_ids: list[int]) -> tuple[list[FulfilmentOrder], list[PickGroup], set[int]]:
    """What to pick for these fulfilment orders, one group per option SKU (sorted by seller and code), and
    the fulfilment orders on hold (a buyer's cancellation request on one of their lines)."""
    fulfilments = list(_with_lines(FulfilmentOrder.objects.filter(pk__in=fulfilment_ids,
                                                                   state__in=FulfilmentOrder.ACTIVE_STATES))
                       .order_by("created_at", "id"))
    held = set(OrderLine.objects.filter(ON_HOLD, fulfilment_line__fulfilment__in=[fo.pk for fo in fulfilments])
               .values_list("fulfilment_line__fulfilment_id", flat=True)) if fulfilments else set()
    groups: dict[int, PickGroup] = {}
    for fo in fulfilments:
        for line in fo.lines.all():
            if not line.quantity:
                continue
            group = groups.get(line.option_id)
            if group is None:
                group = groups[line.option_id] = PickGroup(option=line.option, seller_name=fo.seller.name)
            if fo.pk in held:
                group.held_quantity += line.quantity
            else:
                group.quantity += line.quantity
            group.entries.append(PickEntry(fo.number, fo.order.order_no, line.quantity, fo.pk in held))
    return fulfilments, sorted(groups.values(), key=lambda g: (g.seller_name, g.option.code_key)), held


def fulfilments_of_seller(*, seller: Seller, limit: int = 50) -> list[FulfilmentOrder]:
    return list(_with_lines(FulfilmentOrder.objects.filter(seller=seller).order_by("-created_at", "-id"))[:limit])


# --- Orders the seller may send ---------------------------------------------------------------------

def _open_lines() -> Q:
    return Q(status__in=[LineStatus.NEW, LineStatus.CONFIRMED], quantity__gt=F("cancelled_quantity"))


def sendable_orders(*, seller: Seller, ready: bool, q: str = "") -> QuerySet[Order]:
    """Orders without a fulfilment order: ``ready`` ones (every open line mapped and confirmed) or the
    waiting ones. Decided in SQL so the list pages like any other."""
    lines = OrderLine.objects.filter(_open_lines(), order=OuterRef("pk"))
    orders = Order.objects.filter(seller=seller, status__in=CANDIDATE_ORDER_STATUSES, fulfilment__isnull=True).annotate(
        has_open=Exists(lines), has_unmapped=Exists(lines.filter(sku_option__isnull=True)),
        has_new=Exists(lines.filter(status=LineStatus.NEW)),
    ).filter(has_open=True)
    if ready:
        orders = orders.filter(has_unmapped=False, has_new=False)
    else:
        orders = orders.filter(Q(has_unmapped=True) | Q(has_new=True))
    q = q.strip()
    if q:
        orders = orders.filter(Q(order_no__icontains=q) | Q(recipient_name__icontains=q)
                               | Q(reference_order_no__icontains=q))
    return orders.select_related("account").order_by("-instructed_at", "-id")


def sendable_page(*, seller: Seller, ready: bool, q: str, page: str | int | None) -> tuple[Page, list[Candidate]]:
    """A page of those orders, each with its lines and the reason it waits."""
    page_obj = Paginator(sendable_orders(seller=seller, ready=ready, q=q), PAGE_SIZE).get_page(page)
    ids = [order.pk for order in page_obj.object_list]
    by_id = {c.order.pk: c for c in candidates_load(seller_id=seller.pk, order_ids=ids)}
    return page_obj, [by_id[pk] for pk in ids if pk in by_id]


def sendable_counts(*, seller: Seller) -> dict[str, int]:
    return {"ready": sendable_orders(seller=seller, ready=True).count(),
            "waiting": sendable_orders(seller=seller, ready=False).count(),
            "sent": FulfilmentOrder.objects.filter(seller=seller).count()}


# --- Stock ----------------------------------------------------------------------------------------------

def option_skus_find(*, value: str, seller_id: int | None = None, limit: int = 20) -> list[OptionSku]:
    """Option SKUs whose Seller defined code or barcode is ``value`` (exact, case ignored); when none, those
    whose code, barcode, name or option values contain it."""
    value = value.strip()
    if not value:
        return []
    options = OptionSku.objects.select_related("sku", "seller")
    if seller_id:
        options = options.filter(seller_id=seller_id)
    exact = list(options.filter(Q(code_key=code_key(value)) | Q(barcode=value)).order_by("seller__name", "code")[:limit])
    if exact:
        return exact
    return list(options.filter(Q(code__icontains=value) | Q(barcode__icontains=value) | Q(sku__name__icontains=value)
                               | Q(option_values__icontains=value)).order_by("seller__name", "code")[:limit])


def option_sku_for_stock(*, option_id: int, seller_id: int | None = None) -> OptionSku:
    options = OptionSku.objects.select_related("sku", "seller")
    if seller_id:
        options = options.filter(seller_id=seller_id)
    return options.get(pk=option_id)


@dataclass(frozen=True)
class MovementFilters:
    seller_id: int | None = None
    option_id: int | None = None
    kind: str = ""


def movements_list(*, filters: MovementFilters) -> QuerySet[StockMovement]:
    rows = StockMovement.objects.select_related("option", "option__sku", "seller", "actor", "fulfilment",
                                                "fulfilment__order")
    if filters.seller_id:
        rows = rows.filter(seller_id=filters.seller_id)
    if filters.option_id:
        rows = rows.filter(option_id=filters.option_id)
    if filters.kind in StockMovement.Kind.values:
        rows = rows.filter(kind=filters.kind)
    return rows.order_by("-created_at", "-id")


def movements_page(*, filters: MovementFilters, page: str | int | None, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(movements_list(filters=filters), per_page).get_page(page)


def movements_recent(*, filters: MovementFilters, limit: int) -> list[StockMovement]:
    """The latest movements, without the page count a paginator asks for: QFC's Stock page shows a few of every
    seller's, and counting them all read the whole table (movements are never pruned) on every visit."""
    return list(movements_list(filters=filters)[:limit])


# --- Stock sync --------------------------------------------------------------------------------------------

def stock_push_failures(*, seller: Seller) -> QuerySet[StockPush]:
    """Options the sales site refused or that are not pushed (stock not managed there), newest first."""
    return (StockPush.objects.filter(seller=seller, state__in=[StockPush.State.FAILED, StockPush.State.SKIPPED])
            .exclude(code="not_linked").select_related("option", "option__sku", "account")
            .order_by("-failed_at", "-updated_at", "-id"))


def stock_push_states(*, seller: Seller) -> dict[int, dict[str, int]]:
    """Per account: how many linked options are pushed, waiting, refused and not pushed. An option pushed before
    whose stock changed since (``dirty``: its change not sent yet, e.g. while the connection failed) waits."""
    result: dict[int, dict[str, int]] = defaultdict(lambda: {s: 0 for s in StockPush.State.values})
    for account_id, state, dirty, count in (StockPush.objects.filter(seller=seller)
                                            .values_list("account_id", "state", "dirty")
                                            .annotate(n=Count("pk")).order_by()):
        waits = dirty and state == StockPush.State.SYNCED
        result[account_id][StockPush.State.PENDING if waits else state] += count
    return dict(result)


def stock_sync_runs(*, seller: Seller, limit: int = 10) -> list[StockSyncRun]:
    return list(StockSyncRun.objects.filter(seller=seller).select_related("account")[:limit])


def stock_pushes_of_option(*, seller: Seller, option_ids: list[int]) -> dict[int, list[StockPush]]:
    result: dict[int, list[StockPush]] = defaultdict(list)
    for push in StockPush.objects.filter(seller=seller, option_id__in=option_ids).select_related("account"):
        result[push.option_id].append(push)
    return result


def site_name(key: str) -> str:
    try:
        return registry.get(key).name
    except registry.UnknownSalesSite:
        return key
