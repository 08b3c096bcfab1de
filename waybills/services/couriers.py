"""The sales sites' carrier lists (LotteON: API 89), cached per site and refreshed when older than a day.

Only sites that take tracking numbers from SmartShip (``Capability.TRACKING_PUSH``) are asked."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from integrations import registry
from integrations.errors import SalesSiteError
from integrations.models import SalesSiteAccount
from integrations.services import account_config
from integrations.shipping import Courier as CourierRecord
from waybills.models import Courier
from waybills.selectors import site_adapter_class, site_takes_tracking

logger = logging.getLogger("smartship.waybills")
MAX_AGE = timedelta(days=1)
RETRY_AFTER_FAILURE = 600  # seconds: an unreachable site is not asked again on every page load


def _stale(site: str) -> bool:
    newest = Courier.objects.filter(site=site).order_by("-fetched_at").values_list("fetched_at", flat=True).first()
    return newest is None or timezone.now() - newest > MAX_AGE


def couriers_refresh(*, site: str, account: SalesSiteAccount | None = None, force: bool = False) -> bool:
    """Read the site's carrier list with an account's key and store it; ``True`` when it was refreshed.

    Any active account of the site will do (the list is the same for everyone); the given one first. A
    failure keeps the list already stored (or the built-in fallback) and is not retried for ten minutes.
    Only a site that takes tracking numbers (TRACKING_PUSH) and whose adapter has ``couriers()`` is asked;
    any other site is offered the generic list (``waybills.selectors.courier_list``).
    """
    if not site_takes_tracking(site):
        return False  # no carrier list at that site (no TRACKING_PUSH): the generic list is offered
    if getattr(site_adapter_class(site), "couriers", None) is None:
        return False  # the adapter has no carrier list: its built-in one (or the generic list) is used
    if not force and not _stale(site):
        return False
    failed_key = f"waybills:couriers-failed:{site}"
    if not force and cache.get(failed_key):
        return False
    if account is None or not account.is_active:
        account = (SalesSiteAccount.objects.filter(site=site, is_active=True).select_related("seller")
                   .order_by("-connection_status", "pk").first())
    if account is None:
        return False
    adapter = None
    try:
        # Inside the try: an account whose stored key cannot be decrypted (KeyUnreadable) falls back like a failure.
        adapter = registry.adapter_for(site, account_config(account, interactive=True))
        records = adapter.couriers()
    except SalesSiteError as exc:
        logger.warning("courier list of %s could not be read: %s", site, exc.message)
        cache.set(failed_key, True, RETRY_AFTER_FAILURE)
        return False
    finally:
        if adapter is not None:
            adapter.close()
    if not records:
        cache.set(failed_key, True, RETRY_AFTER_FAILURE)
        return False
    couriers_store(site=site, records=records)
    return True


@transaction.atomic
def couriers_store(*, site: str, records: list[CourierRecord]) -> None:
    now = timezone.now()
    codes = [r.code for r in records]
    Courier.objects.filter(site=site).exclude(code__in=codes).delete()
    existing = {c.code: c for c in Courier.objects.filter(site=site)}
    new, changed = [], []
    for record in records:
        row = existing.get(record.code)
        if row is None:
            new.append(Courier(site=site, code=record.code, name=record.name[:100], sort=record.sort or 0,
                               fetched_at=now))
        else:
            row.name, row.sort, row.fetched_at = record.name[:100], record.sort or 0, now
            changed.append(row)
    Courier.objects.bulk_create(new)
    Courier.objects.bulk_update(changed, ["name", "sort", "fetched_at"])


def couriers_for(*, site: str, account: SalesSiteAccount | None = None) -> list:
    """The carriers to choose from for a site's parcels: its list refreshed when stale (only a site that takes
    tracking numbers is asked), else the stored, built-in or generic list."""
    from waybills.selectors import courier_list

    couriers_refresh(site=site, account=account)
    return courier_list(site=site)
