from celery import shared_task

from core.services import heartbeat_record


@shared_task(bind=True, ignore_result=True)
def record_heartbeat(self) -> None:
    heartbeat_record(hostname=self.request.hostname or "worker")
