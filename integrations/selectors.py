from __future__ import annotations

from django.db.models import QuerySet

from integrations.models import SalesSiteAccount
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
