"""Mapping order lines to option SKUs by seller code, and learning sales-site ids from mapped lines.

A line maps to the active option SKU whose Seller defined code equals the line's seller code: the
option code (LotteON ``eitmNo``) when the line has one, else the product code (``epdNo``); compared
after trimming, ignoring upper/lower case. Only open lines (New, Confirmed / Preparing) are mapped or
re-mapped; shipped and cancelled lines keep what they had.

Everything is set-based: a call costs a few queries per batch of lines whatever their number (one read
of the lines, one of the option SKUs, a bulk update, one event per order in one insert, a read and a
bulk write of links), because it runs inside the sync transaction that stored up to 10,000 lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.bulk import rows_update
from inventory.codes import code_key
from inventory.models import LinkStatus, OptionSku, SiteOptionLink
from orders.models import LineStatus, OrderEvent, OrderLine

OPEN_STATUSES = (LineStatus.NEW, LineStatus.CONFIRMED)
LINE_FIELDS = ("id", "order_id", "line_no", "seller_option_code", "seller_product_code", "sku_option_id",
               "site_product_id", "site_option_id", "order__account_id", "order__site")


@dataclass
class MappingResult:
    mapped: list[int] = field(default_factory=list)  # line ids that now point at an option SKU
    unmapped: list[int] = field(default_factory=list)  # line ids that lost their option SKU
    orders: set[int] = field(default_factory=set)  # orders with a change
    links_learned: int = 0

    @property
    def changed(self) -> int:
        return len(self.mapped) + len(self.unmapped)


@dataclass(frozen=True)
class _Line:
    id: int
    order_id: int
    line_no: str
    option_code: str
    product_code: str
    sku_option_id: int | None
    site_product_id: str
    site_option_id: str
    account_id: int | None
    site: str

    @property
    def key(self) -> str:
        """The comparable seller code: option code first, else product code."""
        return code_key(self.option_code) or code_key(self.product_code)


def chunked(values: Iterable, size: int | None = None) -> Iterator[list]:
    """Lists of at most ``size`` values, so ``IN (...)`` stays under the database's parameter limit."""
    size = size or max(100, min(10_000, (connection.features.max_query_params or 10_000) - 100))
    batch: list = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _lines(query: Q) -> list[_Line]:
    return [_Line(*row) for row in OrderLine.objects.filter(query).values_list(*LINE_FIELDS)]


def line_code_key(line: OrderLine) -> str:
    return code_key(line.seller_option_code) or code_key(line.seller_product_code)


@transaction.atomic
def lines_map(*, seller_id: int, line_ids: Iterable[int], fulfil: bool = True) -> MappingResult:
    """Map these lines (the open ones among them) to option SKUs; re-check lines already mapped. ``fulfil``:
    create the fulfilment orders the mapping completes (off: the caller does, after locking their stock)."""
    lines: list[_Line] = []
    for ids in chunked(sorted(set(line_ids))):
        lines.extend(_lines(Q(seller_id=seller_id, pk__in=ids, status__in=OPEN_STATUSES)))
    return _apply(seller_id=seller_id, lines=lines, fulfil=fulfil)


@transaction.atomic
def lines_remap(*, seller_id: int, option_ids: Iterable[int] | None = None) -> MappingResult:
    """After option SKUs were created, changed or reactivated: map the seller's waiting lines again.

    With ``option_ids``, only lines whose code is one of those options' codes, plus the open lines
    mapped to them (a changed code may no longer fit), are looked at; without, every waiting line.
    """
    query = Q(seller_id=seller_id, status__in=OPEN_STATUSES, sku_option__isnull=True)
    keys: set[str] | None = None
    if option_ids is not None:
        option_ids = list(set(option_ids))
        if not option_ids:
            return MappingResult()
        keys = set()
        for ids in chunked(option_ids):
            keys.update(OptionSku.objects.filter(seller_id=seller_id, pk__in=ids).values_list("code_key", flat=True))
    lines = [line for line in _lines(query) if line.key and (keys is None or line.key in keys)]
    if option_ids is not None:
        for ids in chunked(option_ids):
            lines.extend(_lines(Q(seller_id=seller_id, status__in=OPEN_STATUSES, sku_option_id__in=ids)))
    return _apply(seller_id=seller_id, lines=lines)


def remap_lines_lock(*, seller_id: int, sku_ids: Iterable[int] = ()) -> None:
    """Lock, in id order, the order lines a re-mapping in this transaction may write: the seller's open lines
    without an option SKU, and those mapped to an option of ``sku_ids``. One query.

    Taken first by the SKU writers (docs/orders.md, "Lock order"): they lock SKUs and option SKUs and then map
    lines, whose orders go on to fulfilment orders and stock. Print Waybill or Send to fulfilment, holding a
    waiting line of theirs and wanting an option SKU the writer held, deadlocked with them."""
    query = Q(sku_option__isnull=True)
    sku_ids = sorted(set(sku_ids))
    if sku_ids:
        query |= Q(sku_option__sku_id__in=sku_ids)
    list(OrderLine.objects.select_for_update(of=("self",)).filter(query, seller_id=seller_id, status__in=OPEN_STATUSES)
         .order_by("pk").values_list("pk", flat=True))


def _apply(*, seller_id: int, lines: list[_Line], fulfil: bool = True) -> MappingResult:
    result = MappingResult()
    if not lines:
        return result
    # The candidates by code, and the options lines point at now (to see whether they still fit).
    keys = {line.key for line in lines if line.key}
    current_ids = {line.sku_option_id for line in lines if line.sku_option_id}
    options: dict[int, tuple[str, bool, str]] = {}  # id -> (code_key, usable, code)
    by_key: dict[str, int] = {}
    queries = [Q(code_key__in=batch) for batch in chunked(keys)] + [Q(pk__in=batch) for batch in chunked(current_ids)]
    for query in queries:
        for pk, key, code, active, sku_active in OptionSku.objects.filter(query, seller_id=seller_id).values_list(
            "pk", "code_key", "code", "is_active", "sku__is_active"
        ):
            usable = active and sku_active
            options[pk] = (key, usable, code)
            if usable:
                by_key[key] = pk

    now = timezone.now()
    changed: dict[int, int | None] = {}  # line id -> option id (None: no SKU any more)
    mapped_by_order: dict[int, list[tuple[str, str]]] = defaultdict(list)
    unmapped_by_order: dict[int, list[str]] = defaultdict(list)
    final: dict[int, int] = {}  # line id -> option id, for lines mapped after this call
    for line in lines:
        current = options.get(line.sku_option_id) if line.sku_option_id else None
        if current is not None and current[0] == line.key:
            final[line.id] = line.sku_option_id  # still fits (even if deactivated since: it stays)
            continue
        target = by_key.get(line.key) if line.key else None
        if target == line.sku_option_id:
            continue
        changed[line.id] = target
        if target is None:
            result.unmapped.append(line.id)
            unmapped_by_order[line.order_id].append(line.line_no)
        else:
            final[line.id] = target
            result.mapped.append(line.id)
            mapped_by_order[line.order_id].append((line.line_no, options[target][2]))
        result.orders.add(line.order_id)

    _set_options(changed, now)
    OrderEvent.objects.bulk_create(
        [_event(seller_id, order_id, mapped_by_order.get(order_id, []), unmapped_by_order.get(order_id, []))
         for order_id in sorted(result.orders)],
        batch_size=1000,
    )
    result.links_learned = _learn_links(seller_id=seller_id, lines=lines, final=final, now=now)
    if result.mapped and fulfil:
        # A fixed code may complete an order waiting for fulfilment (Automatic Fulfillment Shipping Instructions).
        from inventory.services.fulfilment import fulfilment_orders_auto

        fulfilment_orders_auto(seller_id=seller_id, order_ids=result.orders)
    return result


def _set_options(assignments: dict[int, int | None], now) -> None:
    """Point lines at option SKUs with one plain ``UPDATE … CASE`` per batch (``core/bulk.py``)."""
    mapped = {line_id: option_id for line_id, option_id in assignments.items() if option_id is not None}
    rows_update(OrderLine, ids=list(mapped), values={"sku_option": mapped}, constants={"updated_at": now})
    for batch in chunked([line_id for line_id, option_id in assignments.items() if option_id is None]):
        OrderLine.objects.filter(pk__in=batch).update(sku_option=None, updated_at=now)


def _event(seller_id: int, order_id: int, mapped: list[tuple[str, str]], unmapped: list[str]) -> OrderEvent:
    parts = []
    if mapped:
        parts.append("Mapped to SKU: " + ", ".join(f"line {no} → {code}" for no, code in mapped))
    if unmapped:
        parts.append("No SKU any more (its Seller defined code changed): line " + ", ".join(unmapped))
    message = "; ".join(parts)
    return OrderEvent(
        order_id=order_id, seller_id=seller_id, kind=OrderEvent.Kind.MAPPED,
        message=message if len(message) <= 500 else message[:497] + "…",
        details={"mapped": dict(mapped), "unmapped": unmapped},
    )


def _learn_links(*, seller_id: int, lines: list[_Line], final: dict[int, int], now) -> int:
    """A mapped line from a sales-site account carries the site's product and option ids (LotteON
    spdNo/sitmNo): they fill a missing link of its option SKU. They never overwrite a linked row;
    the product lookup (Check LotteON link) is the authority for those."""
    seen: dict[tuple[int, int], _Line] = {}
    for line in sorted(lines, key=lambda item: item.id):  # the newest line wins
        option_id = final.get(line.id)
        if option_id and line.account_id and line.site_product_id and line.site_option_id:
            seen[(option_id, line.account_id)] = line
    if not seen:
        return 0
    existing: dict[tuple[int, int], SiteOptionLink] = {}
    for batch in chunked(sorted({option_id for option_id, _ in seen})):
        for link in SiteOptionLink.objects.filter(option_id__in=batch, account_id__in={a for _, a in seen}):
            existing[(link.option_id, link.account_id)] = link
    create, update = [], []
    for (option_id, account_id), line in seen.items():
        link = existing.get((option_id, account_id))
        values = {"site": line.site, "site_product_id": line.site_product_id, "site_option_id": line.site_option_id,
                  "status": LinkStatus.LINKED, "source": SiteOptionLink.Source.ORDER, "checked_at": now,
                  "message": f"Learned from order line {line.line_no}"}
        if link is None:
            create.append(SiteOptionLink(option_id=option_id, seller_id=seller_id, account_id=account_id, **values))
        elif link.status != LinkStatus.LINKED:
            for name, value in values.items():
                setattr(link, name, value)
            link.updated_at = now
            update.append(link)
    SiteOptionLink.objects.bulk_create(create, batch_size=500)
    SiteOptionLink.objects.bulk_update(update, ["site", "site_product_id", "site_option_id", "status", "source",
                                                "checked_at", "message", "updated_at"], batch_size=500)
    return len(create) + len(update)
