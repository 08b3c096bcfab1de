"""docker-compose.yml, the Dockerfile and .dockerignore, read the way Docker reads them (no Docker needed)."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def default_of(value: str) -> str | None:
    """The default of a ``${VAR:-default}`` reference; None for ``${VAR:?message}`` (required)."""
    match = re.fullmatch(r"\$\{(\w+)(:-|:\?)(.*)\}", value, re.DOTALL)
    assert match, f"{value!r} is not a ${{VAR:-default}} or ${{VAR:?message}} reference"
    return match.group(3) if match.group(2) == ":-" else None


def seconds(duration: str) -> int:
    match = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert match and duration, duration
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    rows = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(row.split(None, 1)[0].upper(), row.split(None, 1)[1]) for row in rows]


def test_compose_file_has_every_service_on_one_image(compose):
    services = compose["services"]
    assert set(services) == {"migrate", "web", "worker", "beat", "db", "redis", "sandbox"}
    for name in (*APP_SERVICES, "sandbox"):
        assert services[name]["image"] == "smartship:latest"
    environment = services["web"]["environment"]
    for variable in ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "SMARTSHIP_ENCRYPTION_KEYS", "LOTTEON_BASE_URL",
                     "SMARTSHIP_SERVER_IPS", "DJANGO_ALLOWED_HOSTS"):
        assert variable in environment
    assert "lotteon_sandbox" in services["sandbox"]["command"]


def test_compose_defaults_are_the_production_ones(compose):
    environment = compose["services"]["web"]["environment"]
    assert environment["SMARTSHIP_ENV"] == "production"
    assert default_of(environment["LOTTEON_BASE_URL"]) == "https://openapi.lotteon.com"
    assert default_of(environment["DJANGO_SECURE_COOKIES"]) == "true"
    assert default_of(environment["DJANGO_SSL_REDIRECT"]) == "true"
    assert int(default_of(environment["DJANGO_HSTS_SECONDS"])) > 0
    assert default_of(environment["DJANGO_BEHIND_PROXY"]) == "false"
    # Required from the environment: no silent empty list of egress IPs, no made-up host names.
    assert default_of(environment["SMARTSHIP_SERVER_IPS"]) is None
    assert default_of(environment["DJANGO_ALLOWED_HOSTS"]) is None
    assert "SMARTSHIP_STATIC_ROOT" not in environment  # the image's collected files are the ones read


def test_the_sandbox_only_runs_with_its_profile_and_publishes_nothing(compose):
    sandbox = compose["services"]["sandbox"]
    assert sandbox["profiles"] == ["sandbox"]
    assert "ports" not in sandbox  # its /__admin__/ has no login
    for name in APP_SERVICES:
        assert "sandbox" not in compose["services"][name].get("depends_on", {})


def test_migrations_run_once_before_web_worker_and_beat(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["command"].split()[-2:] == ["migrate", "--noinput"]
    assert migrate["restart"] == "no"  # a one-shot: "unless-stopped" would run it again and again
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["db"]["condition"] == "service_healthy", name
        command = services[name]["command"]
        assert "migrate" not in (command if isinstance(command, str) else " ".join(command)), name


def test_gunicorn_is_pid_1_of_web(compose):
    """Docker's SIGTERM goes to PID 1; a plain ``sh -c`` ignores it and the container is killed after the grace."""
    command = compose["services"]["web"]["command"]
    words = command if isinstance(command, list) else shlex.split(command)
    if words[0] in {"sh", "bash"}:
        assert words[1] == "-c" and re.search(r"(^|&&|;)\s*exec gunicorn ", words[2]), words
    else:
        assert words[0] == "gunicorn", words


def test_worker_gets_time_to_finish_its_tasks(compose):
    assert seconds(compose["services"]["worker"]["stop_grace_period"]) >= 120
    assert seconds(compose["services"]["web"]["stop_grace_period"]) >= 30  # gunicorn's --graceful-timeout 30


def test_beat_keeps_its_schedule_on_a_named_volume(compose):
    beat = compose["services"]["beat"]
    schedule = PurePosixPath(re.search(r"--schedule[ =](\S+)", beat["command"]).group(1))
    mounts = dict(volume.split(":")[:2][::-1] for volume in beat["volumes"])  # container path -> volume
    assert str(schedule.parent) in mounts
    assert mounts[str(schedule.parent)] in compose["volumes"]
    # The image creates that folder for its user, so a new named volume starts writable by beat.
    run = " ".join(args for kind, args in dockerfile_instructions() if kind == "RUN")
    assert f"mkdir -p {schedule.parent}" in run
    assert "replicas" not in beat.get("deploy", {})  # exactly one beat


def test_docker_compose_accepts_the_file():
    command = ["docker-compose"] if shutil.which("docker-compose") else None
    if command is None:
        pytest.skip("docker-compose is not installed")
    env = {**os.environ, "DJANGO_SECRET_KEY": "x" * 50, "SMARTSHIP_ENCRYPTION_KEYS": "k",
           "DJANGO_ALLOWED_HOSTS": "portal.example.com", "SMARTSHIP_SERVER_IPS": "203.0.113.10"}
    result = subprocess.run([*command, "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    del env["SMARTSHIP_SERVER_IPS"]
    result = subprocess.run([*command, "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SMARTSHIP_SERVER_IPS" in result.stderr


def production_static_root(**env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in {"SMARTSHIP_STATIC_ROOT", "DATABASE_URL"}}
    environment.update(SMARTSHIP_ENV="production", DJANGO_SECRET_KEY="s" * 50, DJANGO_ALLOWED_HOSTS="h",
                       SMARTSHIP_ENCRYPTION_KEYS="x3q8pZ0m5oVnT1cR2b9yQm3s0fJkL7wH4uE6gA1dB2c=",
                       SMARTSHIP_SERVER_IPS="203.0.113.10", DJANGO_SETTINGS_MODULE="smartship.settings", **env)
    result = subprocess.run([sys.executable, "-c", "from django.conf import settings as s; "
                             "print(s.STATIC_ROOT.relative_to(s.BASE_DIR))"],
                            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_static_root_is_the_same_at_build_and_at_run_time(tmp_path):
    """The build collects into the folder the running containers read (the 500s of a missing manifest)."""
    relative = production_static_root(SMARTSHIP_VAR_DIR=str(tmp_path / "a"))
    assert relative == production_static_root(SMARTSHIP_VAR_DIR=str(tmp_path / "b"))  # not under the var dir
    instructions = dockerfile_instructions()
    workdir = next(args for kind, args in instructions if kind == "WORKDIR")
    collect = next(args for kind, args in instructions if kind == "RUN" and "collectstatic" in args)
    assert f"test -s {PurePosixPath(workdir) / relative / 'staticfiles.json'}" in collect
    assert not [args for _, args in instructions if "SMARTSHIP_STATIC_ROOT" in args]


def test_the_dockerfiles_collectstatic_writes_the_production_manifest(tmp_path):
    """Runs the Dockerfile's own collectstatic command (python and the build folder swapped for the test's)."""
    collect = next(args for kind, args in dockerfile_instructions() if kind == "RUN" and "collectstatic" in args)
    command = next(part for part in collect.split("&&") if "collectstatic" in part)
    assert "SMARTSHIP_ENV=production" in command
    command = re.sub(r"\bpython\b", shlex.quote(sys.executable), command.replace("/tmp/build-var", str(tmp_path / "b")))
    static_root = tmp_path / "static"
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("SMARTSHIP_", "DJANGO_", "DATABASE_", "REDIS_"))}
    environment["SMARTSHIP_STATIC_ROOT"] = str(static_root)
    result = subprocess.run(["sh", "-c", command], cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert (static_root / "staticfiles.json").stat().st_size > 0
    assert list((static_root / "css").glob("app.*.css.gz"))  # hashed and compressed: WhiteNoise's storage


def test_dockerignore_keeps_development_files_out_of_the_image():
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    for name in ("tests", "bench", ".ci", ".ruff_cache", "var", ".venv", ".git", "staticfiles", ".env"):
        assert name in ignored, name


def test_readme_documents_every_variable_settings_read():
    sources = (ROOT / "smartship" / "settings.py").read_text() + (ROOT / "smartship" / "config.py").read_text()
    variables = set(re.findall(r"\b(?:env|Env\(\))\.(?:str|bool|int|float|list|path)\(\s*\"([A-Z][A-Z0-9_]+)\"", sources))
    assert {"DATABASE_URL", "DJANGO_CSRF_TRUSTED_ORIGINS", "DATABASE_CONN_MAX_AGE", "SMARTSHIP_SERVER_IPS"} <= variables
    table = {row.split("|")[1].strip().strip("`") for row in (ROOT / "README.md").read_text().splitlines()
             if row.startswith("| `")}
    assert sorted(variables - table) == []
