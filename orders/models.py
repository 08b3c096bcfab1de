"""Orders from sales sites (pulled or entered by hand), their lines and their timeline.

Field names are marketplace-neutral: ``order_no`` / ``line_no`` / ``process_seq`` are LotteON's
``odNo`` / ``odSeq`` / ``procSeq``; seller codes and site ids keep both sides of API.md §7 apart.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from integrations.models import SalesSiteAccount
from sellers.models import Seller


class OrderStatus(models.TextChoices):
    NEW = "new", "New"
    CONFIRMED = "confirmed", "Confirmed / Preparing"
    READY = "ready", "Ready to ship"
    SHIPPED = "shipped", "Shipped"
    CANCELLED = "cancelled", "Cancelled"


class LineStatus(models.TextChoices):
    NEW = "new", "New Order"
    CONFIRMED = "confirmed", "Product preparation"
    SHIPPED = "shipped", "Shipped"
    CANCELLED = "cancelled", "Cancelled"


# A buyer's cancellation request holds a line only while it is still to ship (docs/orders.md, "Cancellation
# requests"), and until the seller releases it by hand after rejecting the request at the sales site.
HOLDABLE = (LineStatus.NEW, LineStatus.CONFIRMED)
ON_HOLD = Q(status__in=HOLDABLE, cancel_request_released_at__isnull=True) & ~Q(cancel_request_no="")
# The request came after the line shipped (read by the next sync): nothing to hold, but the seller must answer it.
ASKED_AFTER_SHIPPING = Q(status=LineStatus.SHIPPED, cancel_request_released_at__isnull=True) & ~Q(cancel_request_no="")



class ConfirmState(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    FAILED = "failed", "Confirmation failed"
    # 210 was sent and no answer came back, not even from reading the line's state: it may have taken.
    # Nothing is sent for the line again before its state has been read.
    UNKNOWN = "unknown", "Answer lost, state to be read"
    NOT_NEEDED = "not_needed", "Not needed"


class Order(models.Model):
    class Source(models.TextChoices):
        PULLED = "pulled", "Pulled from the sales site"
        MANUAL = "manual", "Manual shipping order"

    # No index of its own: every index of the table starts with the seller (Meta.indexes).
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="orders", db_index=False)
    # Orders outlive their account: deleting an account keeps its orders (issue: "its orders stay").
    account = models.ForeignKey(
        SalesSiteAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    site = models.CharField(max_length=30, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PULLED)
    order_no = models.CharField("Order number", max_length=40)
    # Manual shipping orders: the sales site's order number they stand for, when there is one.
    reference_order_no = models.CharField("Sales site order number", max_length=40, blank=True)
    # Pulled orders: the manual shipping order the seller had entered for this same sale before the sync
    # pulled it. Until the seller chooses (docs/manual-orders.md, "Pulled later"), this order is held from
    # fulfilment and printing so that the sale does not ship twice.
    manual_duplicate = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="pulled_duplicates",
        help_text="Manual shipping order entered for the same sale before it was pulled",
    )
    status = models.CharField(max_length=12, choices=OrderStatus.choices, default=OrderStatus.NEW)
    needs_attention = models.BooleanField(default=False)
    attention_reason = models.CharField(max_length=300, blank=True)

    orderer_name = models.CharField(max_length=100, blank=True)
    orderer_phone = models.CharField(max_length=30, blank=True)
    orderer_mobile = models.CharField(max_length=30, blank=True)
    orderer_email = models.CharField(max_length=200, blank=True)
    recipient_name = models.CharField(max_length=100)
    recipient_phone = models.CharField(max_length=30, blank=True)
    recipient_mobile = models.CharField(max_length=30, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)
    address = models.CharField(max_length=300)
    address_detail = models.CharField(max_length=300, blank=True)
    delivery_message = models.CharField(max_length=500, blank=True)
    combined_group = models.CharField(max_length=40, blank=True)

    ordered_at = models.DateTimeField(null=True, blank=True)
    instructed_at = models.DateTimeField(null=True, blank=True, help_text="Delivery instruction time (owhoDttm)")
    total_quantity = models.PositiveIntegerField(default=0)
    total_amount = models.DecimalField(max_digits=14, decimal_places=0, default=0)
    # What the Orders list search matches, normalised (orders/services/search.py); every writer of
    # orders, their lines or the searchable fields sets it. Indexed by migration 0005 per database.
    search_text = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-instructed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "site", "order_no"], condition=Q(source="pulled"), name="uniq_pulled_order"
            ),
            # Manual numbers are issued under a seller lock; the database keeps them unique regardless.
            models.UniqueConstraint(
                fields=["seller", "order_no"], condition=Q(source="manual"), name="uniq_manual_order_no"
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "status", "-instructed_at"], name="order_seller_status_time"),
            # The tab counts: on PostgreSQL this one is an eighth of the size of the one above (its
            # duplicate keys are stored once), and counting 100,000 orders in it takes half the time.
            models.Index(fields=["seller", "status"], name="order_seller_status"),
            models.Index(fields=["seller", "-instructed_at"], name="order_seller_time"),
            models.Index(fields=["seller", "account", "-instructed_at"], name="order_seller_account_time"),
            models.Index(fields=["seller", "needs_attention"], name="order_seller_attention"),
            models.Index(fields=["seller", "order_no"], name="order_seller_order_no"),
            # Sortable columns of the Orders list.
            models.Index(fields=["seller", "total_amount", "id"], name="order_seller_amount"),
            models.Index(fields=["seller", "recipient_name", "id"], name="order_seller_recipient"),
            # Polling the REST API for changes (updated_since) and sorting by the last change.
            models.Index(fields=["seller", "updated_at", "id"], name="order_seller_updated"),
            # The sync looks up manual orders by the sales site order number they stand for.
            models.Index(fields=["seller", "reference_order_no"], name="order_manual_reference",
                         condition=Q(source="manual") & ~Q(reference_order_no="")),
        ]

    def __str__(self) -> str:
        return f"{self.site}:{self.order_no}"

    @property
    def manual_duplicate_no(self) -> str:
        return self.manual_duplicate.order_no if self.manual_duplicate_id else ""


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    line_no = models.CharField(max_length=20)  # odSeq
    process_seq = models.CharField(max_length=20, default="1")  # procSeq
    original_process_seq = models.CharField(max_length=20, blank=True)  # orglProcSeq
    claim_no = models.CharField(max_length=40, blank=True)  # clmNo

    status = models.CharField(max_length=12, choices=LineStatus.choices, default=LineStatus.NEW)
    site_status_code = models.CharField(max_length=10, blank=True, help_text="Live step at the site (odPrgsStepCd)")
    confirm_state = models.CharField(max_length=12, choices=ConfirmState.choices, default=ConfirmState.PENDING)
    confirm_error = models.CharField(max_length=500, blank=True)
    confirm_attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    product_name = models.CharField(max_length=300)
    option_name = models.CharField(max_length=300, blank=True)
    seller_product_code = models.CharField(max_length=100, blank=True)  # epdNo
    seller_option_code = models.CharField(max_length=100, blank=True)  # eitmNo
    site_product_id = models.CharField(max_length=40, blank=True)  # spdNo
    site_option_id = models.CharField(max_length=40, blank=True)  # sitmNo
    # The option SKU (stock unit) the line maps to by its seller code; set by inventory's mapping services.
    sku_option = models.ForeignKey(
        "inventory.OptionSku", null=True, blank=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    quantity = models.PositiveIntegerField()
    cancelled_quantity = models.PositiveIntegerField(default=0)
    # The buyer's open cancellation request (LotteON 50 step 02): the line is on hold until the seller
    # approves it (the cancellation completes) or rejects it at the sales site, or the buyer withdraws it.
    cancel_request_no = models.CharField(max_length=40, blank=True)  # clmNo
    cancel_request_quantity = models.PositiveIntegerField(default=0)
    cancel_request_reason = models.CharField(max_length=300, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    # The seller rejected the request at the sales site and let the line go; a new claim holds it again.
    cancel_request_released_at = models.DateTimeField(null=True, blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=0, default=0)
    amount = models.DecimalField(max_digits=14, decimal_places=0, default=0)
    paid_amount = models.DecimalField(max_digits=14, decimal_places=0, default=0)
    shipping_fee = models.DecimalField(max_digits=10, decimal_places=0, default=0)
    raw = models.JSONField(default=dict, blank=True, help_text="The sales site's payload, for support")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order_id", "line_no", "process_seq"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no", "process_seq"], name="uniq_order_line_key")
        ]
        indexes = [
            models.Index(fields=["seller", "confirm_state"], name="line_seller_confirm"),
            models.Index(fields=["seller", "seller_option_code"], name="line_seller_option_code"),
            models.Index(fields=["seller", "seller_product_code"], name="line_seller_product_code"),
            models.Index(fields=["seller", "sku_option", "status"], name="line_seller_sku_option"),
            # updated_since: the orders whose lines changed (orders.selectors._narrowed).
            models.Index(fields=["seller", "updated_at"], name="line_seller_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_no}/{self.process_seq}"

    @property
    def seller_code(self) -> str:
        """The code matched against a SKU's Seller defined code: option code first, else product code."""
        return self.seller_option_code or self.seller_product_code

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.cancelled_quantity

    @property
    def on_hold(self) -> bool:
        """The buyer asked to cancel and the seller has not answered at the sales site yet."""
        # ON_HOLD, for a line in hand.
        return bool(self.cancel_request_no) and self.cancel_request_released_at is None and self.status in HOLDABLE

    @property
    def asked_after_shipping(self) -> bool:
        # ASKED_AFTER_SHIPPING, for a line in hand.
        return (bool(self.cancel_request_no) and self.cancel_request_released_at is None
                and self.status == LineStatus.SHIPPED)


class OrderEvent(models.Model):
    class Kind(models.TextChoices):
        PULLED = "pulled", "Pulled"
        UPDATED = "updated", "Updated from the sales site"
        CONFIRMED = "confirmed", "Confirmed"
        CONFIRMED_ELSEWHERE = "confirmed_elsewhere", "Confirmed by another tool"
        CONFIRM_FAILED = "confirm_failed", "Confirmation failed"
        CANCELLED = "cancelled", "Cancelled"
        PARTIALLY_CANCELLED = "partially_cancelled", "Partially cancelled"
        CANCEL_REQUESTED = "cancel_requested", "Cancellation requested"
        CANCEL_REQUEST_WITHDRAWN = "cancel_request_withdrawn", "Cancellation request withdrawn"
        CANCEL_REQUEST_RELEASED = "cancel_request_released", "Released: request rejected at the sales site"
        SHIPPED_ELSEWHERE = "shipped_elsewhere", "Shipped outside SmartShip"
        CREATED = "created", "Manual shipping order created"
        DUPLICATE = "duplicate", "Same sale as another order"
        MAPPED = "mapped", "SKU & fulfilment"  # mapped or not, sent to fulfilment or waiting (and why)
        PRINTED = "printed", "Waybill printed"
        SET_ASIDE = "set_aside", "Parcel set aside"
        SHIPPED = "shipped", "Shipped"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    line = models.ForeignKey(OrderLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    message = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="event_order_time")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class OrderExport(models.Model):
    """An Export to Excel too large to build within the request: the worker prepares the file, the
    seller downloads it when ready.

    The file is kept in the database, like an SKU upload, so that the web process can serve what a
    worker on another machine wrote; it is dropped after ``SMARTSHIP_EXPORT_KEEP_DAYS`` (the row stays
    and says so).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Preparing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    filters = models.JSONField(default=dict, help_text="The Orders list's selection (OrderFilters) when asked")
    query = models.CharField(max_length=1000, blank=True, help_text="The Orders list's query string, to go back")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    lines_total = models.PositiveIntegerField(default=0, help_text="Lines in the selection when asked")
    lines_done = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    content = models.BinaryField(default=b"", editable=False)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["seller", "-created_at"], name="export_seller_time")]

    def __str__(self) -> str:
        return f"export {self.pk} of seller {self.seller_id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.READY:
            return 100
        return min(99, self.lines_done * 100 // self.lines_total) if self.lines_total else 0
