from __future__ import annotations

from django.db.models import QuerySet

from integrations.models import SalesSiteAccount, SyncRun
from sellers.models import Seller


def account_list(*, seller: Seller) -> QuerySet[SalesSiteAccount]:
    return SalesSiteAccount.objects.filter(seller=seller).order_by("site", "shop_id")


def account_get(*, seller: Seller, account_id: int) -> SalesSiteAccount:
    """The seller's account; another seller's id raises DoesNotExist exactly like a missing one."""
    return SalesSiteAccount.objects.get(seller=seller, pk=account_id)


def account_call_log(*, account: SalesSiteAccount):
    return account.api_calls.order_by("-started_at", "-id")


def account_events(*, account: SalesSiteAccount):
    return account.events.select_related("actor").order_by("-created_at", "-id")


def sync_run_list(*, seller, account_id: int | None = None, status: str = "", trigger: str = ""):
    """The seller's sync runs, newest first; each filter narrows only when given."""
    runs = SyncRun.objects.filter(seller=seller).select_related("account")
    if account_id:
        runs = runs.filter(account_id=account_id)
    if status:
        runs = runs.filter(status=status)
    if trigger:
        runs = runs.filter(trigger=trigger)
    return runs.order_by("-queued_at", "-id")


def sync_run_get(*, seller, run_id: int) -> SyncRun:
    return SyncRun.objects.select_related("account").get(seller=seller, pk=run_id)
