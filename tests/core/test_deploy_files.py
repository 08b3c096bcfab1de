import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_file_has_every_service_on_one_image():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis", "sandbox"}
    for name in ("web", "worker", "beat", "sandbox"):
        assert services[name]["image"] == "smartship:latest"
    environment = services["web"]["environment"]
    for variable in ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "SMARTSHIP_ENCRYPTION_KEYS", "LOTTEON_BASE_URL"):
        assert variable in environment
    assert "lotteon_sandbox" in services["sandbox"]["command"]


def test_docker_compose_accepts_the_file():
    command = ["docker-compose"] if shutil.which("docker-compose") else None
    if command is None:
        pytest.skip("docker-compose is not installed")
    env = {**os.environ, "DJANGO_SECRET_KEY": "x" * 50, "SMARTSHIP_ENCRYPTION_KEYS": "k"}
    result = subprocess.run([*command, "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
