"""Errors reach the operators: with DJANGO_ADMINS set, a server error or an error logged by a task is mailed,
the same one at most once an hour (the log keeps every occurrence)."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.test import Client

from core.logging import OncePerInterval
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
