from __future__ import annotations

from django.db import models
from django.utils import timezone

from core import crypto
from sellers.models import Seller


class SalesSiteAccount(models.Model):
    """A seller's credentials for one marketplace account (for LotteON: Shop ID, API Key, Account Number)."""

    class ConnectionStatus(models.TextChoices):
        UNTESTED = "untested", "Not tested"
        OK = "ok", "Connected"
        FAILED = "failed", "Failed"
        # The last test met a passing trouble at the site: it says nothing against the credentials, so work with
        # them (tracking pushes) goes on, unlike after FAILED. LIMITED: the site answered, but 429 (too many
        # calls); NO_ANSWER: every other one (5xx, timeout, unreachable, unreadable answer).
        NO_ANSWER = "no_answer", "Site not answering"
        LIMITED = "limited", "Site limiting requests"

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="sales_site_accounts")
    site = models.CharField(max_length=30, help_text="Key of the sales site in the registry, e.g. 'lotteon'.")
    shop_id = models.CharField("Shop ID", max_length=100)
    account_number = models.CharField("Account Number", max_length=30)
    api_key_encrypted = models.TextField(editable=False)
    api_key_last4 = models.CharField(max_length=4, editable=False)
    # When the key stored now was saved, and the date the seller read at the site for its expiry (optional): sites
    # whose keys expire (SalesSite.api_key_lifetime_days) count from the save when no date was entered.
    api_key_saved_at = models.DateTimeField(null=True, editable=False)
    api_key_expires_on = models.DateField("Key expires on", null=True, blank=True)

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
    # How far order windows have been pulled completely; the next sync re-scans a little before it.
    orders_synced_until = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site", "shop_id"]
        constraints = [
            # One marketplace account feeds one seller: two sellers pulling and confirming the same
            # LotteON orders would process them twice (docs/sales-site-accounts.md).
            models.UniqueConstraint(fields=["site", "account_number"], name="uniq_site_account_number")
        ]

    def __str__(self) -> str:
        return f"{self.site}:{self.shop_id}"

    def set_api_key(self, api_key: str) -> None:
        self.api_key_encrypted = crypto.encrypt(api_key)
        self.api_key_last4 = api_key[-4:]
        self.api_key_saved_at = timezone.now()

    def get_api_key(self) -> str:
        return crypto.decrypt(self.api_key_encrypted)

    @property
    def masked_api_key(self) -> str:
        return "••••••••" + self.api_key_last4


class AccountEvent(models.Model):
    """Audit trail of an account: who changed what and when (never the key itself)."""

    class Kind(models.TextChoices):
        CREATED = "created", "Registered"
        UPDATED = "updated", "Settings changed"
        KEY_CHANGED = "key_changed", "API Key replaced"
        ACTIVATED = "activated", "Activated"
        DEACTIVATED = "deactivated", "Deactivated"
        CONNECTION_OK = "connection_ok", "Test Connection succeeded"
        CONNECTION_FAILED = "connection_failed", "Test Connection failed"
        ALERT_SENT = "alert_sent", "Alert e-mailed"

    account = models.ForeignKey(SalesSiteAccount, on_delete=models.CASCADE, related_name="events")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey("sellers.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} @ {self.created_at:%Y-%m-%d %H:%M}"


class ApiCallLog(models.Model):
    """One HTTP call to a sales site, from the client's call record; shown per account."""

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        SalesSiteAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="api_calls"
    )
    site = models.CharField(max_length=30)
    api_no = models.CharField(max_length=10)
    method = models.CharField(max_length=7)
    path = models.CharField(max_length=300)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    return_code = models.CharField(max_length=10, blank=True)
    duration_ms = models.PositiveIntegerField()
    attempt = models.PositiveSmallIntegerField(default=1)
    error = models.CharField(max_length=40, blank=True)
    message = models.TextField(blank=True)
    started_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            # The account page's call log. With the id, as the list's order: without it SQLite reads the calls of
            # every account by apicall_time, which holds the whole order, and skips the others'.
            models.Index(fields=["account", "-started_at", "-id"], name="apicall_account_time_id"),
            # The daily prune's "older than 90 days" and the admin's list of every account's calls, newest first.
            models.Index(fields=["-started_at", "-id"], name="apicall_time"),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.api_no} {self.http_status} {self.return_code}"

    @property
    def ok(self) -> bool:
        return not self.error


class SyncRun(models.Model):
    """One order sync of one account: what window it covered, what it saw and did, what went wrong."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Finished with errors"
        # The site answered 429 with a wait longer than the client sits out: the sync stopped safely (the days
        # stored are kept) and the next one resumes. Several in a row end FAILED instead (orders/services/sync.py).
        LIMITED = "limited", "Stopped: requests limited"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (another sync was running)"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Sync now"
        COMMAND = "command", "Command"

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(SalesSiteAccount, on_delete=models.CASCADE, related_name="sync_runs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    windows_total = models.PositiveIntegerField(default=0)
    windows_done = models.PositiveIntegerField(default=0)
    lines_seen = models.PositiveIntegerField(default=0)
    lines_new = models.PositiveIntegerField(default=0)
    lines_updated = models.PositiveIntegerField(default=0)
    lines_confirmed = models.PositiveIntegerField(default=0)
    # Found already confirmed at the site (by another tool, or already in product preparation when first
    # pulled): new lines that this sync neither confirmed nor failed.
    lines_confirmed_elsewhere = models.PositiveIntegerField(default=0)
    lines_failed = models.PositiveIntegerField(default=0)
    lines_cancelled = models.PositiveIntegerField(default=0)
    # Put on hold by a buyer's cancellation request this run reads for the first time.
    lines_held = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-queued_at"], name="syncrun_account_time"),
            # Sync history and the REST API's list: the seller's runs of every account, newest first.
            models.Index(fields=["seller", "-queued_at", "-id"], name="syncrun_seller_time"),
            # The daily prune's "older than 90 days" and the admin's list of every seller's runs, newest first.
            models.Index(fields=["-queued_at", "-id"], name="syncrun_time"),
        ]

    def __str__(self) -> str:
        return f"sync {self.pk} of account {self.account_id}: {self.status}"

    @property
    def finished(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def progress_percent(self) -> int:
        if not self.windows_total:
            return 0 if not self.finished else 100
        return min(100, round(100 * self.windows_done / self.windows_total))


class AccountAlert(models.Model):
    """An e-mail that told the seller about trouble with an account: one per (account, kind, key), so a beat run
    that finds the same trouble again sends nothing (integrations/alerts.py)."""

    class Kind(models.TextChoices):
        CONNECTION_FAILED = "connection_failed", "Connection failed"
        KEY_EXPIRY = "key_expiry", "API Key expiring"
        SYNC_STALLED = "sync_stalled", "Order syncs not working"

    account = models.ForeignKey(SalesSiteAccount, on_delete=models.CASCADE, related_name="alerts")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What makes this alert another one: the KST day of a failed connection, the key's date and the reminder's step.
    key = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    recipients = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Empty until the mail went out; a send that failed leaves it empty for the next run to try again.
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["account", "kind", "key"], name="uniq_account_alert")]

    def __str__(self) -> str:
        return f"{self.account}: {self.subject}"
