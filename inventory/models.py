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
    # Who last saved what the edit form writes (name, codes, barcodes, option rows), and when: a form drawn before
    # that change is refused naming them (inventory.services.skus.sku_update, docs/inventory.md).
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
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
            # The stock services refuse a change that would go below zero with a clear message; the
            # database refuses it too, whatever writes.
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="option_sku_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="option_sku_reserved_not_negative"),
        ]
        indexes = [
            models.Index(fields=["sku", "position"], name="option_sku_position"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def available(self) -> int:
        """What can still be sold (and is pushed to the sales site): never below 0."""
        return max(0, self.on_hand - self.reserved)

    @property
    def short(self) -> int:
        """Reserved beyond what is on hand: open fulfilment orders waiting for stock."""
        return max(0, self.reserved - self.on_hand)

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


class WorkerJob:
    """What a page says of a job left to the worker: statuses ``queued`` and ``running``, ``created_at`` and
    ``started_at``."""

    @property
    def stale(self) -> bool:
        """Waiting two minutes for a worker, or running for ten: the worker may not run (or have stopped)."""
        from django.utils import timezone

        age = (timezone.now() - (self.started_at or self.created_at)).total_seconds()
        return (self.status == "queued" and age > 120) or (self.status == "running" and age > 600)


class LinkCheck(WorkerJob, models.Model):
    """Check LotteON link for a selection of SKUs, run by the worker: what the SKU list shows while it runs
    and the outcome (the same words as the one-SKU check on the SKU page) once it has."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Checking"
        DONE = "done", "Checked"
        FAILED = "failed", "Stopped"

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sku_ids = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    ok = models.BooleanField(default=False)
    message = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["seller", "-created_at"], name="link_check_seller_time")]

    def __str__(self) -> str:
        return f"link check {self.pk}: {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class SkuImport(WorkerJob, models.Model):
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
    message = models.CharField(max_length=1000, blank=True, help_text="What went wrong with the file as a whole, or "
                               "what it changed")
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


# --- Fulfilment and stock (docs/inventory.md "Fulfilment and stock") ---------------------------------


class FulfilmentOrder(models.Model):
    """An order handed to the QFC warehouse: its open lines are reserved, picked, packed and shipped.

    One per order. Created automatically (Automatic Fulfillment Shipping Instructions on, every open line
    mapped and confirmed) or by the seller by hand. ``flagged`` tells the warehouse that lines were
    cancelled after picking started: what was taken off the shelf must go back.
    """

    class State(models.TextChoices):
        OPEN = "open", "Open"
        PICKING = "picking", "Picking"
        PACKED = "packed", "Packed"
        SHIPPED = "shipped", "Shipped"
        CANCELLED = "cancelled", "Cancelled"

    class Origin(models.TextChoices):
        AUTOMATIC = "automatic", "Automatic Fulfillment Shipping Instructions"
        MANUAL = "manual", "Sent by the seller"

    ACTIVE_STATES = (State.OPEN, State.PICKING, State.PACKED)
    PICKED_STATES = (State.PICKING, State.PACKED)

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="fulfilment")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    origin = models.CharField(max_length=10, choices=Origin.choices)
    # Reserved more than was available when it was created: the warehouse may not have all of it.
    short = models.BooleanField(default=False)
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    picked_at = models.DateTimeField(null=True, blank=True)
    packed_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    shipped_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    courier_code = models.CharField(max_length=10, blank=True)
    courier_name = models.CharField(max_length=100, blank=True)
    tracking_no = models.CharField(max_length=40, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["state", "created_at"], name="fulfilment_state_time"),
            # A seller's fulfilment orders by state: the warehouse's tabs for one seller (Shipped and Cancelled
            # latest first; the active states are few and sorted as read) and their counts.
            models.Index(fields=["seller", "state", "-updated_at", "-id"], name="fulfilment_seller_state_upd"),
            models.Index(fields=["flagged", "state"], name="fulfilment_flagged"),
            # The warehouse's Shipped and Cancelled tabs, latest first: the states every order ends in.
            models.Index(fields=["state", "-updated_at", "-id"], name="fulfilment_state_updated"),
            # The seller's Sent tab and the REST API's list, newest first, every state.
            models.Index(fields=["seller", "-created_at", "-id"], name="fulfilment_seller_time"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"FO-{self.pk:06d}" if self.pk else "FO-new"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES


class FulfilmentLine(models.Model):
    """One order line of a fulfilment order: the option SKU it takes and how many.

    ``quantity`` is what is still to ship (the line's open quantity; a cancellation lowers it);
    ``reserved`` is what the line holds of its option SKU's stock right now (0 once shipped or cancelled).
    """

    fulfilment = models.ForeignKey(FulfilmentOrder, on_delete=models.CASCADE, related_name="lines")
    order_line = models.OneToOneField("orders.OrderLine", on_delete=models.CASCADE, related_name="fulfilment_line")
    option = models.ForeignKey(OptionSku, on_delete=models.PROTECT, related_name="fulfilment_lines")
    quantity = models.PositiveIntegerField()
    reserved = models.PositiveIntegerField(default=0)
    shipped_quantity = models.PositiveIntegerField(default=0)
    cancelled_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["fulfilment_id", "id"]
        indexes = [models.Index(fields=["option", "fulfilment"], name="fulfilment_line_option")]

    def __str__(self) -> str:
        return f"{self.fulfilment_id}/{self.order_line_id}: {self.quantity} × {self.option_id}"


class StockMovement(models.Model):
    """Every change of an option SKU's stock, as one row: on hand is the sum of ``quantity``, reserved the
    sum of ``reserved_delta``. The counters on ``OptionSku`` are kept equal to these sums by the services
    (inventory/services/stock.py), in the same transaction."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Inbound receipt"
        ADJUSTMENT = "adjustment", "Adjustment"
        RESERVATION = "reservation", "Reserved for a fulfilment order"
        RELEASE = "release", "Reservation released"
        SHIPMENT = "shipment", "Shipped"

    class Reason(models.TextChoices):
        COUNT = "count", "Stock count correction"
        DAMAGED = "damaged", "Damaged"
        LOST = "lost", "Lost"
        FOUND = "found", "Found"
        RETURNED = "returned", "Returned by a customer"
        OTHER = "other", "Other"

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    option = models.ForeignKey(OptionSku, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    quantity = models.IntegerField(default=0, help_text="Change of on hand (+ in, − out)")
    reserved_delta = models.IntegerField(default=0, help_text="Change of reserved")
    reason = models.CharField(max_length=10, choices=Reason.choices, blank=True)
    note = models.CharField(max_length=300, blank=True)
    fulfilment = models.ForeignKey(FulfilmentOrder, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="movements")
    order_line = models.ForeignKey("orders.OrderLine", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["option", "-created_at"], name="movement_option_time"),
            # The id breaks ties in the list's order, so that neither planner sorts a seller's movements
            # (SQLite otherwise walks every seller's in movement_time and keeps this seller's).
            models.Index(fields=["seller", "-created_at", "-id"], name="movement_seller_time"),
            models.Index(fields=["kind", "-created_at"], name="movement_kind_time"),
            # QFC's movements of every seller, newest first (movements are records: never pruned).
            models.Index(fields=["-created_at", "-id"], name="movement_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d}/{self.reserved_delta:+d} of {self.option_id}"

    @property
    def available_delta(self) -> int:
        return self.quantity - self.reserved_delta


class StockPush(models.Model):
    """Automatic Stock Qty Sync of one linked option at one account: what the site last accepted, the last
    result, and whether the option waits for the next push (``dirty``, set in the transaction that
    changed its stock).

    The site's sale status is learned from the site (LotteON 94) the first time and before putting an
    option back on sale; ``sold_out_by_stock`` marks an option the site took off sale at stock 0.
    ``pushed_quantity`` and ``site_checked_at`` are cleared while an 86 is on the wire and when its answer
    is lost: what the site holds is then unknown, and the next push reads it back before it writes.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be pushed"
        SYNCED = "synced", "Pushed"
        FAILED = "failed", "Refused by the sales site"
        SKIPPED = "skipped", "Not pushed"

    link = models.OneToOneField(SiteOptionLink, on_delete=models.CASCADE, related_name="stock_push")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(SalesSiteAccount, on_delete=models.CASCADE, related_name="+")
    option = models.ForeignKey(OptionSku, on_delete=models.CASCADE, related_name="stock_pushes")
    # The site ids the knowledge below belongs to: a link moved to other ids starts over.
    site_product_id = models.CharField(max_length=40, blank=True)
    site_option_id = models.CharField(max_length=40, blank=True)
    dirty = models.BooleanField(default=True)
    # The run that took this row and has not finished with it. A run that died (or lost its lock) leaves
    # it set, and the next run takes the row again although ``dirty`` was cleared by the claim.
    claimed_by = models.BigIntegerField(null=True, blank=True, help_text="Stock sync run holding this row")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    pushed_quantity = models.IntegerField(null=True, blank=True, help_text="Last quantity the site accepted")
    pushed_at = models.DateTimeField(null=True, blank=True)
    attempted_quantity = models.IntegerField(null=True, blank=True)
    site_checked_at = models.DateTimeField(null=True, blank=True)
    site_status = models.CharField(max_length=20, blank=True, help_text="Sale status at the site, e.g. SALE, SOUT")
    stock_managed = models.BooleanField(default=True)
    sold_out_by_stock = models.BooleanField(default=False)
    resume_sale = models.BooleanField(default=False, help_text="Back on sale (LotteON 111 SALE) still to send")
    code = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=500, blank=True)
    failures = models.PositiveSmallIntegerField(default=0, help_text="Refusals in a row")
    failed_at = models.DateTimeField(null=True, blank=True)
    lost_at = models.DateTimeField(null=True, blank=True,
                                   help_text="When a write's answer was lost: read back once it had time to land")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "stock pushes"
        ordering = ["account_id", "option_id"]
        indexes = [
            models.Index(fields=["account", "dirty"], name="stock_push_account_dirty"),
            models.Index(fields=["account", "claimed_by"], name="stock_push_account_claim"),
            models.Index(fields=["seller", "state"], name="stock_push_seller_state"),
        ]

    def __str__(self) -> str:
        return f"stock push of {self.option_id}@{self.account_id}: {self.state} {self.pushed_quantity}"


class StockSyncRun(models.Model):
    """One stock push of one account: after stock changed, on the schedule (full), by command or by hand."""

    class Trigger(models.TextChoices):
        CHANGE = "change", "Stock changed"
        SCHEDULE = "schedule", "Schedule (full)"
        MANUAL = "manual", "Sync stock now"
        RETRY = "retry", "Retry"
        COMMAND = "command", "Command"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Finished with refusals"
        # Nothing refused, but options whose state at the site is not known: an answer was lost in this run, or a
        # lost write of an earlier run may still land, so they were left alone. A later push reads them back.
        UNSETTLED = "unsettled", "Waiting for a read-back"
        # The site answered 429 (too many calls): nothing to fix, the quantities not sent go with the next push.
        LIMITED = "limited", "Stopped: requests limited"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(SalesSiteAccount, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    full = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    checked = models.PositiveIntegerField(default=0, help_text="Linked options looked at")
    pushed = models.PositiveIntegerField(default=0, help_text="Quantities accepted")
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    resumed = models.PositiveIntegerField(default=0, help_text="Options put back on sale")
    waiting = models.PositiveIntegerField(default=0, help_text="Options left to be read back by a later push "
                                          "(answer lost, or an earlier lost write that may still land)")
    calls = models.PositiveIntegerField(default=0, help_text="Calls to the sales site")
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-started_at"], name="stock_run_account_time"),
            # The seller's Stock sync page: its latest runs of every account.
            models.Index(fields=["seller", "-started_at", "-id"], name="stock_run_seller_time"),
        ]

    def __str__(self) -> str:
        return f"stock sync {self.pk} of account {self.account_id}: {self.status}"
