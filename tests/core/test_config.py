"""Bad configuration stops start-up with one clear line, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DATABASE_URL": "mysqlx://nowhere"}, "DATABASE_URL has an unsupported scheme"),
        ({"DATABASE_URL": "postgres://u@host:notaport/db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://u@host:5432/"}, "DATABASE_URL names no database"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL is malformed"),
        ({"SMARTSHIP_ENV": "production"}, "DJANGO_SECRET_KEY must be set"),
        ({"SMARTSHIP_ENV": "production", "DJANGO_SECRET_KEY": "x" * 50}, "SMARTSHIP_ENCRYPTION_KEYS must be set"),
        ({"SMARTSHIP_ENCRYPTION_KEYS": "not-a-key"}, "not a Fernet key"),
        ({"SMARTSHIP_ENV": "staging"}, "SMARTSHIP_ENV must be"),
    ],
)
def test_bad_configuration_gives_one_clear_line(env, expected):
    result = run_manage("check", **env)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_start_with_real_secrets():
    from cryptography.fernet import Fernet

    result = run_manage(
        "check",
        SMARTSHIP_ENV="production",
        DJANGO_SECRET_KEY="s" * 50,
        SMARTSHIP_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DJANGO_ALLOWED_HOSTS="portal.example.com",
    )
    assert result.returncode == 0, result.stderr
