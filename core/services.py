from datetime import timedelta

from django.utils import timezone

from core.models import WorkerHeartbeat


def heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"last_seen_at": timezone.now()}
    )
    return heartbeat


def rows_prune(queryset, *, batch: int = 5000) -> int:
    """Delete a queryset's rows a batch at a time (short transactions, no long lock on a busy table); the count."""
    deleted = 0
    while ids := list(queryset.values_list("pk", flat=True)[:batch]):
        queryset.model.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
    return deleted


def history_prune(*, keep_days: int | None = None) -> dict[str, int]:
    """Beat's daily clean-up of what grows with every call and run: the API call log, order sync runs and stock
    pushes older than ``SMARTSHIP_HISTORY_KEEP_DAYS`` (runs still queued or running are kept), and expired
    sessions, and the sign-in records of the lockout (axes: access log, failures, counts long past their
    cool-off). Orders, waybills and stock movements are records, never pruned."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.conf import settings
    from django.contrib.sessions.models import Session

    # Imported here: core is imported by the apps whose tables it prunes.
    from integrations.models import ApiCallLog, SyncRun
    from inventory.models import StockSyncRun

    days = settings.SMARTSHIP_HISTORY_KEEP_DAYS if keep_days is None else keep_days
    cutoff = timezone.now() - timedelta(days=days)
    return {
        "api_calls": rows_prune(ApiCallLog.objects.filter(started_at__lt=cutoff)),
        "sync_runs": rows_prune(SyncRun.objects.filter(queued_at__lt=cutoff).exclude(
            status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING])),
        "stock_runs": rows_prune(StockSyncRun.objects.filter(started_at__lt=cutoff).exclude(
            status=StockSyncRun.Status.RUNNING)),
        "sessions": rows_prune(Session.objects.filter(expire_date__lt=timezone.now())),
        "sign_ins": sum(rows_prune(model.objects.filter(attempt_time__lt=cutoff))
                        for model in (AccessLog, AccessFailureLog, AccessAttempt)),
    }
