from django.db import models


class WorkerHeartbeat(models.Model):
    """Written by the Celery worker on beat's schedule; the dashboard shows whether background work runs."""

    hostname = models.CharField(max_length=200, unique=True)
    last_seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.hostname} @ {self.last_seen_at:%Y-%m-%d %H:%M:%S}"


class Lease(models.Model):
    """A named lock that expires: one sync or push per account at a time, and a worker that dies while
    holding it cannot block the next one for longer than the lease."""

    name = models.CharField(max_length=100, unique=True)
    token = models.CharField(max_length=40, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
