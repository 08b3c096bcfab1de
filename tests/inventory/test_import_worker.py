"""The Excel upload handed to a real Celery worker process: the request returns at once, the worker imports."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from inventory.models import OptionSku, SkuImport
from smartship.celery import app
from tests.factories import make_seller_user
from tests.inventory.factories import xlsx
from tests.plugins.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_imports_an_upload_while_the_page_polls(client, celery_worker_process):
    seller, user = make_seller_user()
    client.force_login(user)
    queue = celery_worker_process(SMARTSHIP_HEARTBEAT_SECONDS="3600")
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        upload = io.BytesIO(xlsx([[f"W-{i:05d}", f"상품 {i}", None, None, None, None] for i in range(5000)]))
        upload.name = "skus.xlsx"
        response = client.post(reverse("inventory:sku-import"), {"file": upload})
    finally:
        app.conf.task_default_queue = previous
    job = SkuImport.objects.get(seller=seller)
    assert response.status_code == 302
    page = client.get(reverse("inventory:sku-import-progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page or "Imported" in page

    assert wait_for(lambda: SkuImport.objects.get(pk=job.pk).finished, timeout=90)
    job.refresh_from_db()
    assert job.status == SkuImport.Status.SUCCEEDED, job.message
    assert OptionSku.objects.filter(seller=seller).count() == 5000
    done = client.get(reverse("inventory:sku-import-progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in done and "5,000 SKUs created" in done
