"""Waybills (invoices with the portal's own QSP tracking numbers, packing labels), print batches, the
tracking outbox that pushes every tracking number to the sales site, and the cached courier lists.

docs/waybills.md describes the number formats, the label layout and the outbox states.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from integrations.models import SalesSiteAccount
from orders.models import Order, OrderLine
from sellers.models import Seller


class NumberCounter(models.Model):
    """A named sequence (QSP serials, packing-label serials). Only ever goes up, under a row lock, so a
    number is unique across processes and never issued again, even after its waybill is deleted."""

    name = models.CharField(max_length=20, primary_key=True)
    last_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.last_value}"


class Courier(models.Model):
    """A sales site's carrier list (LotteON: API 89 ``DV_CO_CD``), refreshed when older than a day."""

    site = models.CharField(max_length=30)
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=100)
    sort = models.PositiveIntegerField(default=0)
    fetched_at = models.DateTimeField()

    class Meta:
        ordering = ["site", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["site", "code"], name="uniq_courier_site_code")]

    def __str__(self) -> str:
        return f"{self.site}:{self.code} {self.name}"


class WaybillKind(models.TextChoices):
    INVOICE = "invoice", "Invoice / waybill"
    PACKING = "packing", "Packing label"


class Waybill(models.Model):
    """What was printed for one order: an invoice (QSP number, shipped with the portal's courier code) or a
    packing label (scanned at QFC receiving, where the carrier's number is recorded). One of each per order;
    printing again reprints the same numbers."""

    class Status(models.TextChoices):
        PRINTED = "printed", "Printed"
        RECEIVED = "received", "Received at QFC"

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="waybills")
    kind = models.CharField(max_length=10, choices=WaybillKind.choices)
    # The barcode value: the QSP tracking number of an invoice, the label code of a packing label.
    number = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PRINTED)
    courier_code = models.CharField(max_length=10, blank=True)
    courier_name = models.CharField(max_length=100, blank=True)
    tracking_no = models.CharField(max_length=30, blank=True)
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=300, blank=True)
    # What the label listed when it was last printed: open quantity per order line id. A cancellation after
    # that is what QFC takes out of the parcel; one before it was never in it.
    printed_quantities = models.JSONField(default=dict, blank=True)
    # What left in the parcel at QFC's receiving scan: open quantity per order line id. A cancellation after
    # that is in a parcel already with the carrier (waybills.hooks). Empty for labels received before it was kept.
    received_quantities = models.JSONField(default=dict, blank=True)
    print_count = models.PositiveIntegerField(default=1)
    first_printed_at = models.DateTimeField(default=timezone.now)  # the print sets both times from one clock
    last_printed_at = models.DateTimeField()
    printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-last_printed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "kind"], name="uniq_waybill_order_kind"),
            # A carrier's tracking number belongs to one parcel: two operators scanning two labels with the
            # same number at once cannot both record it (waybills.services.receiving.packing_receive).
            models.UniqueConstraint(fields=["courier_code", "tracking_no"],
                                    condition=models.Q(kind=WaybillKind.PACKING) & ~models.Q(tracking_no=""),
                                    name="uniq_packing_tracking_no"),
        ]
        indexes = [
            # The REST API's list (every kind, latest printed first); no page lists one kind by time.
            models.Index(fields=["seller", "-last_printed_at", "-id"], name="waybill_seller_time"),
            # QFC receiving's latest receipts and the dashboard's labels awaiting receipt, every seller's.
            models.Index(fields=["kind", "status", "-received_at", "-id"], name="waybill_kind_status_received"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class PrintBatch(models.Model):
    """One Print Waybill action: the waybills in the order they were selected, to download again."""

    class Paper(models.TextChoices):
        LABEL = "label", "PDF 100×150 mm (thermal)"
        A4 = "a4", "PDF A4, 4 labels per page"
        ZPL = "zpl", "ZPL (Zebra printers)"

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=WaybillKind.choices)
    paper = models.CharField(max_length=10, choices=Paper.choices, default=Paper.LABEL)
    waybill_ids = models.JSONField(default=list)
    reprint_ids = models.JSONField(default=list, help_text="Waybills of this batch printed before")
    # What each label of this batch listed when it was printed, so that downloading the batch again gives the
    # same labels after a cancellation or a reprint: {waybill id: {"count": print count, "lines": {line id:
    # quantity}}}. Empty for batches printed before it was kept: those list the lines' open quantities.
    printed = models.JSONField(default=dict, blank=True)
    label_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "print batches"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["seller", "-created_at"], name="printbatch_seller_time")]

    def __str__(self) -> str:
        return f"batch {self.pk}: {self.label_count} × {self.kind}"


class TrackingPush(models.Model):
    """The outbox: one row per order line per tracking number, kept until the sales site confirms it."""

    class Kind(models.TextChoices):
        SHIP = "ship", "Shipment"  # LotteON 137 step 13
        CORRECT = "correct", "Correction"  # LotteON 139

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Sending"
        CONFIRMED = "confirmed", "Confirmed by the sales site"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Outcome unknown: reading back"
        CONFLICT = "conflict", "Shipped with another number"
        CANCELLED = "cancelled", "Not pushed"
        SUPERSEDED = "superseded", "Replaced by a newer number"

    class Origin(models.TextChoices):
        INVOICE = "invoice", "Invoice printed"
        RECEIVING = "receiving", "QFC receiving scan"
        FULFILMENT = "fulfilment", "Fulfilment shipment"
        CORRECTION = "correction", "Correction"

    OPEN_STATES = (State.PENDING, State.SENDING, State.FAILED, State.UNKNOWN, State.CONFLICT)

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(SalesSiteAccount, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="tracking_pushes")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tracking_pushes")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="tracking_pushes")
    waybill = models.ForeignKey(Waybill, null=True, blank=True, on_delete=models.SET_NULL, related_name="pushes")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SHIP)
    origin = models.CharField(max_length=12, choices=Origin.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    courier_code = models.CharField(max_length=10)
    tracking_no = models.CharField(max_length=30)
    previous_tracking_no = models.CharField(max_length=30, blank=True, help_text="Corrections: the number replaced")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_code = models.CharField(max_length=40, blank=True)
    last_message = models.CharField(max_length=500, blank=True)
    site_status_code = models.CharField(max_length=10, blank=True)
    site_tracking_no = models.CharField(max_length=30, blank=True, help_text="What the site holds, when read back")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The push run (its lease token) that holds the row while it is sent or read back: a run that lost its
    # lease must not store its answer over what the run that took over found (docs/waybills.md).
    claim_token = models.CharField(max_length=32, blank=True, default="", editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "tracking pushes"
        ordering = ["-created_at", "-id"]
        constraints = [
            # One number in flight per line: a second one replaces (supersedes) or corrects the first.
            models.UniqueConstraint(
                fields=["line"], condition=Q(state__in=["pending", "sending", "failed", "unknown", "conflict"]),
                name="uniq_open_push_per_line",
            )
        ]
        indexes = [
            models.Index(fields=["account", "state"], name="push_account_state"),
            models.Index(fields=["seller", "state", "-updated_at"], name="push_seller_state_time"),
            # The REST API's outbox list, newest first (one row per line shipped: the table only grows).
            models.Index(fields=["seller", "-created_at", "-id"], name="push_seller_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.tracking_no} line {self.line_id}: {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES
