"""Exports larger than a request should build: asked for, prepared by the worker, downloaded, expired."""

from __future__ import annotations

import contextlib
import io
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from orders.models import OrderExport, OrderStatus
from orders.selectors import OrderFilters
from orders.services import export as export_service
from orders.services.export import order_export_request, order_export_run, order_exports_expire
from tests.factories import make_account, make_seller_user
from tests.orders.factories import make_order

EXPORT = reverse("orders:order-export")
pytestmark = pytest.mark.django_db


@pytest.fixture
def seller_user():
    return make_seller_user(name="큰 상점")


@pytest.fixture
def client_in(client, seller_user):
    client.force_login(seller_user[1])
    return client


@pytest.fixture
def orders(seller_user, settings):
    """Three New orders of 2, 1 and 1 lines and one Shipped order; inline exports stop at 2 lines."""
    settings.SMARTSHIP_EXPORT_INLINE_LINES = 2
    seller = seller_user[0]
    account = make_account(seller=seller)
    made = [make_order(seller=seller, account=account, recipient_name="김민준",
                       lines=[{"product_name": "텀블러", "option_name": "실버"}, {"product_name": "텀블러",
                                                                                   "option_name": "블랙"}]),
            make_order(seller=seller, account=account, recipient_name="이서연"),
            make_order(seller=seller, account=account, recipient_name="박지호")]
    make_order(seller=seller, account=account, recipient_name="최배송", status=OrderStatus.SHIPPED)
    return made


def rows_of(content: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(content))["Orders"]
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_a_small_selection_still_downloads_at_once(client_in, orders):
    response = client_in.get(EXPORT, {"status": "shipped"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert [row["Recipient"] for row in rows_of(b"".join(response.streaming_content))] == ["최배송"]
    assert not OrderExport.objects.exists()


def test_a_large_selection_is_offered_in_the_background_and_a_get_creates_nothing(client_in, orders):
    response = client_in.get(EXPORT, {"status": "new"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "4 lines: more than the 2 written while you wait" in page
    assert 'action="/orders/export/?status=new"' in page and "Prepare the file" in page
    assert not OrderExport.objects.exists()


def test_the_size_counts_the_lines_of_a_search_and_orders_without_lines(client_in, seller_user, orders, settings):
    from orders.selectors import OrderFilters, order_export_size

    seller = seller_user[0]
    assert order_export_size(seller=seller, filters=OrderFilters(q="텀블러")) == 2
    assert order_export_size(seller=seller, filters=OrderFilters(q="없는 주문")) == 0
    make_order(seller=seller, recipient_name="빈 주문", lines=[])
    assert order_export_size(seller=seller, filters=OrderFilters()) == 6
    settings.SMARTSHIP_EXPORT_INLINE_LINES = 1
    assert "2 lines: more than the 1 written" in client_in.get(EXPORT, {"q": "텀블러"}).content.decode()


def test_prepared_file_holds_the_selection_and_downloads(client_in, seller_user, orders, eager_celery,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_in.post(f"{EXPORT}?status=new&ordering=recipient_name")
    job = OrderExport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("orders:export-detail", args=[job.pk])
    assert (job.seller, job.created_by, job.query) == (seller_user[0], seller_user[1], "status=new&ordering=recipient_name")
    assert (job.status, job.lines_total, job.lines_done) == (OrderExport.Status.READY, 4, 4)
    assert job.filename.startswith("orders-") and job.size == len(job.content) > 0

    with CaptureQueriesContext(connection) as queries:
        page = client_in.get(reverse("orders:export-detail", args=[job.pk])).content.decode()
    assert "Ready" in page and f"Download {job.filename}" in page and "hx-get" not in page
    assert not [q for q in queries.captured_queries if '"content"' in q["sql"]], "the page read the file"
    download = client_in.get(reverse("orders:export-download", args=[job.pk]))
    assert download["Content-Disposition"] == f'attachment; filename="{job.filename}"'
    rows = rows_of(download.content)
    # The tab and the sort asked for; what a request-time export of the same selection writes.
    assert [row["Recipient"] for row in rows] == ["김민준", "김민준", "박지호", "이서연"]
    assert [row["Option"] for row in rows[:2]] == ["실버", "블랙"]


def test_asking_again_for_the_same_selection_returns_the_job_waiting(client_in, orders):
    first = client_in.post(f"{EXPORT}?status=new")
    second = client_in.post(f"{EXPORT}?status=new")
    assert first["Location"] == second["Location"]
    job = OrderExport.objects.get()
    assert job.status == OrderExport.Status.QUEUED
    page = client_in.get(reverse("orders:export-detail", args=[job.pk])).content.decode()
    assert "Waiting for the background worker" in page and "hx-get" in page
    assert client_in.get(reverse("orders:export-download", args=[job.pk])).status_code == 404


def test_another_selection_gets_its_own_job_up_to_three_waiting(client_in, orders):
    locations = {client_in.post(f"{EXPORT}?{query}")["Location"] for query in ("status=new", "", "q=텀블러")}
    assert len(locations) == 3
    assert sorted(job.filters["status"] + "/" + job.filters["q"] for job in OrderExport.objects.all()) == [
        "/", "/텀블러", "new/"]
    response = client_in.post(f"{EXPORT}?ordering=recipient_name", follow=True)
    assert OrderExport.objects.count() == 3, "a fourth waits until one is ready"
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"{EXPORT}?ordering=recipient_name"
    assert "3 exports are being prepared already" in page


def test_a_worker_that_never_finished_does_not_block_the_next_request(client_in, orders):
    client_in.post(f"{EXPORT}?status=new")
    stale = OrderExport.objects.get()
    OrderExport.objects.filter(pk=stale.pk).update(status=OrderExport.Status.RUNNING,
                                                   started_at=timezone.now() - timedelta(minutes=11))
    page = client_in.get(reverse("orders:export-detail", args=[stale.pk])).content.decode()
    assert "has not finished after ten minutes" in page and "hx-get" not in page
    client_in.post(f"{EXPORT}?status=new")
    stale.refresh_from_db()
    assert stale.status == OrderExport.Status.FAILED and "stopped before it finished" in stale.message
    assert OrderExport.objects.filter(status=OrderExport.Status.QUEUED).count() == 1


def test_a_broker_that_cannot_be_reached_fails_the_job_with_what_to_do(client_in, orders, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    from orders.tasks import export_orders

    def unreachable(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(export_orders, "delay", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_in.post(f"{EXPORT}?status=new")
    job = OrderExport.objects.get()
    assert response.status_code == 302
    assert job.status == OrderExport.Status.FAILED and "could not be reached" in job.message
    client_in.post(f"{EXPORT}?status=new")
    assert OrderExport.objects.filter(status=OrderExport.Status.QUEUED).count() == 1, "a failed job blocks nothing"


def test_a_second_delivery_of_the_task_does_nothing(client_in, orders):
    client_in.post(f"{EXPORT}?status=new")
    job = OrderExport.objects.get()
    assert order_export_run(export_id=job.pk).status == OrderExport.Status.READY
    written = OrderExport.objects.get().finished_at
    assert order_export_run(export_id=job.pk) is None
    assert OrderExport.objects.get().finished_at == written


def test_a_failure_is_shown_with_what_to_do_and_keeps_no_file(client_in, orders, monkeypatch):
    client_in.post(f"{EXPORT}?status=new")
    job = OrderExport.objects.get()

    def broken(**kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(export_service, "orders_workbook", broken)
    order_export_run(export_id=job.pk)
    job.refresh_from_db()
    assert job.status == OrderExport.Status.FAILED and bytes(job.content) == b""
    assert "could not be prepared (OSError)" in job.message
    page = client_in.get(reverse("orders:export-detail", args=[job.pk])).content.decode()
    assert "could not be prepared" in page and "Download" not in page.split("Recent exports")[0]


def test_files_expire_after_the_days_kept(client_in, orders, settings):
    settings.SMARTSHIP_EXPORT_KEEP_DAYS = 7
    client_in.post(f"{EXPORT}?status=new")
    old = OrderExport.objects.get()
    order_export_run(export_id=old.pk)
    OrderExport.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    assert order_exports_expire() == 1
    old.refresh_from_db()
    assert old.status == OrderExport.Status.EXPIRED and bytes(old.content) == b"" and "after 7 days" in old.message
    assert client_in.get(reverse("orders:export-download", args=[old.pk])).status_code == 404
    client_in.post(f"{EXPORT}?status=new")
    recent = OrderExport.objects.exclude(pk=old.pk).get()
    order_export_run(export_id=recent.pk)
    assert order_exports_expire() == 0


def test_another_sellers_export_is_not_found(client, orders, seller_user, settings):
    owner = client
    owner.force_login(seller_user[1])
    owner.post(f"{EXPORT}?status=new")
    job = OrderExport.objects.get()
    order_export_run(export_id=job.pk)
    _, stranger = make_seller_user(name="남의 상점")
    client.force_login(stranger)
    for name in ("orders:export-detail", "orders:export-progress", "orders:export-download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404, name
    settings.SMARTSHIP_EXPORT_INLINE_LINES = -1  # even an empty selection gets the page that lists exports
    page = client.get(EXPORT).content.decode()
    assert "Prepare the file" in page and "Recent exports" not in page


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_make_one_job(seller_user, orders, monkeypatch):
    """A double click on Prepare the file: both requests check for a pending job before either creates one.

    On PostgreSQL the lock on the seller's row keeps them apart (without it this test ends with two jobs);
    SQLite's transactions here begin IMMEDIATE, which already serialises them."""
    seller = seller_user[0]
    meeting = threading.Barrier(2, timeout=3)
    counted = export_service.order_export_size

    def count_after_meeting(**kwargs):
        # Both requests would be here at once without the lock on the seller; with it, the other one
        # waits for the lock and this wait runs out.
        with contextlib.suppress(threading.BrokenBarrierError):
            meeting.wait()
        return counted(**kwargs)

    monkeypatch.setattr(export_service, "order_export_size", count_after_meeting)
    monkeypatch.setattr(export_service, "_send", lambda job: None)
    errors: list[Exception] = []

    def ask():
        try:
            order_export_request(seller=seller, filters=OrderFilters(status="new"))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert OrderExport.objects.filter(seller=seller).count() == 1
