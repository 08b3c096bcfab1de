"""Reading SKUs, their stock and links, waiting order lines (Needs mapping), import jobs, export rows.

Every function takes the seller and filters by it first, so another seller's rows never come back
(a foreign id raises DoesNotExist exactly like a missing one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from integrations import registry
from inventory.codes import code_key
from inventory.models import LinkCheck, LinkStatus, OptionSku, SiteOptionLink, Sku, SkuImport, SkuKind
from inventory.services.links import link_accounts
from inventory.services.mapping import OPEN_STATUSES, chunked
from orders.models import OrderLine
from sellers.models import Seller

PAGE_SIZE = 50
STATUS_CHOICES = (("active", "Active"), ("inactive", "Inactive"), ("all", "All"))
LINK_CHOICES = (("linked", "Linked"), ("unlinked", "Not linked"))


@dataclass(frozen=True)
class SkuFilters:
    q: str = ""
    status: str = "active"  # active | inactive | all
    kind: str = ""  # single | multi | "" (both)
    link: str = ""  # linked | unlinked | "" (both)

    @property
    def narrowed(self) -> bool:
        return bool(self.q.strip() or self.kind or self.link or self.status != "active")


def _linked_option() -> Exists:
    return Exists(SiteOptionLink.objects.filter(option=OuterRef("pk"), status=LinkStatus.LINKED))


def sku_list(*, seller: Seller, filters: SkuFilters = SkuFilters()) -> QuerySet[Sku]:
    skus = Sku.objects.filter(seller=seller)
    if filters.status == "active":
        skus = skus.filter(is_active=True)
    elif filters.status == "inactive":
        skus = skus.filter(is_active=False)
    if filters.kind in SkuKind.values:
        skus = skus.filter(kind=filters.kind)
    q = filters.q.strip()
    if q:
        matching = OptionSku.objects.filter(seller=seller).filter(
            Q(code__icontains=q) | Q(barcode__icontains=q) | Q(option_values__icontains=q)).values("sku_id")
        skus = skus.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(pk__in=matching))
    if filters.link in ("linked", "unlinked"):
        unlinked_option = OptionSku.objects.filter(sku=OuterRef("pk"), is_active=True).exclude(_linked_option())
        active_option = OptionSku.objects.filter(sku=OuterRef("pk"), is_active=True)
        linked = Q(Exists(active_option)) & ~Q(Exists(unlinked_option))
        skus = skus.filter(linked if filters.link == "linked" else ~linked)
    return skus.order_by("name", "id")


@dataclass
class LinkSummary:
    state: str  # linked | partial | problem | unchecked | no_account
    label: str
    detail: str = ""

    @property
    def css(self) -> str:
        return {"linked": "badge-ok", "partial": "badge-warning", "problem": "badge-failed",
                "no_account": "badge-warning"}.get(self.state, "")


def _site_names(accounts) -> str:
    names = []
    for account in accounts:
        try:
            name = registry.get(account.site).name
        except registry.UnknownSalesSite:
            name = account.site
        if name not in names:
            names.append(name)
    return " / ".join(names) or "Sales site"


def link_summary(options: list[OptionSku], accounts: list, site_name: str) -> LinkSummary:
    """One SKU's link state from its options' link rows (``option.links`` prefetched)."""
    if not accounts:
        return LinkSummary("no_account", "No sales-site account",
                           "Register your LotteON account in Sales Site API to link SKUs.")
    active = [option for option in options if option.is_active] or options
    linked = [option for option in active if any(link.is_linked for link in option.links)]
    if active and len(linked) == len(active):
        return LinkSummary("linked", f"{site_name} product / option linked")
    problems = [link for option in active for link in option.links if not link.is_linked]
    if linked:
        detail = problems[0].message if problems else "Check the link to look the others up."
        return LinkSummary("partial", f"{len(linked)} of {len(active)} options linked", detail)
    if problems:
        return LinkSummary("problem", problems[0].get_status_display(), problems[0].message)
    return LinkSummary("unchecked", "Not linked yet",
                       "Check LotteON link to look it up, or it links itself with the first order.")


def _decorate(skus: list[Sku], seller: Seller) -> None:
    accounts = link_accounts(seller=seller)
    site_name = _site_names(accounts)
    for sku in skus:
        options = list(sku.options.all())
        active = [option for option in options if option.is_active] or options
        sku.option_list = options
        sku.on_hand = sum(option.on_hand for option in active)
        sku.reserved = sum(option.reserved for option in active)
        # Per option: one option's surplus does not ship another option's orders.
        sku.available = sum(option.available for option in active)
        sku.short = sum(option.short for option in active)
        sku.link = link_summary(options, accounts, site_name)
        sku.active_option_count = sum(1 for option in options if option.is_active)


def _with_options(skus: QuerySet[Sku]) -> QuerySet[Sku]:
    links = Prefetch("site_links", queryset=SiteOptionLink.objects.order_by("account_id"), to_attr="links")
    return skus.prefetch_related(Prefetch("options", queryset=OptionSku.objects.order_by("position", "id")
                                          .prefetch_related(links)))


def sku_list_page(*, seller: Seller, filters: SkuFilters, page: str | int | None, per_page: int = PAGE_SIZE) -> Page:
    """One page of the SKU list with options, stock totals (active options) and link state."""
    paginator = Paginator(sku_list(seller=seller, filters=filters).values_list("pk", flat=True), per_page)
    result = paginator.get_page(page)
    result.object_list = skus_by_ids(seller=seller, sku_ids=list(result.object_list))
    return result


def skus_by_ids(*, seller: Seller, sku_ids: list[int]) -> list[Sku]:
    """These SKUs of the seller, in this order, with options, stock totals and link state (a few queries)."""
    skus = {sku.pk: sku for sku in _with_options(Sku.objects.filter(seller=seller, pk__in=sku_ids))}
    ordered = [skus[pk] for pk in sku_ids if pk in skus]
    _decorate(ordered, seller)
    return ordered


def sku_counts(*, seller: Seller) -> dict[str, int]:
    return Sku.objects.filter(seller=seller).aggregate(
        active=Count("pk", filter=Q(is_active=True)), inactive=Count("pk", filter=Q(is_active=False)))


def sku_get(*, seller: Seller, sku_id: int) -> Sku:
    return Sku.objects.get(seller=seller, pk=sku_id)


def sku_detail(*, seller: Seller, sku_id: int) -> Sku:
    """A SKU with its options, each with its links and mapped-line counts."""
    sku = _with_options(Sku.objects.filter(seller=seller, pk=sku_id)).get()
    _decorate([sku], seller)
    counts = {
        row["sku_option_id"]: row for row in OrderLine.objects.filter(seller=seller, sku_option__sku=sku)
        .values("sku_option_id").annotate(total=Count("pk"), open=Count("pk", filter=Q(status__in=OPEN_STATUSES)))
    }
    accounts = {account.pk: account for account in link_accounts(seller=seller)}
    for option in sku.option_list:
        row = counts.get(option.pk, {})
        option.lines_total, option.lines_open = row.get("total", 0), row.get("open", 0)
        for link in option.links:
            link.account_obj = accounts.get(link.account_id)
    sku.lines_total = sum(option.lines_total for option in sku.option_list)
    sku.lines_open = sum(option.lines_open for option in sku.option_list)
    sku.accounts = list(accounts.values())
    # The pages name the seller's own sites (links are per site), not one marketplace.
    sku.site_name = _site_names(sku.accounts) if sku.accounts else "sales-site"
    return sku


def link_site_name(*, seller: Seller) -> str:
    """The names of the seller's sites whose products SKUs link to ("LotteON"), or "sales-site" with none."""
    accounts = link_accounts(seller=seller)
    return _site_names(accounts) if accounts else "sales-site"


def sku_recent_lines(*, seller: Seller, sku: Sku, limit: int = 10) -> list[OrderLine]:
    return list(OrderLine.objects.filter(seller=seller, sku_option__sku=sku).select_related("order", "sku_option")
                .order_by("-id")[:limit])


def option_sku_get(*, seller: Seller, option_id: int) -> OptionSku:
    return OptionSku.objects.select_related("sku").get(seller=seller, pk=option_id)


def option_sku_search(*, seller: Seller, q: str, limit: int = 30) -> list[OptionSku]:
    """Active option SKUs to pick from (Needs mapping ▸ Pick SKU): by code, name, option values or barcode,
    each with ``open_lines``, the open order lines its current code maps (they lose it if the code changes)."""
    options = (OptionSku.objects.filter(seller=seller, is_active=True, sku__is_active=True).select_related("sku")
               .annotate(open_lines=Count("order_lines", filter=Q(order_lines__status__in=OPEN_STATUSES))))
    q = q.strip()
    if q:
        options = options.filter(Q(code__icontains=q) | Q(sku__name__icontains=q) | Q(option_values__icontains=q)
                                 | Q(barcode__icontains=q))
    return list(options.order_by("sku__name", "position", "id")[:limit])


# --- Needs mapping -------------------------------------------------------------------------------

@dataclass
class NeedsMappingGroup:
    """Open order lines waiting for one seller code."""

    key: str
    code: str  # the code to give a SKU: the option code, else the product code
    is_product_code: bool  # the lines have no option code: single products (LotteON epdNo)
    product_code: str  # the lines' product code (epdNo), for context and for Create SKU
    product_name: str
    option_name: str
    lines: int = 0
    orders: int = 0
    quantity: int = 0
    first_at: datetime | None = None
    site: str = ""
    inactive_match: OptionSku | None = None  # an inactive option SKU already has this code
    product_sku: Sku | None = None  # a multi-option SKU with the lines' product code: add the option there
    siblings: list[tuple[str, str]] = field(default_factory=list)  # other waiting option codes of the product


def needs_mapping_groups(*, seller: Seller, q: str = "") -> list[NeedsMappingGroup]:
    """Unmapped open lines grouped by their seller code, most lines first. Lines with no code at all
    form one group with an empty key (nothing can map them until the sales site has a code)."""
    rows = (OrderLine.objects.filter(seller=seller, sku_option__isnull=True, status__in=OPEN_STATUSES)
            .values("seller_option_code", "seller_product_code")
            .annotate(lines=Count("pk"), orders=Count("order_id", distinct=True), quantity=Sum("quantity"),
                      product_name=Max("product_name"), option_name=Max("option_name"), first_at=Min("created_at"),
                      site=Max("order__site")))
    groups: dict[str, NeedsMappingGroup] = {}
    for row in rows:
        option_code, product_code = row["seller_option_code"].strip(), row["seller_product_code"].strip()
        key = code_key(option_code) or code_key(product_code)
        group = groups.get(key)
        if group is None:
            group = groups[key] = NeedsMappingGroup(
                key=key, code=option_code or product_code, is_product_code=not option_code,
                product_code=product_code, product_name=row["product_name"], option_name=row["option_name"],
                site=row["site"] or "")
        group.lines += row["lines"]
        group.orders += row["orders"]
        group.quantity += row["quantity"] or 0
        if row["first_at"] and (group.first_at is None or row["first_at"] < group.first_at):
            group.first_at = row["first_at"]
    result = list(groups.values())
    q = q.strip().lower()
    if q:
        result = [g for g in result if q in g.code.lower() or q in g.product_code.lower()
                  or q in g.product_name.lower() or q in g.option_name.lower()]
    _suggest(seller, result)
    result.sort(key=lambda g: (g.key == "", -g.lines, g.code))
    return result


def _suggest(seller: Seller, groups: list[NeedsMappingGroup]) -> None:
    keys = {g.key for g in groups if g.key}
    products = {code_key(g.product_code) for g in groups if g.product_code and not g.is_product_code}
    inactive = {o.code_key: o for o in OptionSku.objects.filter(seller=seller, code_key__in=list(keys))
                .select_related("sku")} if keys else {}
    skus = {s.code_key: s for s in Sku.objects.filter(seller=seller, kind=SkuKind.MULTI,
                                                        code_key__in=list(products))} if products else {}
    by_product: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for g in groups:
        if g.product_code and not g.is_product_code:
            by_product[code_key(g.product_code)].append((g.code, g.option_name))
    for g in groups:
        g.inactive_match = inactive.get(g.key)
        if not g.is_product_code and g.product_code:
            g.product_sku = skus.get(code_key(g.product_code))
            g.siblings = by_product[code_key(g.product_code)]


def sku_exists(*, seller: Seller) -> bool:
    return Sku.objects.filter(seller=seller).exists()


def needs_mapping_count(*, seller: Seller) -> int:
    return OrderLine.objects.filter(seller=seller, sku_option__isnull=True, status__in=OPEN_STATUSES).count()


@dataclass(frozen=True)
class SoldOutBySync:
    options: int  # option SKUs the sales site now shows sold out
    shops: list[str]  # the Shop IDs of the accounts pushing their stock

    def sentence(self, of: str) -> str:
        """What to tell the seller ("" when nothing sells out); ``of``: "this SKU", "this file"."""
        n = self.options
        if not n:
            return ""
        return (f"Automatic Stock Qty Sync is on for {', '.join(self.shops)}: {n:,} option{'s' if n != 1 else ''} of "
                f"{of} {'are' if n != 1 else 'is'} linked to the sales site with nothing available at the warehouse, "
                f"so the sales site shows {'them' if n != 1 else 'it'} sold out until stock is received.")


def options_sold_out_by_sync(*, seller: Seller, option_ids: list[int]) -> SoldOutBySync:
    """Of these option SKUs, those linked to an account that pushes stock (active, Automatic Stock Qty Sync on)
    while the warehouse has none available: the sales site shows them sold out (docs/inventory.md, "Nothing on
    hand is pushed as 0"). Saving a SKU says so, so that a seller registering SKUs before the first inbound is
    not surprised by listings selling out."""
    links = []
    for batch in chunked(sorted(option_ids)):  # an Excel upload may hold tens of thousands
        links += SiteOptionLink.objects.filter(
            seller=seller, option_id__in=batch, status=LinkStatus.LINKED, account__is_active=True,
            account__auto_stock_sync=True, option__is_active=True, option__on_hand__lte=F("option__reserved"),
        ).values_list("option_id", "account__shop_id")
    return SoldOutBySync(options=len({option for option, _ in links}), shops=sorted({shop for _, shop in links}))


# --- Imports and export ---------------------------------------------------------------------------

def sku_import_get(*, seller: Seller, import_id: int) -> SkuImport:
    return SkuImport.objects.defer("content").get(seller=seller, pk=import_id)


def link_check_current(*, seller: Seller, within: timedelta = timedelta(minutes=10)) -> LinkCheck | None:
    """The seller's latest Check LotteON link on a selection, while it runs or for a while after it ended."""
    job = LinkCheck.objects.filter(seller=seller).order_by("-created_at", "-id").first()
    if job is None or (job.finished and job.finished_at < timezone.now() - within):
        return None
    return job


def link_check_get(*, seller: Seller, job_id: int) -> LinkCheck:
    """Another seller's job raises DoesNotExist exactly like a missing one."""
    return LinkCheck.objects.get(seller=seller, pk=job_id)


def sku_import_list(*, seller: Seller, limit: int = 5) -> list[SkuImport]:
    return list(SkuImport.objects.filter(seller=seller).defer("content", "errors").order_by("-created_at", "-id")[:limit])


def sku_export_rows(*, seller: Seller, filters: SkuFilters, chunk_size: int = 2000) -> Iterator[tuple]:
    """One row per option SKU of the selected SKUs, in list order: the upload columns, then stock and link."""
    accounts = link_accounts(seller=seller)
    site_name = _site_names(accounts)
    ids = list(sku_list(seller=seller, filters=filters).values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        batch = ids[start:start + chunk_size]
        skus = {sku.pk: sku for sku in _with_options(Sku.objects.filter(pk__in=batch))}
        for pk in batch:
            sku = skus[pk]
            for option in sku.options.all():
                single = sku.is_single
                if accounts:
                    linked = [link for link in option.links if link.is_linked]
                    link = (f"{site_name} linked ({linked[0].site_product_id} / {linked[0].site_option_id})" if linked
                            else (option.links[0].get_status_display() if option.links else "Not linked yet"))
                else:
                    link = "No sales-site account"
                yield (
                    option.code, sku.name, "" if single else option.option_values, "" if single else sku.code,
                    option.barcode,
                    "Y" if (sku.is_active if single else option.is_active) else "N",
                    sku.get_kind_display(), option.on_hand, option.reserved, option.available, link,
                )
