"""Connection alerts by e-mail: a seller who does not open the portal every day still learns that orders stopped.

Beat runs ``account_alerts_send`` (``integrations.tasks.send_account_alerts``). For every active account of a seller
with alert e-mails, it finds what needs telling — a connection that failed (at most one mail a day while it stays
failed), order syncs that have not worked for hours though the key does, an API key near its end (30, 7 and 1 days
before, and once it has passed) — and sends each alert once: an
``AccountAlert`` row per (account, kind, key) remembers it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ApplicationError
from integrations.base import Capability
from integrations.models import AccountAlert, AccountEvent, SalesSiteAccount, SyncRun
from integrations.registry import name_of, supports
from integrations.services import account_key_expiry
from sellers.models import Seller

logger = logging.getLogger("smartship.integrations")

# The days before a key's date on which a reminder goes out; a key past its date gets one more.
KEY_REMINDER_DAYS = (30, 7, 1)
STOPS = "SmartShip cannot pull or confirm orders of this account, nor send tracking numbers or stock to it."


@dataclass(frozen=True)
class Alert:
    kind: str
    key: str
    subject: str
    body: str


def alert_emails_parse(value: str) -> list[str]:
    """The addresses of a seller's Alert e-mails, one per line (commas and spaces separate them too)."""
    return [part for part in value.replace(",", " ").split() if part]


def _account_link(account: SalesSiteAccount) -> str:
    base = settings.SMARTSHIP_PUBLIC_URL.rstrip("/")
    page = "SmartShip ▸ Order ▸ Sales Site API"
    return f"{page}: {base}{reverse('integrations:account-detail', args=[account.pk])}" if base else page


def _where(account: SalesSiteAccount) -> str:
    return f"{name_of(account.site)} account {account.shop_id} (Account Number {account.account_number})"


def _key_step(days_left: int) -> str | None:
    """Which reminder a key with ``days_left`` is due for: the nearest step not yet passed, or "passed"."""
    if days_left < 0:
        return "passed"
    steps = [days for days in KEY_REMINDER_DAYS if days_left <= days]
    return str(min(steps)) if steps else None


def account_sync_stalled_since(account: SalesSiteAccount, *, now: datetime | None = None) -> datetime | None:
    """Since when orders have not arrived although the key works (the site keeps failing with 5xx, timeouts or 429,
    or nothing runs the syncs), once that has lasted SMARTSHIP_ALERT_SYNC_STALLED_MINUTES; else None."""
    if (not account.is_active or not account.auto_order_integration
            or not supports(account.site, Capability.ORDER_INTEGRATION)
            or account.connection_status == SalesSiteAccount.ConnectionStatus.FAILED):  # that one has its own alert
        return None
    since = account.last_synced_at or account.created_at
    if (now or timezone.now()) - since < timedelta(minutes=settings.SMARTSHIP_ALERT_SYNC_STALLED_MINUTES):
        return None
    return since


def _sync_stalled(account: SalesSiteAccount, now: datetime) -> Alert | None:
    """Told once per stall: the alert's key is the last success, which a sync that works moves on."""
    since = account_sync_stalled_since(account, now=now)
    if since is None:
        return None
    site, where = name_of(account.site), _where(account)
    hours = int((now - since).total_seconds() // 3600)
    last = (SyncRun.objects.filter(account=account).exclude(error_message="").order_by("-queued_at")
            .values_list("error_message", flat=True).first())
    succeeded = f"since {timezone.localtime(since):%Y-%m-%d %H:%M} KST" if account.last_synced_at else \
        f"since it was registered ({timezone.localtime(since):%Y-%m-%d %H:%M} KST)"
    return Alert(
        kind=AccountAlert.Kind.SYNC_STALLED, key=since.isoformat(),
        subject=f"[SmartShip] {where}: no order sync has worked for {hours} hours",
        body=(f"No order sync of {where} has succeeded {succeeded}: orders placed at {site} since then have not "
              f"reached SmartShip.\n\n" + (f"The last sync said: {last}\n\n" if last else "")
              + "SmartShip keeps trying; once a sync works, the orders arrive by themselves. If this lasts, look at "
              f"the account's Sync history and API call log.\n\n{_account_link(account)}\n"),
    )


def account_alerts_due(account: SalesSiteAccount, *, today: date | None = None,
                       now: datetime | None = None) -> list[Alert]:
    """What the seller should be told about ``account`` now (each alert's key says when it is a new one)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    site, where = name_of(account.site), _where(account)
    alerts = []
    if account.connection_status == SalesSiteAccount.ConnectionStatus.FAILED:
        alerts.append(Alert(
            kind=AccountAlert.Kind.CONNECTION_FAILED, key=today.isoformat(),
            subject=f"[SmartShip] {where}: the connection to {site} failed",
            body=(f"The connection of {where} to {site} failed:\n\n{account.connection_message or 'refused'}\n\n"
                  f"Until it is fixed, {STOPS}\nCorrect it in Edit, then press Test Connection.\n\n{_account_link(account)}\n"),
        ))
    if stalled := _sync_stalled(account, now):
        alerts.append(stalled)
    expiry = account_key_expiry(account, today=today)
    if expiry is not None and (step := _key_step(expiry.days_left)) is not None:
        when = f"{expiry.on:%Y-%m-%d}" + (f" (estimated: {expiry.site.api_key_lifetime_days} days after it was "
                                          "saved in SmartShip)" if expiry.estimated else "")
        if expiry.passed:
            subject = f"[SmartShip] {where}: the API Key's date has passed"
            said = f"The API Key of {where} was due to expire on {when}."
        else:
            days = f"in {expiry.days_left} day{'s' * (expiry.days_left != 1)}" if expiry.days_left else "today"
            subject = f"[SmartShip] {where}: the API Key expires {days}"
            said = f"The API Key of {where} expires on {when}."
        alerts.append(Alert(
            kind=AccountAlert.Kind.KEY_EXPIRY, key=f"{expiry.on.isoformat()}:{step}", subject=subject,
            body=(f"{said}\n\nWithout a valid key, {STOPS}\nIssue a new key and "
                  f"paste it in Edit{' with its date' if expiry.estimated else ''}. {expiry.site.api_key_help}\n\n"
                  f"{_account_link(account)}\n"),
        ))
    return alerts


def _claim(account: SalesSiteAccount, alert: Alert, recipients: list[str]) -> AccountAlert | None:
    """The alert's row, taken for sending by this run; None when it went out already or another run has it."""
    now = timezone.now()
    try:
        with transaction.atomic():
            row, _ = AccountAlert.objects.get_or_create(
                account=account, kind=alert.kind, key=alert.key,
                defaults={"seller_id": account.seller_id, "subject": alert.subject,
                          "recipients": "\n".join(recipients)})
    except IntegrityError:  # another run made it at the same moment: that run sends it
        return None
    # Taking it is one UPDATE that only one run can win: two beat runs at once send one mail.
    if not AccountAlert.objects.filter(pk=row.pk, sent_at__isnull=True).update(sent_at=now):
        return None
    row.sent_at = now
    return row


def account_alerts_send(*, today: date | None = None, now: datetime | None = None) -> int:
    """Send the alerts due for every active account of a seller with alert e-mails; the number sent."""
    accounts = (SalesSiteAccount.objects.filter(is_active=True, seller__is_active=True)
                .exclude(seller__alert_emails="").select_related("seller").order_by("pk"))
    sent = 0
    for account in accounts:
        recipients = alert_emails_parse(account.seller.alert_emails)
        for alert in account_alerts_due(account, today=today, now=now):
            row = _claim(account, alert, recipients)
            if row is None:
                continue
            try:
                send_mail(alert.subject, alert.body, None, recipients)
            except Exception:  # the mail server refused or was away: the next run tries again
                AccountAlert.objects.filter(pk=row.pk).update(sent_at=None)
                logger.warning("alert not sent", extra={"account_id": account.pk, "kind": alert.kind},
                               exc_info=True)
                continue
            # The account's History says what the seller was told and when, beside who changed what.
            AccountEvent.objects.create(account=account, seller_id=account.seller_id, kind=AccountEvent.Kind.ALERT_SENT,
                                        details={"message": f"{alert.subject} (to {', '.join(recipients)})"})
            sent += 1
    return sent


class MailNotSent(Exception):
    """The mail server did not take a mail: nothing the seller's request got wrong (not an ApplicationError)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def alert_test_send(*, seller: Seller) -> list[str]:
    """A mail to the seller's Alert e-mails now, so the seller knows they arrive before trouble does."""
    recipients = alert_emails_parse(seller.alert_emails)
    if not recipients:
        raise ApplicationError("Save at least one address under Alert e-mails first.", code="no_alert_emails")
    try:
        send_mail(f"[SmartShip] Test alert for {seller.name}",
                  f"This is a test. SmartShip will write to this address about {seller.name}'s sales-site accounts "
                  "when a connection fails, when order syncs stop working and before an API Key expires.\n",
                  None, recipients)
    except Exception as exc:  # the mail server refused or was away: the seller is told what it said
        logger.warning("test alert not sent", extra={"seller_id": seller.pk}, exc_info=True)
        raise MailNotSent(f"The mail server did not take the test e-mail ({exc.__class__.__name__}: {exc}). "
                          "Ask whoever runs SmartShip to check its e-mail settings (EMAIL_URL).") from None
    return recipients
