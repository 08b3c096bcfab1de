import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartship.settings")

app = Celery("smartship")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def announce_worker(sender, **kwargs) -> None:
    """The dashboard shows a worker as running from the moment it starts, not only after beat's first beat."""
    from core.services import heartbeat_record

    heartbeat_record(hostname=sender.hostname)
