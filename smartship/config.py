"""Reading configuration from the environment with errors a person can act on.

Settings call these helpers so that a bad value stops start-up with one clear line
(``manage.py``, the Celery app and WSGI print it) instead of a traceback deep in Django.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured


class ConfigError(ImproperlyConfigured):
    """A setting from the environment is missing or malformed."""


DATABASE_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}
BROKER_SCHEMES = {"redis", "rediss"}


def database_config(env: environ.Env, *, default_sqlite: Path) -> dict:
    url = env.str("DATABASE_URL", default="")
    if not url:
        return sqlite_config(default_sqlite)
    scheme = urlsplit(url).scheme
    if scheme not in DATABASE_SCHEMES:
        raise ConfigError(
            f"DATABASE_URL has an unsupported scheme {scheme!r}. Use postgres://USER:PASSWORD@HOST:5432/NAME, "
            "or leave DATABASE_URL unset for the embedded SQLite database under var/."
        )
    try:
        config = env.db_url_config(url)
    except Exception as exc:  # django-environ raises several types for a malformed URL
        raise ConfigError(f"DATABASE_URL is malformed ({exc}). Example: postgres://postgres@127.0.0.1:5432/smartship") from exc
    if scheme == "sqlite":
        return sqlite_config(Path(config["NAME"]))
    if not config.get("NAME"):
        raise ConfigError("DATABASE_URL names no database. Example: postgres://postgres@127.0.0.1:5432/smartship")
    try:
        int(config.get("PORT") or 5432)
    except ValueError as exc:
        raise ConfigError(f"DATABASE_URL has a port that is not a number: {config.get('PORT')!r}") from exc
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    # PostgreSQL's JIT compiles the list and search queries on every call and costs more than it saves
    # at the portal's query sizes (docs/performance.md, Orders list).
    # Appended to the URL's own ?options= (e.g. a statement_timeout) unless that sets jit itself.
    options = config.setdefault("OPTIONS", {})
    options["options"] = with_jit_off(options.get("options", ""))
    config["CONN_HEALTH_CHECKS"] = True
    return config


# "-c jit=on", "-cjit=off", "--jit=off", as libpq passes them to the server.
_JIT_OPTION = re.compile(r"(?:^|\s)(?:-c\s*|--)jit\s*=", re.IGNORECASE)


def with_jit_off(options: str) -> str:
    """libpq's connection ``options`` with ``-c jit=off`` added, unless they already set jit."""
    options = (options or "").strip()
    if _JIT_OPTION.search(options):
        return options
    return f"{options} -c jit=off".strip()


def sqlite_config(path: Path) -> dict:
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "smartship.sqlite3",
        "NAME": path,
        # The web server and the Celery worker write the same file: WAL lets readers run beside a
        # writer, IMMEDIATE takes the write lock up front so two writers queue instead of failing.
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        # Tests use a file too, so that a real Celery worker process can read the test database.
        "TEST": {"NAME": path.with_name("test-" + path.name)},
    }


def broker_url(env: environ.Env) -> str:
    url = env.str("REDIS_URL", default="")
    if not url:
        return "filesystem://"
    parts = urlsplit(url)
    if parts.scheme not in BROKER_SCHEMES or not parts.hostname:
        raise ConfigError(
            f"REDIS_URL is malformed: {url!r}. Example: redis://127.0.0.1:6379/0, "
            "or leave it unset for the embedded broker under var/."
        )
    return url


CACHE_KEY_PREFIX = "smartship"


def cache_config(env: environ.Env) -> dict:
    """Django's default cache: Redis when the portal has one, so that every web and worker process counts
    the API throttles (and remembers a failed carrier-list read) together; each process's memory otherwise.

    The cache takes the database after the broker's on the same server (``REDIS_URL`` …/0 → …/1), or
    ``SMARTSHIP_CACHE_URL``: ``cache.clear()`` empties a whole Redis database, which must never hold the
    broker's queues.
    """
    url = env.str("SMARTSHIP_CACHE_URL", default="")
    broker = broker_url(env)
    if not url:
        if not broker.startswith("redis"):
            # The embedded default runs one web process; room for the API throttles' counts (at Django's
            # 300 entries, a client using many addresses could push other clients' counts out).
            return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 20000}}
        url = _next_database(broker)
    parts = urlsplit(url)
    if parts.scheme not in BROKER_SCHEMES or not parts.hostname:
        raise ConfigError(f"SMARTSHIP_CACHE_URL is malformed: {url!r}. Example: redis://127.0.0.1:6379/1.")
    if broker.startswith("redis") and _redis_database(url) == _redis_database(broker):
        raise ConfigError("SMARTSHIP_CACHE_URL names the broker's Redis database (REDIS_URL): clearing the cache would "
                          "empty the task queues. Give the cache a database of its own, e.g. …/1.")
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "OPTIONS": {
            # Redis down must not take the pages and the API with it: a read answers "nothing cached"
            # (throttles then let requests through) and the failure is logged.
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
        },
    }


def _redis_database(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), parts.port or 6379, parts.path.strip("/") or "0"


def _next_database(url: str) -> str:
    parts = urlsplit(url)
    database = parts.path.strip("/") or "0"
    # Redis has databases 0-15 unless configured otherwise: the last one has no next.
    if not database.isdigit() or int(database) >= 15:
        raise ConfigError(f"REDIS_URL names database {database!r}, after which there is no database for the cache; "
                          "set SMARTSHIP_CACHE_URL to one of its own, e.g. redis://127.0.0.1:6379/1.")
    return parts._replace(path=f"/{int(database) + 1}").geturl()


def dev_encryption_key(secret_key: str) -> str:
    """A Fernet key derived from the development secret key, so the embedded default needs no setup."""
    return base64.urlsafe_b64encode(hashlib.sha256(("smartship-fields:" + secret_key).encode()).digest()).decode()
