"""An export too large for the request, prepared by a real Celery worker process while the page polls."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from orders.models import OrderExport
from smartship.celery import app
from tests.factories import make_account, make_seller_user
from tests.orders.factories import make_order
from tests.plugins.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_writes_the_file_and_the_page_offers_it(client, celery_worker_process, settings):
    settings.SMARTSHIP_EXPORT_INLINE_LINES = 5
    seller, user = make_seller_user()
    account = make_account(seller=seller)
    orders = [make_order(seller=seller, account=account, recipient_name=f"고객{n}") for n in range(12)]
    client.force_login(user)
    queue = celery_worker_process(SMARTSHIP_HEARTBEAT_SECONDS="3600")
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        response = client.post(reverse("orders:order-export"))
    finally:
        app.conf.task_default_queue = previous
    job = OrderExport.objects.get(seller=seller)
    assert response.status_code == 302 and job.lines_total == 12

    assert wait_for(lambda: OrderExport.objects.get(pk=job.pk).finished, timeout=90)
    job.refresh_from_db()
    assert job.status == OrderExport.Status.READY, job.message
    page = client.get(reverse("orders:export-progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in page and "Download" in page
    sheet = load_workbook(io.BytesIO(client.get(reverse("orders:export-download", args=[job.pk])).content))["Orders"]
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == sorted(o.order_no for o in orders)
