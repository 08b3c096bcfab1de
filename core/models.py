from django.db import models


class WorkerHeartbeat(models.Model):
    """Written by the Celery worker on beat's schedule; the dashboard shows whether background work runs."""

    hostname = models.CharField(max_length=200, unique=True)
    last_seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.hostname} @ {self.last_seen_at:%Y-%m-%d %H:%M:%S}"
