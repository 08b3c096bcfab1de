"""SKUs, their option SKUs (the stock units order lines map to), Excel import jobs, and the links of
option SKUs to sales-site options.

Words follow the seller's guide: a SKU is of the *single option type* (one Seller defined code) or a
*multi-option product* whose options each carry their own Seller defined code ("Option SKU Info").
Either way the stock unit is an ``OptionSku``: a single-option SKU has exactly one, carrying the SKU's
code. Order lines point at option SKUs, and stock figures live on them.

Codes are compared after trimming and ignoring upper/lower case: ``code`` keeps what the seller typed,
``code_key`` is the comparable form the services write (``inventory.codes.code_key``). The rules are in
docs/inventory.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from integrations.models import SalesSiteAccount
from sellers.models import Seller


class SkuKind(models.TextChoices):
    SINGLE = "single", "Single option type"
    MULTI = "multi", "Multi-option product"


class Sku(models.Model):
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="skus")
    kind = models.CharField(max_length=10, choices=SkuKind.choices, default=SkuKind.SINGLE)
    name = models.CharField("SKU name", max_length=200)
    # The product's code at the sales site (LotteON epdNo, "Seller internal product number"). For the
    # single option type it is the SKU's Seller defined code (and its one option's); for a multi-option
    # product it is optional and used to look the product up at the sales site (API 93).
    code = models.CharField("Seller defined code", max_length=100, blank=True)
    code_key = models.CharField(max_length=100, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "code_key"], condition=~Q(code_key=""), name="uniq_sku_seller_code"
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "is_active", "name"], name="sku_seller_active_name"),
            models.Index(fields=["seller", "-updated_at"], name="sku_seller_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.code or self.name}"

    @property
    def is_single(self) -> bool:
        return self.kind == SkuKind.SINGLE


class OptionSku(models.Model):
    """The stock unit: what an order line maps to and what stock is counted and pushed for.

    ``on_hand`` and ``reserved`` are counters kept by the stock services from movement rows (receipts,
    adjustments, shipments; reservations of open fulfilment orders); nothing else writes them.
    """

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="options")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    code = models.CharField("Seller defined code", max_length=100)
    code_key = models.CharField(max_length=100, editable=False)
    option_values = models.CharField("Option values", max_length=200, blank=True, help_text="e.g. 블랙 / M")
    barcode = models.CharField(max_length=64, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    on_hand = models.IntegerField("On hand", default=0)
    reserved = models.IntegerField("Reserved", default=0, help_text="Held for open fulfilment orders")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku_id", "position", "id"]
        constraints = [
            # Unique among active and inactive units: a deactivated unit keeps its code (and its history
            # of mapped lines); reactivating it can never clash.
            models.UniqueConstraint(fields=["seller", "code_key"], name="uniq_option_sku_seller_code"),
        ]
        indexes = [
            models.Index(fields=["sku", "position"], name="option_sku_position"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def label(self) -> str:
        return f"{self.code} · {self.option_values}" if self.option_values else self.code


class LinkStatus(models.TextChoices):
    LINKED = "linked", "Linked"
    NO_PRODUCT_CODE = "no_product_code", "No product code"
    PRODUCT_NOT_FOUND = "product_not_found", "Product code not found"
    OPTION_NOT_FOUND = "option_not_found", "Option code not found in the product"
    AMBIGUOUS = "ambiguous", "Several matches"
    FAILED = "failed", "Check failed"


class SiteOptionLink(models.Model):
    """Where an option SKU is sold: the sales site's own product and option ids (LotteON spdNo, sitmNo)
    for one account, learned from order lines or looked up with the product list/detail (93/94).

    One row per (option SKU, account). A row that is not ``linked`` keeps the reason of the last check.
    Stock sync pushes ``OptionSku.available`` to every ``linked`` row of an account.
    """

    class Source(models.TextChoices):
        ORDER = "order", "Learned from an order line"
        CATALOG = "catalog", "Product list / detail lookup"

    option = models.ForeignKey(OptionSku, on_delete=models.CASCADE, related_name="site_links")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(SalesSiteAccount, on_delete=models.CASCADE, related_name="+")
    site = models.CharField(max_length=30)
    site_product_id = models.CharField(max_length=40, blank=True)  # spdNo
    site_option_id = models.CharField(max_length=40, blank=True)  # sitmNo
    status = models.CharField(max_length=20, choices=LinkStatus.choices)
    message = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    checked_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["option_id", "account_id"]
        constraints = [
            models.UniqueConstraint(fields=["option", "account"], name="uniq_site_link_option_account"),
        ]
        indexes = [models.Index(fields=["account", "status"], name="site_link_account_status")]

    def __str__(self) -> str:
        return f"{self.option_id}@{self.account_id}: {self.status} {self.site_product_id}/{self.site_option_id}"

    @property
    def is_linked(self) -> bool:
        return self.status == LinkStatus.LINKED


class SkuImport(models.Model):
    """One Excel upload of SKUs: the stored file, its progress while the worker reads it, the outcome.

    The file is kept in the database (at most 10 MB) so a worker on another machine can read it; it is
    emptied once the import has finished.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Importing"
        SUCCEEDED = "succeeded", "Imported"
        REJECTED = "rejected", "Nothing imported: rows to fix"
        FAILED = "failed", "Nothing imported"

    class Phase(models.TextChoices):
        WAITING = "waiting", "Waiting"
        READING = "reading", "Reading rows"
        CHECKING = "checking", "Checking rows"
        SAVING = "saving", "Saving"
        DONE = "done", "Done"

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255)
    size = models.PositiveIntegerField(default=0)
    content = models.BinaryField(editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.WAITING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True, help_text="What went wrong with the file as a whole")
    errors = models.JSONField(default=list, blank=True, help_text="[{row, column, message}] in row order")
    error_rows = models.PositiveIntegerField(default=0)
    skus_created = models.PositiveIntegerField(default=0)
    skus_updated = models.PositiveIntegerField(default=0)
    options_created = models.PositiveIntegerField(default=0)
    options_updated = models.PositiveIntegerField(default=0)
    options_unchanged = models.PositiveIntegerField(default=0)
    lines_mapped = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["seller", "-created_at"], name="sku_import_seller_time")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.REJECTED, self.Status.FAILED)

    @property
    def progress_percent(self) -> int:
        if self.finished:
            return 100
        # Reading and checking move with the rows; saving is one transaction, shown as the last stretch.
        if self.phase == self.Phase.SAVING:
            return 90
        if not self.rows_total:
            return 2 if self.status == self.Status.RUNNING else 0
        share = min(1.0, self.rows_done / self.rows_total)
        if self.phase == self.Phase.READING:
            return int(5 + 45 * share)
        return int(50 + 40 * share)
