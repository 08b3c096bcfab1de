"""A real Celery worker process on the configured broker (Redis when REDIS_URL is set) runs our tasks."""

import pytest
from django.conf import settings

from core.models import WorkerHeartbeat
from tests.plugins.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_runs_a_task_sent_from_here_and_beat_schedules_one(celery_worker_process):
    queue = celery_worker_process(SMARTSHIP_HEARTBEAT_SECONDS="1")
    from core.tasks import record_heartbeat

    record_heartbeat.apply_async(queue=queue)
    assert wait_for(lambda: WorkerHeartbeat.objects.filter(hostname=f"{queue}@test").exists()), (
        "the worker never ran the task sent to it"
    )
    first = WorkerHeartbeat.objects.get(hostname=f"{queue}@test").last_seen_at
    # Beat runs the heartbeat every second on this queue: the time moves without us sending anything.
    assert wait_for(lambda: WorkerHeartbeat.objects.get(hostname=f"{queue}@test").last_seen_at > first, timeout=30)
    print("broker:", settings.CELERY_BROKER_URL.split("@")[-1])
