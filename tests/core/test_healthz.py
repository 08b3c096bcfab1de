"""/healthz fails when pages cannot render: production's manifest storage without its collected files."""

import pytest
from django.core.management import call_command

MANIFEST_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture
def production_static(settings, tmp_path):
    """Production's static storage on an empty STATIC_ROOT of the test's own (the bug: nothing collected)."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STATIC_ROOT.mkdir()
    settings.STORAGES = MANIFEST_STORAGES
    settings.DEBUG = False
    return settings.STATIC_ROOT


@pytest.mark.django_db
def test_healthz_fails_without_the_manifest(client, production_static):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"ok": False, "failed": "staticfiles"}


@pytest.mark.django_db
def test_healthz_fails_without_the_manifest_even_with_debug(client, production_static, settings):
    settings.DEBUG = True  # url() skips the manifest under DEBUG; the check must not
    assert client.get("/healthz").status_code == 503


@pytest.mark.django_db
def test_healthz_and_pages_work_once_collected(client, production_static):
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (production_static / "staticfiles.json").exists()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b"/static/css/app." in page.content and b"/static/css/app.css" not in page.content  # hashed name


@pytest.mark.django_db
def test_healthz_fails_when_the_database_does_not_answer(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"ok": False, "failed": "database"}
