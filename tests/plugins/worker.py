"""A real Celery worker process (with embedded beat) on the configured broker: Redis when REDIS_URL is set."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url_of_test_database() -> str:
    """The test database as a DATABASE_URL, so the worker process writes where the test reads."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(predicate: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


@pytest.fixture
def celery_worker_process():
    """Start `celery worker --beat` on a queue of its own with extra environment; stop it afterwards.

    Call the fixture's value with keyword environment variables; it returns the queue name.
    """
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(**extra_env: str) -> str:
        queue = f"test-{uuid.uuid4().hex[:8]}"
        env = os.environ.copy()
        env.update(DATABASE_URL=database_url_of_test_database(), SMARTSHIP_QUEUE=queue, **extra_env)
        schedule = Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).with_name(f"beat-{queue}")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "smartship", "worker", "--beat", "--pool", "solo",
             "--loglevel", "INFO", "-Q", queue, "--hostname", f"{queue}@test", "--schedule", str(schedule)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        started.append((process, schedule))
        return queue

    yield start
    for process, schedule in started:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        schedule.unlink(missing_ok=True)
        if process.returncode not in (0, -15):
            print(output)


@pytest.fixture
def eager_celery():
    """Tasks run inside the code that queues them (after commit), as a worker would run them."""
    from smartship.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
