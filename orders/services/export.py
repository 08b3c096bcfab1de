"""Exports too large for a web request: prepared by the worker, downloaded when ready, dropped after a while.

A selection of up to ``SMARTSHIP_EXPORT_INLINE_LINES`` lines is written inside the request (a few
seconds). Above that the seller asks for the file to be prepared; the worker writes it with the same
code (``orders.exports.orders_workbook``) and keeps it on the job's row. Asking again for a selection
already waiting or running returns that job; a seller has at most ``MAX_PENDING`` of them at once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from orders.exports import orders_workbook
from orders.models import OrderExport
from orders.selectors import OrderFilters, order_export_size, order_filters_from_json, order_filters_to_json
from sellers.models import Seller, User

logger = logging.getLogger("smartship.orders.export")

# The largest selection (150,000 lines) takes under a minute; a job waiting or running for longer than
# this has lost its worker: it is marked failed when the seller asks again, and its page says so.
STALE_AFTER = timedelta(minutes=10)
MAX_PENDING = 3
PENDING = (OrderExport.Status.QUEUED, OrderExport.Status.RUNNING)


def order_export_stale(job: OrderExport) -> bool:
    return job.status in PENDING and timezone.now() - (job.started_at or job.created_at) > STALE_AFTER


def order_export_request(*, seller: Seller, filters: OrderFilters, query: str = "",
                         actor: User | None = None) -> OrderExport:
    """Queue the preparation of an export of the selection, or return the one of the same selection
    already waiting or running."""
    wanted = order_filters_to_json(filters)
    with transaction.atomic():
        # One request of a seller at a time: two clicks at once must not both find nothing pending.
        Seller.objects.select_for_update().filter(pk=seller.pk).exists()
        pending = []
        for job in OrderExport.objects.filter(seller=seller, status__in=PENDING).defer("content"):
            if order_export_stale(job):
                _fail(job, "The worker preparing this file stopped before it finished; ask for the export again.")
            else:
                pending.append(job)
        same = next((job for job in pending if job.filters == wanted), None)
        if same is not None:
            return same
        if len(pending) >= MAX_PENDING:
            raise ApplicationError(f"{len(pending)} exports are being prepared already; download them, or wait "
                                   "until one is ready, before asking for another.", code="too_many_exports")
        job = OrderExport.objects.create(
            seller=seller, created_by=actor, filters=wanted, query=query[:1000],
            lines_total=order_export_size(seller=seller, filters=filters))
        transaction.on_commit(lambda: _send(job))
    return job


def _send(job: OrderExport) -> None:
    from orders.tasks import export_orders

    try:
        export_orders.delay(job.pk)
    except Exception:
        # The job is committed: without this it would wait for a worker that never hears of it.
        logger.exception("could not queue export %s", job.pk)
        _fail(job, "The background worker could not be reached. Ask for the export again in a moment.")


def order_export_run(*, export_id: int) -> OrderExport | None:
    """Write the file of a queued export (the Celery task calls this); a second delivery does nothing."""
    claimed = OrderExport.objects.filter(pk=export_id, status=OrderExport.Status.QUEUED).update(
        status=OrderExport.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return None
    job = OrderExport.objects.select_related("seller").get(pk=export_id)

    written = 0

    def progress(rows: int) -> None:
        nonlocal written
        written = rows
        OrderExport.objects.filter(pk=job.pk).update(lines_done=rows)

    try:
        with orders_workbook(seller=job.seller, filters=order_filters_from_json(job.filters),
                             progress=progress) as output:
            content = output.read()
    except Exception as exc:
        logger.exception("export %s of seller %s failed", job.pk, job.seller_id)
        _fail(job, f"The file could not be prepared ({exc.__class__.__name__}). Ask for it again; if it fails "
                   "again, the operator has the details in the log.")
        return job
    now = timezone.now()
    job.content, job.size, job.status, job.finished_at = content, len(content), OrderExport.Status.READY, now
    job.filename = f"orders-{timezone.localtime(job.created_at).strftime('%Y%m%d-%H%M')}.xlsx"
    job.lines_done = job.lines_total = written  # orders may have changed since the request counted them
    job.save(update_fields=["content", "size", "status", "finished_at", "filename", "lines_done", "lines_total"])
    return job


def _fail(job: OrderExport, message: str) -> None:
    job.status, job.message, job.finished_at, job.content = OrderExport.Status.FAILED, message[:500], timezone.now(), b""
    job.save(update_fields=["status", "message", "finished_at", "content"])


def order_exports_expire() -> int:
    """Drop the files of exports finished more than ``SMARTSHIP_EXPORT_KEEP_DAYS`` ago (beat, daily)."""
    cutoff = timezone.now() - timedelta(days=settings.SMARTSHIP_EXPORT_KEEP_DAYS)
    return OrderExport.objects.filter(status=OrderExport.Status.READY, finished_at__lt=cutoff).update(
        status=OrderExport.Status.EXPIRED, content=b"", message="The file was deleted after "
        f"{settings.SMARTSHIP_EXPORT_KEEP_DAYS} days; export the orders again.")
