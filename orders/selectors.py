"""Reading orders: the Orders list (filters, search, sort, counts per status tab), one order, export rows.

Every function takes the seller and filters by it first, so another seller's rows never come back.

The list is built to cost the same number of queries whatever the number of orders: one aggregate for
the tab counts (which also gives the paginator its count), one query for the page, one for the lines
of that page. The search matches ``Order.search_text``, which already holds the lines' names and codes,
so an order with many matching lines is listed once and no line is read to search.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    Func,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from orders.models import (
    ON_HOLD,
    ConfirmState,
    LineStatus,
    Order,
    OrderEvent,
    OrderExport,
    OrderLine,
    OrderStatus,
)
from orders.services.search import search_q
from sellers.models import Seller

PAGE_SIZE = 50
# A search counts the matching orders of a tab up to this many and says "1,000+" beyond (docs/orders.md):
# an exact count of a broad search reads every match, while the page needs only 50 of them.
COUNT_LIMIT = 1000
ATTENTION = "attention"
MANUAL = "manual"
# The tabs of the Orders list, in the order shown; "" is All.
STATUS_TABS: tuple[tuple[str, str], ...] = (
    (OrderStatus.NEW, "New"),
    (OrderStatus.CONFIRMED, "Confirmed / Preparing"),
    (OrderStatus.READY, "Ready to ship"),
    (OrderStatus.SHIPPED, "Shipped"),
    (OrderStatus.CANCELLED, "Cancelled"),
    (ATTENTION, "Needs attention"),
    ("", "All"),
)
# Sortable columns: the public name (query parameter) -> the model field.
SORT_FIELDS: dict[str, str] = {
    "instructed_at": "instructed_at",
    "order_no": "order_no",
    "recipient_name": "recipient_name",
    "status": "status",
    "total_amount": "total_amount",
    "updated_at": "updated_at",
}
ORDERINGS: tuple[str, ...] = tuple(name for key in SORT_FIELDS for name in (key, f"-{key}"))
DEFAULT_ORDERING = "-instructed_at"
# Workflow order for sorting by status (alphabetical order of the stored values means nothing).
STATUS_RANK = {status: rank for rank, status in enumerate(
    [OrderStatus.NEW, OrderStatus.CONFIRMED, OrderStatus.READY, OrderStatus.SHIPPED, OrderStatus.CANCELLED])}
# What the list page reads of an order and of its lines; the rest (addresses, raw payloads) stays in the database.
LIST_ORDER_FIELDS = (
    "id", "seller_id", "account_id", "site", "source", "order_no", "reference_order_no", "status",
    "needs_attention", "attention_reason", "recipient_name", "recipient_mobile", "recipient_phone",
    "instructed_at", "created_at", "total_quantity", "total_amount",
    "account__id", "account__site", "account__shop_id",
)
LIST_LINE_FIELDS = ("id", "order_id", "line_no", "process_seq", "product_name", "option_name", "quantity", "status")


@dataclass(frozen=True)
class OrderFilters:
    """What the seller narrowed the list to. Dates are KST calendar days, both ends included."""

    status: str = ""  # an OrderStatus value, "attention", or "" for all
    account_id: int | None = None
    manual: bool = False  # only manual shipping orders (they have no account)
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    ordering: str = DEFAULT_ORDERING
    # Only orders that changed at or after this moment, themselves or any of their lines (REST API polling).
    updated_since: datetime | None = None

    @property
    def narrowed(self) -> bool:
        """Anything besides the tab and the sort: an empty result then means "nothing matches", not "no orders"."""
        return bool(self.account_id or self.manual or self.date_from or self.date_to or self.q.strip()
                    or self.updated_since)


@dataclass
class OrderListPage:
    page: Page
    # tab value -> number of orders; above COUNT_LIMIT: more than that; None: not counted
    counts: dict[str, int | None] = field(default_factory=dict)


# --- Building blocks ----------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _narrowed(*, seller: Seller, filters: OrderFilters, common: bool = False) -> QuerySet[Order]:
    """The seller's orders with every filter except the status tab applied.

    ``common``: the search is known to match more orders than COUNT_LIMIT (see ``search_q``)."""
    orders = Order.objects.filter(seller=seller)
    if filters.manual:
        orders = orders.filter(source=Order.Source.MANUAL)
    elif filters.account_id:
        orders = orders.filter(account_id=filters.account_id)
    if filters.date_from or filters.date_to:
        # The order time is the delivery instruction time (manual shipping orders store their creation
        # time there); an order without one falls back to when SmartShip created it.
        instructed, created = Q(), Q(instructed_at__isnull=True)
        if filters.date_from:
            start = _day_start(filters.date_from)
            instructed &= Q(instructed_at__gte=start)
            created &= Q(created_at__gte=start)
        if filters.date_to:
            end = _day_start(filters.date_to + timedelta(days=1))
            instructed &= Q(instructed_at__lt=end)
            created &= Q(created_at__lt=end)
        orders = orders.filter(instructed | created)
    if filters.updated_since:
        # A line can change without its order (mapped to a SKU, a confirmation error): both tables are
        # read through their (seller, updated_at) index and the ids joined, which stays a range read
        # however many orders the seller has.
        since = filters.updated_since
        changed = Order.objects.filter(seller=seller, updated_at__gte=since).order_by().values("id").union(
            OrderLine.objects.filter(seller=seller, updated_at__gte=since).order_by().values("order_id"))
        orders = orders.filter(pk__in=changed)
    if filters.q.strip():
        # One normalised column looked up through a trigram index (orders/services/search.py).
        orders = orders.filter(search_q(filters.q, seller_id=seller.pk, common=common))
    return orders


def _needs_attention() -> Q:
    # "IN (true)" rather than "= true": Django renders the latter as a bare column, which SQLite cannot
    # seek in the (seller, needs_attention) index; as an equality it reads only the flagged rows.
    return Q(needs_attention__in=[True])


def _status_q(status: str) -> Q:
    if status == ATTENTION:
        return _needs_attention()
    if status:
        return Q(status=status)
    return Q()


def _scalar_count(queryset: QuerySet) -> Subquery:
    # COUNT(*) as a plain function, so Django adds no GROUP BY to the subquery.
    return Subquery(queryset.order_by().annotate(n=Func(template="COUNT(*)", output_field=IntegerField()))
                    .values("n"), output_field=IntegerField())


def _ordering(ordering: str) -> list:
    name = ordering if ordering in ORDERINGS else DEFAULT_ORDERING
    descending = name.startswith("-")
    column = SORT_FIELDS[name.lstrip("-")]
    if column == "status":
        expression = Case(*(When(status=s, then=Value(rank)) for s, rank in STATUS_RANK.items()),
                          default=Value(len(STATUS_RANK)), output_field=IntegerField())
    else:
        expression = F(column)
    # The id breaks ties in the same direction, so a page boundary never repeats or skips an order.
    if descending:
        return [expression.desc(), F("id").desc()]
    return [expression.asc(), F("id").asc()]


# --- The Orders list ----------------------------------------------------------------------------------


def order_list(*, seller: Seller, filters: OrderFilters, common: bool = False) -> QuerySet[Order]:
    """The seller's orders for the tab, filters, search and sort (no related rows loaded)."""
    return _narrowed(seller=seller, filters=filters, common=common).filter(_status_q(filters.status)).order_by(
        *_ordering(filters.ordering))


def _search_counts(*, seller: Seller, filters: OrderFilters, statuses: list[str]) -> dict[str, int | None]:
    """Tab counts of a search, reading at most COUNT_LIMIT + 1 matching orders per tab counted.

    One statement: the tabs are counted over the first COUNT_LIMIT + 1 matches found (in whatever order
    the index yields them). At most COUNT_LIMIT matches: every count is exact. More: All is
    COUNT_LIMIT + 1 ("1,000+"), the other tabs are unknown (None) except the open one, which is then
    counted on its own, again up to COUNT_LIMIT + 1, so its pages can be numbered. That second count
    sits in a CASE and so costs nothing unless the first one hit the limit.
    """
    sample = _narrowed(seller=seller, filters=filters).order_by().values("status", "needs_attention")
    sample_sql, sample_params = sample[:COUNT_LIMIT + 1].query.sql_with_params()
    columns = ["COUNT(*) FILTER (WHERE sample.status = %s)"] * len(statuses)
    columns += ["COUNT(*) FILTER (WHERE sample.needs_attention = %s)", "COUNT(*)"]
    params: list = [*statuses, True]
    if filters.status:
        tab = _narrowed(seller=seller, filters=filters, common=True).filter(_status_q(filters.status))
        tab_sql, tab_params = tab.order_by().values("id")[:COUNT_LIMIT + 1].query.sql_with_params()
        columns.append(f"CASE WHEN COUNT(*) > {COUNT_LIMIT} THEN (SELECT COUNT(*) FROM ({tab_sql}) tab) END")  # noqa: S608 - as below
        params.extend(tab_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM ({sample_sql}) sample",  # noqa: S608 - SQL compiled by Django, values as parameters
                       [*params, *sample_params])
        row = cursor.fetchone()
    total = row[len(statuses) + 1]
    if total <= COUNT_LIMIT:
        counts: dict[str, int | None] = dict(zip(statuses, row, strict=False))
        counts[ATTENTION] = row[len(statuses)]
        counts[""] = total
        return counts
    counts = {status: None for status in [*statuses, ATTENTION]}
    counts[""] = total
    if filters.status:
        counts[filters.status] = row[-1]
    return counts


def order_status_counts(*, seller: Seller, filters: OrderFilters) -> dict[str, int | None]:
    """Orders per tab under the current filters (all but the tab itself), in one aggregate query.

    With a search, counts stop at COUNT_LIMIT: a count above it means "more than COUNT_LIMIT", and None
    a tab that was not counted (``_search_counts``)."""
    statuses = [status for status, _ in STATUS_TABS if status and status != ATTENTION]
    if filters.q.strip():
        return _search_counts(seller=seller, filters=filters, statuses=statuses)
    orders = _narrowed(seller=seller, filters=filters).order_by()
    if filters.narrowed:
        # A filter reads the order rows anyway: count every tab in that same single pass.
        aggregates = {f"count_{status}": Count("id", filter=Q(status=status)) for status in statuses}
        aggregates["count_attention"] = Count("id", filter=_needs_attention())
        row = orders.aggregate(**aggregates)
        counts = {status: row[f"count_{status}"] or 0 for status in statuses}
        counts[ATTENTION] = row["count_attention"] or 0
    else:
        # No filter: one statement of scalar COUNT(*)s, each a seek into an index range of
        # (seller, status, time) or (seller, needs_attention). SQLite counts such a range without
        # decoding a row; grouping 100,000 index entries by status took twice as long.
        tabs = {status: orders.filter(status=status) for status in statuses}
        tabs[ATTENTION] = orders.filter(_needs_attention())
        row = Seller.objects.filter(pk=seller.pk).values(
            **{f"count_{key}": _scalar_count(queryset) for key, queryset in tabs.items()}).get()
        counts = {key: row[f"count_{key}"] or 0 for key in tabs}
    counts[""] = sum(counts[status] for status in statuses)
    return counts


def order_list_page(*, seller: Seller, filters: OrderFilters, page_number, per_page: int = PAGE_SIZE) -> OrderListPage:
    """One page of the list with its lines and the tab counts: the same few queries for 10 or 100,000 orders."""
    counts = order_status_counts(seller=seller, filters=filters)
    common = bool(filters.q.strip()) and (counts.get("") or 0) > COUNT_LIMIT
    orders = order_list(seller=seller, filters=filters, common=common).select_related("account").only(
        *LIST_ORDER_FIELDS)
    orders = orders.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.only(*LIST_LINE_FIELDS).order_by("line_no", "process_seq", "id"))
    )
    paginator = Paginator(orders, per_page)
    # The tab count is the number of rows the page query can return: no separate COUNT(*), and an
    # empty tab or search costs no page query at all (an empty slice is not sent to the database).
    paginator.count = counts.get(filters.status) or 0
    if common:
        # A search beyond COUNT_LIMIT lists its first COUNT_LIMIT orders (20 pages); narrowing shows the rest.
        paginator.count = min(paginator.count, COUNT_LIMIT)
    return OrderListPage(page=paginator.get_page(page_number), counts=counts)


def order_search_matches(*, seller: Seller, filters: OrderFilters) -> int:
    """How many orders a search finds under the filters and tab, counted up to COUNT_LIMIT + 1 (in
    whatever order the index yields them): more than COUNT_LIMIT means "more than COUNT_LIMIT"."""
    return order_list(seller=seller, filters=filters).order_by()[:COUNT_LIMIT + 1].count()


def order_list_with_lines(*, seller: Seller, filters: OrderFilters, common: bool = False) -> QuerySet[Order]:
    """The list for the REST API: each page loads its lines in one extra query. ``common``: the search
    matches more than COUNT_LIMIT orders (``order_search_matches``)."""
    return order_list(seller=seller, filters=filters, common=common).select_related("account").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.defer("raw").order_by("line_no", "process_seq", "id"))
    )


# --- One order ----------------------------------------------------------------------------------------


def order_get(*, seller: Seller, order_id: int) -> Order:
    """The seller's order; another seller's id raises DoesNotExist exactly like a missing one."""
    return Order.objects.select_related("account", "manual_duplicate").get(seller=seller, pk=order_id)


def order_pulled_duplicates(*, order: Order) -> list[Order]:
    """Pulled orders held because this manual shipping order stands for the same sale."""
    if order.source != Order.Source.MANUAL:
        return []
    return list(Order.objects.filter(seller_id=order.seller_id, manual_duplicate=order).only("pk", "order_no")
                .order_by("pk"))


def order_lines(*, order: Order) -> list[OrderLine]:
    return list(order.lines.select_related("sku_option__sku").order_by("line_no", "process_seq", "id"))


def orders_on_hold(*, order_ids: Iterable[int]) -> list[int]:
    """Those of these orders with a line the buyer asked to cancel, waiting for the seller's answer at the sales
    site (``ON_HOLD``): nothing of them is printed or shipped."""
    return list(OrderLine.objects.filter(ON_HOLD, order_id__in=list(order_ids)).values_list(
        "order_id", flat=True).distinct())


def order_confirm_failures(*, seller: Seller, order_ids: Iterable[int]) -> list[dict]:
    """The lines of these orders still waiting for confirmation with a reason: refused by the sales site, or
    sent without an answer (``ConfirmState.UNKNOWN``)."""
    return list(OrderLine.objects.filter(
        seller=seller, order_id__in=list(order_ids), status=LineStatus.NEW,
        confirm_state__in=[ConfirmState.FAILED, ConfirmState.UNKNOWN],
    ).order_by("order_id", "line_no", "process_seq", "id").values(
        "order_id", "id", "line_no", "confirm_state", "confirm_error", order_no=F("order__order_no")))


def order_events(*, order: Order) -> QuerySet[OrderEvent]:
    """The timeline, oldest first, with who did it."""
    return order.events.select_related("actor", "line").order_by("created_at", "id")


# --- Export -------------------------------------------------------------------------------------------


def order_filters_to_json(filters: OrderFilters) -> dict:
    """The selection as JSON, for a job that reads it later (an export prepared in the background)."""
    data = asdict(filters)
    for name in ("date_from", "date_to"):
        data[name] = data[name].isoformat() if data[name] else None
    return data


def order_filters_from_json(data: dict) -> OrderFilters:
    values = {name: data[name] for name in OrderFilters.__dataclass_fields__ if name in data}
    for name in ("date_from", "date_to"):
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    return OrderFilters(**values)


def order_export_get(*, seller: Seller, export_id: int, with_file: bool = False) -> OrderExport:
    """One of the seller's exports; its file (up to tens of MB) only when it is to be sent."""
    exports = OrderExport.objects.filter(seller=seller).select_related("created_by")
    return (exports if with_file else exports.defer("content")).get(pk=export_id)


def order_export_list(*, seller: Seller, limit: int = 5) -> list[OrderExport]:
    """The seller's latest exports prepared in the background, without their files."""
    return list(OrderExport.objects.filter(seller=seller).defer("content").select_related("created_by")[:limit])


def order_export_size(*, seller: Seller, filters: OrderFilters) -> int:
    """How many lines an export of the selection writes (an order without lines is one row too)."""
    # One join, not a subquery: the SQLite search condition names the orders table, which a subquery aliases.
    counts = order_list(seller=seller, filters=filters).order_by().aggregate(
        line_rows=Count("lines"), bare_rows=Count("pk", filter=Q(lines__isnull=True)))
    return counts["line_rows"] + counts["bare_rows"]


EXPORT_ORDER_FIELDS = (
    "id", "order_no", "reference_order_no", "site", "source", "account_id", "account__shop_id", "status",
    "needs_attention", "attention_reason", "ordered_at", "instructed_at", "created_at", "orderer_name",
    "orderer_mobile", "orderer_phone", "recipient_name", "recipient_mobile", "recipient_phone", "zip_code",
    "address", "address_detail", "delivery_message",
)
EXPORT_LINE_FIELDS = (
    "id", "order_id", "line_no", "status", "confirm_state", "product_name", "option_name", "seller_product_code",
    "seller_option_code", "site_product_id", "site_option_id", "quantity", "cancelled_quantity", "unit_price",
    "amount", "shipping_fee",
)


def order_export_rows(*, seller: Seller, filters: OrderFilters, chunk_size: int = 1000
                      ) -> Iterator[tuple[dict, dict | None]]:
    """Every (order, line) of the selection as plain values (``EXPORT_*_FIELDS``), all pages, in list
    order; an order without lines comes once with None. Two queries per chunk of orders, and no model
    instances: an export reads every line of the selection, 150,000 for a large seller's All tab."""
    orders = order_list(seller=seller, filters=filters).values(*EXPORT_ORDER_FIELDS)
    chunk: list[dict] = []
    for order in orders.iterator(chunk_size=chunk_size):
        chunk.append(order)
        if len(chunk) == chunk_size:
            yield from _with_lines(chunk)
            chunk = []
    yield from _with_lines(chunk)


def _with_lines(orders: list[dict]) -> Iterator[tuple[dict, dict | None]]:
    lines: dict[int, list[dict]] = {}
    for line in OrderLine.objects.filter(order_id__in=[order["id"] for order in orders]).order_by(
            "order_id", "line_no", "process_seq", "id").values(*EXPORT_LINE_FIELDS):
        lines.setdefault(line["order_id"], []).append(line)
    for order in orders:
        for line in lines.get(order["id"]) or (None,):
            yield order, line
