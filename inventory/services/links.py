"""Linking option SKUs to the sales site's own product and option ids, for stock sync.

"Check LotteON link": for each of the seller's active accounts, the adapter looks the SKUs' product
codes up (LotteON: 93 filtered by epdNo, 100 per call, then 94 per product to pair each option's
eitmNo with its sitmNo). The result is kept per (option SKU, account) in ``SiteOptionLink``, linked or
with the reason why not. The calls run outside any transaction; the rows are written in one.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations import registry
from integrations.catalog import SiteProduct
from integrations.errors import SalesSiteError
from integrations.models import SalesSiteAccount
from integrations.services import account_config
from inventory.codes import code_key
from inventory.models import LinkCheck, LinkStatus, OptionSku, SiteOptionLink, Sku
from sellers.models import Seller, User

logger = logging.getLogger("smartship.inventory.links")
MAX_SKUS_PER_CHECK = 5000


@dataclass
class LinkCheckOutcome:
    ok: bool
    message: str
    skus: int = 0
    options: int = 0
    linked: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Result:
    status: str
    message: str
    site_product_id: str = ""
    site_option_id: str = ""


def link_accounts(*, seller: Seller) -> list[SalesSiteAccount]:
    """The seller's active accounts on sales sites whose adapter can look products up."""
    accounts = []
    for account in SalesSiteAccount.objects.filter(seller=seller, is_active=True).order_by("site", "shop_id"):
        try:
            site = registry.get(account.site)
        except registry.UnknownSalesSite:
            continue
        if hasattr(import_string(site.adapter_path), "fetch_products_by_codes"):
            accounts.append(account)
    return accounts


def _match(sku: Sku, options: list[OptionSku], products: list[SiteProduct], site_name: str) -> dict[int, _Result]:
    """What each option SKU of ``sku`` links to among the products found by its product code."""
    if not sku.code:
        reason = (f"No product code: enter the {site_name} product code (Seller internal product number) on the "
                  "SKU so SmartShip can look it up, or wait for an order of it.")
        return {option.pk: _Result(LinkStatus.NO_PRODUCT_CODE, reason) for option in options}
    if not products:
        reason = f"Product code {sku.code} was not found at {site_name}."
        return {option.pk: _Result(LinkStatus.PRODUCT_NOT_FOUND, reason) for option in options}
    if len(products) > 1:
        ids = ", ".join(product.site_product_id for product in products[:5])
        reason = f"{len(products)} {site_name} products have product code {sku.code} ({ids}); keep the code on one."
        return {option.pk: _Result(LinkStatus.AMBIGUOUS, reason) for option in options}
    product = products[0]
    results: dict[int, _Result] = {}
    for option in options:
        if sku.is_single and len(product.options) == 1:
            found = list(product.options)
        else:
            found = [site_option for site_option in product.options if code_key(site_option.code) == option.code_key]
        if len(found) == 1:
            results[option.pk] = _Result(
                LinkStatus.LINKED, f"Found in {site_name} product {product.site_product_id} ({product.name}).",
                product.site_product_id, found[0].site_option_id)
        elif found:
            results[option.pk] = _Result(
                LinkStatus.AMBIGUOUS,
                f"{len(found)} options of {site_name} product {product.site_product_id} have code {option.code}.")
        elif sku.is_single:
            results[option.pk] = _Result(
                LinkStatus.OPTION_NOT_FOUND,
                f"{site_name} product {product.site_product_id} has {len(product.options)} options and none has the "
                f"code {option.code}; a single option type SKU matches a product without options.")
        else:
            results[option.pk] = _Result(
                LinkStatus.OPTION_NOT_FOUND,
                f"Option code {option.code} was not found in {site_name} product {product.site_product_id} "
                f"({product.name}); enter it as the option's Seller internal single product code there.")
    return results


def sku_links_check(
    *, seller: Seller, sku_ids: Sequence[int], actor: User | None = None, interactive: bool = False,
) -> LinkCheckOutcome:
    """Look the SKUs up at every active account of the seller and store each option SKU's link.

    ``interactive``: a person waits for the answer (one attempt, short timeout), as for Test Connection.
    """
    skus = list(Sku.objects.filter(seller=seller, pk__in=list(sku_ids)[:MAX_SKUS_PER_CHECK]).prefetch_related("options"))
    if not skus:
        return LinkCheckOutcome(ok=False, message="No SKU to check.")
    accounts = link_accounts(seller=seller)
    if not accounts:
        return LinkCheckOutcome(ok=False, skus=len(skus),
                                message="No active sales-site account: register your LotteON account in Sales Site "
                                        "API, then check the link again.")
    options = {sku.pk: list(sku.options.all()) for sku in skus}
    outcome = LinkCheckOutcome(ok=True, message="", skus=len(skus), options=sum(map(len, options.values())))
    parts = [f"Checked {len(skus)} SKU{'s' if len(skus) != 1 else ''}."]
    for account in accounts:
        site = registry.get(account.site)
        adapter = None
        try:
            # Inside the try: a stored key that cannot be decrypted (KeyUnreadable) is this account's problem.
            adapter = registry.adapter_for(account.site, account_config(account, interactive=interactive))
            products = adapter.fetch_products_by_codes([sku.code for sku in skus if sku.code])
        except SalesSiteError as exc:
            outcome.ok = False
            outcome.problems.append(f"{site.name} {account.shop_id}: {exc.message} Nothing was changed.")
            logger.warning("link check failed for account %s: %s", account.pk, exc.code)
            continue
        finally:
            if adapter is not None:
                adapter.close()
        by_code: dict[str, list[SiteProduct]] = defaultdict(list)
        for product in products:
            by_code[code_key(product.code)].append(product)
        results: dict[int, _Result] = {}
        for sku in skus:
            results.update(_match(sku, options[sku.pk], by_code.get(sku.code_key, []), site.name))
        linked = _store(seller=seller, account=account, results=results)
        outcome.linked += linked
        parts.append(f"{site.name} {account.shop_id}: {linked} of {outcome.options} option SKU"
                     f"{'s' if outcome.options != 1 else ''} linked.")
    outcome.message = " ".join(parts + outcome.problems)
    return outcome


@transaction.atomic
def _store(*, seller: Seller, account: SalesSiteAccount, results: dict[int, _Result]) -> int:
    """Write the results. A failed lookup never removes a link learned from an order (the line proved it);
    the lookup's reason is kept in its message instead."""
    now = timezone.now()
    existing = {link.option_id: link for link in SiteOptionLink.objects.filter(account=account, option_id__in=list(results))}
    create, update, linked = [], [], 0
    for option_id, result in results.items():
        link = existing.get(option_id)
        if result.status == LinkStatus.LINKED:
            values = {"status": LinkStatus.LINKED, "site_product_id": result.site_product_id,
                      "site_option_id": result.site_option_id, "source": SiteOptionLink.Source.CATALOG,
                      "message": result.message[:300]}
            linked += 1
        elif link is not None and link.is_linked and (
                link.source == SiteOptionLink.Source.ORDER or result.status == LinkStatus.NO_PRODUCT_CODE):
            values = {"message": f"Linked from an order; the product lookup says: {result.message}"[:300]}
            linked += 1
        else:
            values = {"status": result.status, "site_product_id": "", "site_option_id": "",
                      "source": SiteOptionLink.Source.CATALOG, "message": result.message[:300]}
        if link is None:
            create.append(SiteOptionLink(option_id=option_id, seller=seller, account=account, site=account.site,
                                         checked_at=now, **values))
        else:
            for name, value in values.items():
                setattr(link, name, value)
            link.checked_at = link.updated_at = now
            update.append(link)
    SiteOptionLink.objects.bulk_create(create, batch_size=500)
    SiteOptionLink.objects.bulk_update(update, ["status", "site_product_id", "site_option_id", "source", "message",
                                                "checked_at", "updated_at"], batch_size=500)
    return linked


def sku_links_check_request(*, seller: Seller, sku_ids: Sequence[int], actor: User | None = None) -> LinkCheck | None:
    """Queue a check of many SKUs for the worker (a product lookup per SKU takes too long for a page); the
    job says how it goes. None when none of the ids is the seller's SKU."""
    from inventory.tasks import check_links_job

    ids = sorted(set(Sku.objects.filter(seller=seller, pk__in=list(sku_ids)).values_list("pk", flat=True)))
    if not ids:
        return None
    job = LinkCheck.objects.create(seller=seller, created_by=actor, sku_ids=ids)
    transaction.on_commit(lambda: check_links_job.delay(job.pk))
    return job


def link_check_run(*, job_id: int) -> LinkCheck | None:
    """The worker's side of ``sku_links_check_request``: run the check once and keep its outcome."""
    claimed = LinkCheck.objects.filter(pk=job_id, status=LinkCheck.Status.QUEUED).update(
        status=LinkCheck.Status.RUNNING, started_at=timezone.now())
    job = LinkCheck.objects.select_related("seller", "created_by").filter(pk=job_id).first()
    if job is None or not claimed:
        return job  # gone, or another delivery of the task runs it
    try:
        outcome = sku_links_check(seller=job.seller, sku_ids=job.sku_ids, actor=job.created_by)
    except Exception:
        logger.exception("link check %s of seller %s failed", job.pk, job.seller_id)
        job.status, job.ok = LinkCheck.Status.FAILED, False
        job.message = ("The check stopped on an unexpected error; nothing more was changed. Try again, or check "
                       "one SKU from its page to see what LotteON answers.")
    else:
        job.status, job.ok, job.message = LinkCheck.Status.DONE, outcome.ok, outcome.message[:1000]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "ok", "message", "finished_at"])
    return job
