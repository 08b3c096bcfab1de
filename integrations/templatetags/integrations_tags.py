"""Presentation helpers for the sales-site pages."""

from __future__ import annotations

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def run_duration(run) -> str:
    """How long a sync run took, to the tenth of a second when short: "0.4 s", "12 s", "3 min 05 s".

    Django's ``timesince`` counts whole minutes, so every sync of a few seconds read "0 minutes".
    """
    if not (run.started_at and run.finished_at):
        return "—"
    seconds = round(max(0.0, (run.finished_at - run.started_at).total_seconds()), 1)
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@register.filter
def key_expiry(account):
    """The account's API key expiry (``integrations.services.KeyExpiry``), or None where keys do not expire."""
    from integrations.services import account_key_expiry

    return account_key_expiry(account)


@register.filter
def sync_stalled_hours(account) -> int | None:
    """Whole hours without a working order sync, once that is long enough to alert the seller (else None)."""
    from integrations.alerts import account_sync_stalled_since

    since = account_sync_stalled_since(account)
    return None if since is None else int((timezone.now() - since).total_seconds() // 3600)
