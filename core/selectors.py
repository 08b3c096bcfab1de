from datetime import timedelta

from django.utils import timezone

from core.models import WorkerHeartbeat


def worker_last_seen():
    """The newest heartbeat time of any worker, or None when none has run yet."""
    return WorkerHeartbeat.objects.order_by("-last_seen_at").values_list("last_seen_at", flat=True).first()


def worker_is_alive(*, within: timedelta = timedelta(minutes=3)) -> bool:
    last_seen = worker_last_seen()
    return last_seen is not None and timezone.now() - last_seen <= within
