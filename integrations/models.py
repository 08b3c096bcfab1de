from __future__ import annotations

from django.db import models

from core import crypto
from sellers.models import Seller


class SalesSiteAccount(models.Model):
    """A seller's credentials for one marketplace account (for LotteON: Shop ID, API Key, Account Number)."""

    class ConnectionStatus(models.TextChoices):
        UNTESTED = "untested", "Not tested"
        OK = "ok", "Connected"
        FAILED = "failed", "Failed"

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="sales_site_accounts")
    site = models.CharField(max_length=30, help_text="Key of the sales site in the registry, e.g. 'lotteon'.")
    shop_id = models.CharField("Shop ID", max_length=100)
    account_number = models.CharField("Account Number", max_length=30)
    api_key_encrypted = models.TextField(editable=False)
    api_key_last4 = models.CharField(max_length=4, editable=False)

    auto_order_integration = models.BooleanField("Automatic Order Integration", default=True)
    auto_order_confirmation = models.BooleanField("Automatic Order Confirmation", default=True)
    auto_fulfillment = models.BooleanField("Automatic Fulfillment Shipping Instructions", default=False)
    auto_stock_sync = models.BooleanField("Automatic Stock Qty Sync", default=False)
    is_active = models.BooleanField(default=True)

    connection_status = models.CharField(
        max_length=10, choices=ConnectionStatus.choices, default=ConnectionStatus.UNTESTED
    )
    connection_checked_at = models.DateTimeField(null=True, blank=True)
    connection_message = models.TextField(blank=True)
    supplier_number = models.CharField(max_length=30, blank=True)
    supplier_name = models.CharField(max_length=200, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site", "shop_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "site", "account_number"], name="uniq_account_number_per_seller_site"
            )
        ]

    def __str__(self) -> str:
        return f"{self.site}:{self.shop_id}"

    def set_api_key(self, api_key: str) -> None:
        self.api_key_encrypted = crypto.encrypt(api_key)
        self.api_key_last4 = api_key[-4:]

    def get_api_key(self) -> str:
        return crypto.decrypt(self.api_key_encrypted)

    @property
    def masked_api_key(self) -> str:
        return "••••••••" + self.api_key_last4
