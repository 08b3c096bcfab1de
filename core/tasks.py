from celery import shared_task

from core.services import heartbeat_record, history_prune


@shared_task(bind=True, ignore_result=True)
def record_heartbeat(self) -> None:
    heartbeat_record(hostname=self.request.hostname or "worker")


@shared_task(ignore_result=True)
def prune_history() -> None:
    history_prune()
