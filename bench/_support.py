"""Shared by the benchmarks: a throwaway database and a running LotteON sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def django_setup(name: str) -> None:
    """Point Django at a fresh SQLite file under var/bench (or DATABASE_URL when set) and migrate it."""
    sys.path.insert(0, str(ROOT))
    var = ROOT / "var" / "bench"
    os.environ.setdefault("SMARTSHIP_VAR_DIR", str(var))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartship.settings")
    os.environ.setdefault("SMARTSHIP_LOG_LEVEL", "WARNING")
    if not os.environ.get("DATABASE_URL"):
        database = var / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("flush", "--noinput", verbosity=0) if os.environ["DATABASE_URL"].startswith("postgres") else None
    call_command("migrate", verbosity=0)


@contextmanager
def sandbox():
    process = subprocess.Popen(
        [sys.executable, "-m", "lotteon_sandbox", "--host", "127.0.0.1", "--port", "0", "--lines", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    line = process.stdout.readline()
    url = line.strip().rsplit(" ", 1)[-1]
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def admin(url: str, method: str, path: str, **body):
    response = requests.request(method, f"{url}/__admin__/{path}", json=body or None, timeout=60)
    response.raise_for_status()
    return response.json()


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result
