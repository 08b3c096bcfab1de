"""Expiring named locks in the database, the same on SQLite and PostgreSQL (one conditional UPDATE)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from core.models import Lease


def lease_acquire(*, name: str, ttl: timedelta) -> str | None:
    """Take the lease unless a live one is held; an expired one (its holder died) is taken over."""
    Lease.objects.get_or_create(name=name)
    token = uuid.uuid4().hex
    now = timezone.now()
    taken = Lease.objects.filter(name=name).filter(Q(expires_at__isnull=True) | Q(expires_at__lt=now)).update(
        token=token, expires_at=now + ttl)
    return token if taken else None


def lease_extend(*, name: str, token: str, ttl: timedelta) -> bool:
    return bool(Lease.objects.filter(name=name, token=token).update(expires_at=timezone.now() + ttl))


def lease_release(*, name: str, token: str) -> None:
    Lease.objects.filter(name=name, token=token).update(token="", expires_at=None)
