"""Beat's daily clean-up keeps what grows with every call and run bounded, and touches nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.utils import timezone

from core.services import history_prune
from integrations.models import ApiCallLog, SyncRun
from inventory.models import StockSyncRun
from tests.factories import make_account, make_seller_user
from tests.orders.factories import make_order

pytestmark = pytest.mark.django_db


def test_old_history_goes_recent_and_running_stay_and_orders_are_never_touched(settings):
    settings.SMARTSHIP_HISTORY_KEEP_DAYS = 30
    seller, _ = make_seller_user()
    account = make_account(seller=seller)
    now = timezone.now()
    old, recent = now - timedelta(days=31), now - timedelta(days=29)
    for started in (old, old, recent):
        ApiCallLog.objects.create(seller=seller, account=account, site="lotteon", api_no="209", method="POST",
                                  path="/x", duration_ms=1, started_at=started)
    done = SyncRun.objects.create(seller=seller, account=account, status=SyncRun.Status.SUCCEEDED)
    stuck = SyncRun.objects.create(seller=seller, account=account, status=SyncRun.Status.RUNNING)
    fresh = SyncRun.objects.create(seller=seller, account=account, status=SyncRun.Status.FAILED)
    SyncRun.objects.filter(pk__in=[done.pk, stuck.pk]).update(queued_at=old)
    stock_old = StockSyncRun.objects.create(seller=seller, account=account, status=StockSyncRun.Status.SUCCEEDED)
    StockSyncRun.objects.filter(pk=stock_old.pk).update(started_at=old)
    Session.objects.create(session_key="a" * 32, session_data="", expire_date=now - timedelta(seconds=1))
    Session.objects.create(session_key="b" * 32, session_data="", expire_date=now + timedelta(days=1))
    order = make_order(seller=seller, account=account, instructed_at=old)
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        for username, when in (("old", old), ("recent", recent)):
            extra = {"failures_since_start": 1, "get_data": "", "post_data": ""} if model is AccessAttempt else {}
            row = model.objects.create(username=username, ip_address="10.0.0.1", user_agent="", http_accept="",
                                       path_info="/accounts/login/", **extra)
            model.objects.filter(pk=row.pk).update(attempt_time=when)

    assert history_prune() == {"api_calls": 2, "sync_runs": 1, "stock_runs": 1, "sessions": 1, "sign_ins": 3}
    assert list(ApiCallLog.objects.values_list("started_at", flat=True)) == [recent]
    assert set(SyncRun.objects.values_list("pk", flat=True)) == {stuck.pk, fresh.pk}
    assert not StockSyncRun.objects.exists()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]
    assert order.lines.exists() and type(order).objects.filter(pk=order.pk).exists()
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        assert list(model.objects.values_list("username", flat=True)) == ["recent"]
    assert history_prune() == {"api_calls": 0, "sync_runs": 0, "stock_runs": 0, "sessions": 0, "sign_ins": 0}


def test_prune_history_is_on_beats_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["prune-history"]
    assert entry["task"] == "core.tasks.prune_history" and entry["schedule"] == 86400.0
