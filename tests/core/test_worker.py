"""A real Celery worker process on the configured broker (Redis when REDIS_URL is set) runs our tasks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from core.models import WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def database_url_of_test_database() -> str:
    """The test database as a DATABASE_URL, so the worker process writes where the test reads."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker_process():
    """Start `celery worker --beat` on a queue of its own; yield the queue name; stop it."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = os.environ.copy()
    env.update(
        DATABASE_URL=database_url_of_test_database(),
        SMARTSHIP_QUEUE=queue,
        SMARTSHIP_HEARTBEAT_SECONDS="1",
        CELERY_BEAT_SCHEDULE_FILENAME="",
    )
    beat_schedule = Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).with_name(f"beat-{queue}")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "smartship", "worker", "--beat", "--pool", "solo",
         "--loglevel", "INFO", "-Q", queue, "--hostname", f"{queue}@test", "--schedule", str(beat_schedule)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        yield queue
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        beat_schedule.unlink(missing_ok=True)
        if process.returncode not in (0, -15):
            print(output)


def wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_worker_runs_a_task_sent_from_here_and_beat_schedules_one(celery_worker_process):
    queue = celery_worker_process
    from core.tasks import record_heartbeat

    record_heartbeat.apply_async(queue=queue)
    assert wait_for(lambda: WorkerHeartbeat.objects.filter(hostname=f"{queue}@test").exists()), (
        "the worker never ran the task sent to it"
    )
    first = WorkerHeartbeat.objects.get(hostname=f"{queue}@test").last_seen_at
    # Beat runs the heartbeat every second on this queue: the time moves without us sending anything.
    assert wait_for(lambda: WorkerHeartbeat.objects.get(hostname=f"{queue}@test").last_seen_at > first, timeout=30)
    print("broker:", settings.CELERY_BROKER_URL.split("@")[-1])
