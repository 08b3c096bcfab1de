"""Django's cache: shared by every process through Redis when the portal has one, so that the API throttles
count a client's requests once however many web processes answer them; and a Redis that is down does not take
the pages with it."""

import logging
import os
import subprocess
import sys

import environ
import pytest
from django.core.cache import cache, caches
from django.test import override_settings
from django_redis.cache import RedisCache
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from smartship.config import ConfigError, cache_config
from tests.core.test_config import ROOT, production_env, run_manage
from tests.factories import make_seller_user


def config_for(monkeypatch, **env: str) -> dict:
    for name in ("REDIS_URL", "SMARTSHIP_CACHE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return cache_config(environ.Env())


def test_without_redis_each_process_keeps_its_own(monkeypatch):
    assert config_for(monkeypatch)["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.parametrize(("redis_url", "location"), [
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
    ("redis://redis:6379", "redis://redis:6379/1"),
    ("redis://:secret@redis.example.com:6380/3", "redis://:secret@redis.example.com:6380/4"),
    ("rediss://redis.example.com:6380/0?ssl_cert_reqs=required", "rediss://redis.example.com:6380/1?ssl_cert_reqs=required"),
])
def test_with_redis_the_cache_takes_the_database_after_the_brokers(monkeypatch, redis_url, location):
    # cache.clear() empties a whole Redis database: it must never be the one holding Celery's queues.
    config = config_for(monkeypatch, REDIS_URL=redis_url)
    assert config["BACKEND"] == "django_redis.cache.RedisCache"
    assert config["LOCATION"] == location
    assert config["OPTIONS"]["IGNORE_EXCEPTIONS"] is True


def test_a_cache_url_of_its_own_wins(monkeypatch):
    config = config_for(monkeypatch, REDIS_URL="redis://redis:6379/0", SMARTSHIP_CACHE_URL="redis://cache:6379/0")
    assert config["LOCATION"] == "redis://cache:6379/0"


@pytest.mark.parametrize("broker", ["redis://redis:6379/queues", "redis://redis:6379/15"])
def test_a_broker_database_with_no_next_one_asks_for_a_cache_url(monkeypatch, broker):
    with pytest.raises(ConfigError, match="set SMARTSHIP_CACHE_URL"):
        config_for(monkeypatch, REDIS_URL=broker)


@pytest.mark.parametrize("cache_url", ["redis://redis:6379/0", "redis://REDIS:6379", "redis://:pw@redis/0"])
def test_the_cache_may_not_share_the_brokers_database(monkeypatch, cache_url):
    with pytest.raises(ConfigError, match="names the broker's Redis database"):
        config_for(monkeypatch, REDIS_URL="redis://redis:6379/0", SMARTSHIP_CACHE_URL=cache_url)
    assert config_for(monkeypatch, REDIS_URL="redis://redis:6379/0",
                      SMARTSHIP_CACHE_URL="redis://redis:6380/0")["LOCATION"] == "redis://redis:6380/0"


@pytest.mark.parametrize("url", ["localhost:6379", "memcached://cache:11211"])
def test_a_malformed_cache_url_stops_start_up_with_one_line(url):
    result = run_manage("check", **production_env(SMARTSHIP_CACHE_URL=url))
    assert result.returncode == 2, result.stderr
    assert "SMARTSHIP_CACHE_URL is malformed" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.django_db
def test_redis_down_lets_the_api_answer_and_logs_it(monkeypatch, caplog):
    # Port 1 on loopback: nothing listens there, the connection is refused at once.
    down = {"default": config_for(monkeypatch, REDIS_URL="redis://127.0.0.1:1/0")}
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "2/minute")
    _, user = make_seller_user()
    api = APIClient()
    api.force_authenticate(user)
    with override_settings(CACHES=down), caplog.at_level(logging.ERROR, logger="smartship.cache"):
        statuses = [api.get("/api/v1/me/").status_code for _ in range(3)]
    # No count could be kept, so none is refused: a throttle is a guard, not a reason to stop the portal.
    assert statuses == [200, 200, 200]
    assert any(record.name == "smartship.cache" for record in caplog.records)


@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_api_throttle_counts_are_shared_between_processes(monkeypatch):
    # Another process (another gunicorn worker) answers two requests of the user; this process then has one left.
    assert isinstance(caches["default"], RedisCache)
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "3/minute")
    cache.clear()
    _, user = make_seller_user()
    script = (
        "import django; django.setup()\n"
        "from types import SimpleNamespace\n"
        "from rest_framework.throttling import UserRateThrottle\n"
        f"user = SimpleNamespace(pk={user.pk}, is_authenticated=True)\n"
        "request = SimpleNamespace(user=user, META={'REMOTE_ADDR': '203.0.113.9'})\n"
        "print([UserRateThrottle().allow_request(request, None) for _ in range(2)])\n"
    )
    other = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                           env={**os.environ, "DJANGO_SETTINGS_MODULE": "smartship.settings",
                                "SMARTSHIP_API_USER_RATE": "3/minute"})
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip() == "[True, True]"
    api = APIClient()
    api.force_authenticate(user)
    assert [api.get("/api/v1/me/").status_code for _ in range(2)] == [200, 429]
    cache.clear()
