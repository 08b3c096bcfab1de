"""Errors reach the operators: with DJANGO_ADMINS set, a server error or an error logged by a task is mailed,
the same one at most once an hour (the log keeps every occurrence)."""

from __future__ import annotations

import logging
import sys

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client

from core.logging import OncePerInterval, RefusalWithoutTraceback
from orders.views import OrderDetailView
from tests.factories import make_seller_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(settings):
    settings.ADMINS = [("ops@example.com", "ops@example.com")]
    settings.DEBUG = False
    mail.outbox.clear()


def test_a_server_error_is_mailed_once_an_hour(admins, monkeypatch):
    def boom(self, request, *args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(OrderDetailView, "get", boom)
    _, user = make_seller_user()
    client = Client(raise_request_exception=False)
    client.force_login(user)

    assert client.get("/orders/731995/").status_code == 500
    [report] = mail.outbox
    assert report.to == ["ops@example.com"] and report.subject.startswith("[SmartShip] ERROR")
    assert "/orders/731995/" in report.subject and "the disk is full" in report.body

    assert client.get("/orders/731995/").status_code == 500
    assert len(mail.outbox) == 1, "the same failure again within the hour: logged, not mailed"
    assert client.get("/orders/731996/").status_code == 500
    assert len(mail.outbox) == 2, "another one is"


def test_an_error_logged_by_a_task_is_mailed(admins):
    try:
        raise KeyError("lotteon")
    except KeyError:
        logging.getLogger("orders.services.sync").exception("sync of account %s crashed", 918273)
    [report] = mail.outbox
    assert "sync of account 918273 crashed" in report.subject and "KeyError" in report.body


def test_nothing_is_mailed_without_admins_or_in_debug(settings):
    mail.outbox.clear()
    logging.getLogger("orders.services.sync").error("sync of account %s crashed", 918274)
    settings.ADMINS = [("ops@example.com", "ops@example.com")]
    settings.DEBUG = True
    logging.getLogger("orders.services.sync").error("sync of account %s crashed", 918275)
    assert mail.outbox == []


def test_the_filter_lets_the_same_record_through_again_after_the_interval():
    now = [0.0]
    once = OncePerInterval(seconds=60, clock=lambda: now[0])
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("a",), None)
    assert once.filter(record) and not once.filter(record)
    now[0] = 61
    assert once.filter(record)


def test_a_report_never_shows_the_api_key_or_password_the_request_carried(admins, monkeypatch, settings):
    import integrations.views
    from integrations.base import AdapterConfig

    def boom(*, seller, site, shop_id, api_key, account_number, account=None):
        config = AdapterConfig(api_key=api_key, account_number=account_number)
        raise RuntimeError(f"failed with {config!r}")

    monkeypatch.setattr(integrations.views, "credentials_test", boom)
    settings.ADMINS = [("ops@example.com", "ops@example.com")]
    _, user = make_seller_user()
    client = Client(raise_request_exception=False)
    client.force_login(user)
    response = client.post("/sales-sites/test/lotteon/", {"shop_id": "shop", "api_key": "SUPERSECRETKEY123456",
                                                          "account_number": "LO10000001", "password": "hunter2-x"})
    assert response.status_code == 500
    [report] = mail.outbox
    html = report.alternatives[0][0] if report.alternatives else ""
    for text in (report.body, html):
        assert "SUPERSECRETKEY123456" not in text and "hunter2-x" not in text
    assert "LO10000001" in report.body, "the rest of the request is still there to read"


@pytest.mark.parametrize("path", ["/orders/", "/sales-sites/"])
def test_a_warehouse_operator_refused_a_seller_page_is_one_warning_line_without_traceback(path, caplog,
                                                                                         django_user_model):
    operator = django_user_model.objects.create_user("qfc-op", password="x", is_warehouse_operator=True)
    client = Client()
    client.force_login(operator)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(path).status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelname == "WARNING" and record.getMessage() == f"Forbidden (Permission denied): {path}"
    assert record.exc_info is None and "Traceback" not in caplog.text


def test_the_refusal_filter_keeps_the_traceback_of_anything_else():
    def record_of(exc: Exception) -> logging.LogRecord:
        try:
            raise exc
        except Exception:
            return logging.LogRecord("django.request", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())

    refused, crashed = record_of(PermissionDenied("no")), record_of(RuntimeError("the disk is full"))
    assert RefusalWithoutTraceback().filter(refused) and refused.exc_info is None
    assert RefusalWithoutTraceback().filter(crashed) and crashed.exc_info[0] is RuntimeError
