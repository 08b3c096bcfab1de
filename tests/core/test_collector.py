"""The garbage collector's thresholds: raised once per process when Django starts (core/collector.py)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest
from django.conf import settings

from core.collector import collector_tune


@pytest.fixture
def thresholds():
    saved = gc.get_threshold()
    yield saved
    gc.set_threshold(*saved)


def test_django_start_up_raised_the_young_threshold():
    assert gc.get_threshold()[0] == settings.SMARTSHIP_GC_YOUNG_THRESHOLD == 100_000


def test_tune_sets_the_young_threshold_and_keeps_the_older_ones(thresholds):
    gc.set_threshold(700, 10, 10)
    assert collector_tune(young=50_000) == (50_000, 10, 10)


def test_zero_keeps_pythons_setting(thresholds):
    gc.set_threshold(700, 10, 10)
    assert collector_tune(young=0) == (700, 10, 10)


def test_a_new_process_gets_the_configured_threshold():
    """What a worker or web process does at start: django.setup() (the setting from the environment)."""
    code = "import django, gc; django.setup(); print(gc.get_threshold()[0])"
    env = {"DJANGO_SETTINGS_MODULE": "smartship.settings", "SMARTSHIP_GC_YOUNG_THRESHOLD": "25000",
           "PATH": "/usr/bin:/bin"}
    env.update({key: os.environ[key] for key in ("SMARTSHIP_VAR_DIR", "DATABASE_URL", "REDIS_URL") if key in os.environ})
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                         cwd=settings.BASE_DIR, check=True)
    assert out.stdout.strip() == "25000"
