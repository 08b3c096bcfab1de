"""Bad configuration stops start-up with one clear line, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


# Variables of the calling shell that would change what a production check sees.
CLEARED = {"DATABASE_URL", "REDIS_URL", "SMARTSHIP_CACHE_URL", "DJANGO_SECRET_KEY", "SMARTSHIP_ENV", "SMARTSHIP_ENCRYPTION_KEYS",
           "DJANGO_ALLOWED_HOSTS", "DJANGO_DEBUG", "SMARTSHIP_SERVER_IPS", "DJANGO_SECURE_COOKIES",
           "DJANGO_SSL_REDIRECT", "DJANGO_HSTS_SECONDS", "DJANGO_BEHIND_PROXY", "SMARTSHIP_STATIC_ROOT",
           # Set by the browser tests' plugin in this process; a deployment never has it (check --deploy: async.E001).
           "DJANGO_ALLOW_ASYNC_UNSAFE"}
FERNET_KEY = "x3q8pZ0m5oVnT1cR2b9yQm3s0fJkL7wH4uE6gA1dB2c="  # a valid Fernet key, for these tests only


def production_env(**overrides: str) -> dict:
    """A production environment that settings accept; a test overrides or blanks one variable."""
    env = {"SMARTSHIP_ENV": "production", "DJANGO_SECRET_KEY": "k3Vb9-QwZr7Lp2Xn5Ty8Ud4Fs6Gh1Jm0Ka2Sd7Fg9Hj3Kl5Zx8Cv1Bn4", "SMARTSHIP_ENCRYPTION_KEYS": FERNET_KEY,
           "DJANGO_ALLOWED_HOSTS": "portal.example.com", "SMARTSHIP_SERVER_IPS": "203.0.113.10"}
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in CLEARED}
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
        (production_env(SMARTSHIP_SERVER_IPS=""), "SMARTSHIP_SERVER_IPS must be set in production"),
        (production_env(SMARTSHIP_SERVER_IPS=None), "SMARTSHIP_SERVER_IPS must be set in production"),
        (production_env(SMARTSHIP_SERVER_IPS="203.0.113.10,portal"), "SMARTSHIP_SERVER_IPS holds 'portal'"),
        (production_env(DJANGO_DEBUG="true"), "DJANGO_DEBUG=true is refused in production"),
        (production_env(DJANGO_ALLOWED_HOSTS=None), "DJANGO_ALLOWED_HOSTS must be set in production"),
        (production_env(DJANGO_ALLOWED_HOSTS=""), "DJANGO_ALLOWED_HOSTS must be set in production"),
        ({"SMARTSHIP_TASK_SOFT_TIME_LIMIT": "600", "SMARTSHIP_TASK_TIME_LIMIT": "540"},
         "SMARTSHIP_TASK_SOFT_TIME_LIMIT must be positive and below"),
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
        SMARTSHIP_SERVER_IPS="203.0.113.10,2001:db8::1",
    )
    assert result.returncode == 0, result.stderr


def test_development_keeps_its_defaults():
    """The embedded default still needs no variable at all: the new production checks stay in production."""
    result = run_manage("shell", "-v", "0", "-c", "from django.conf import settings as s; "
                        "print('RESULT', s.DEBUG, s.ALLOWED_HOSTS, s.SMARTSHIP_SERVER_IPS)")
    assert result.returncode == 0, result.stderr
    assert "RESULT True ['*'] ['127.0.0.1']" in result.stdout


def test_check_deploy_has_no_https_or_cookie_warnings():
    result = run_manage("check", "--deploy", **production_env())
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    # W004 HSTS, W005 HSTS subdomains, W008 SSL redirect, W012 session cookie, W016 CSRF cookie, W018 DEBUG,
    # W020 ALLOWED_HOSTS. W021 (HSTS preload) stays: joining the browsers' preload list is an opt-in
    # (DJANGO_HSTS_PRELOAD=true), see docs/deployment.md.
    for warning in ("W004", "W005", "W008", "W012", "W016", "W018", "W020"):
        assert f"security.{warning}" not in output, output


def test_each_https_default_can_be_turned_off_for_a_plain_http_trial():
    result = run_manage("shell", "-v", "0", "-c", "from django.conf import settings as s; print('RESULT', "
                        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)",
                        **production_env(DJANGO_SECURE_COOKIES="false", DJANGO_SSL_REDIRECT="false",
                                         DJANGO_HSTS_SECONDS="0"))
    assert result.returncode == 0, result.stderr
    assert "RESULT False False False 0" in result.stdout


@pytest.mark.parametrize(("behind_proxy", "expected"), [
    (None, "RESULT None"),
    ("false", "RESULT None"),
    ("true", "RESULT ('HTTP_X_FORWARDED_PROTO', 'https')"),
])
def test_x_forwarded_proto_is_trusted_only_behind_a_proxy(behind_proxy, expected):
    result = run_manage("shell", "-v", "0", "-c",
                        "from django.conf import settings as s; print('RESULT', s.SECURE_PROXY_SSL_HEADER)",
                        **production_env(DJANGO_BEHIND_PROXY=behind_proxy))
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


def test_seed_demo_refuses_in_production():
    result = run_manage("seed_demo", **production_env())
    assert result.returncode != 0
    assert "seed_demo refuses to run with SMARTSHIP_ENV=production" in result.stderr
    assert "--force-demo" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("", "-c jit=off"),
        ("-c statement_timeout=5000", "-c statement_timeout=5000 -c jit=off"),
        ("-c search_path=app -c jit_above_cost=100", "-c search_path=app -c jit_above_cost=100 -c jit=off"),
        ("-c jit=on", "-c jit=on"),
        ("-c statement_timeout=5000 --jit=on", "-c statement_timeout=5000 --jit=on"),
        ("-cjit=on", "-cjit=on"),
    ],
)
def test_jit_off_is_added_to_the_urls_own_options(monkeypatch, tmp_path, options, expected):
    from urllib.parse import quote

    import environ

    from smartship.config import database_config

    url = "postgres://u@db.example.com:5432/smartship" + (f"?options={quote(options)}" if options else "")
    monkeypatch.setenv("DATABASE_URL", url)
    config = database_config(environ.Env(), default_sqlite=tmp_path / "db.sqlite3")
    assert config["OPTIONS"]["options"] == expected
