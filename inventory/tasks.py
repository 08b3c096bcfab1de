import logging

from celery import shared_task
from django.conf import settings

logger = logging.getLogger("smartship.inventory.stock_sync")


@shared_task(ignore_result=True)
def run_import(import_id: int) -> None:
    """Read, check and apply one stored SKU upload (nothing happens unless it is still queued)."""
    from inventory.services.imports import sku_import_run

    sku_import_run(import_id=import_id)


@shared_task(ignore_result=True)
def check_links(seller_id: int, sku_ids: list[int], actor_id: int | None = None) -> None:
    """Look many SKUs up at the seller's sales sites. Kept for tasks queued before the check became a job that
    keeps its outcome (``check_links_job``)."""
    from inventory.services.links import sku_links_check
    from sellers.models import Seller, User

    seller = Seller.objects.filter(pk=seller_id).first()
    if seller is not None:
        actor = User.objects.filter(pk=actor_id).first() if actor_id else None
        sku_links_check(seller=seller, sku_ids=sku_ids, actor=actor)


@shared_task(ignore_result=True)
def check_links_job(job_id: int) -> None:
    """Check LotteON link on a selection of SKUs, keeping the outcome on the job the SKU list shows."""
    from inventory.services.links import link_check_run

    link_check_run(job_id=job_id)


@shared_task(ignore_result=True)
def sync_stock_due_accounts() -> int:
    """Beat's periodic full stock sync: one task per active account with Automatic Stock Qty Sync on."""
    from inventory.services.stock_sync import stock_accounts_due

    ids = stock_accounts_due()
    for account_id in ids:
        sync_stock_account.apply_async((account_id,), {"full": True, "trigger": "schedule"},
                                       expires=settings.SMARTSHIP_STOCK_SYNC_SECONDS)
    return len(ids)


@shared_task(ignore_result=True)
def sync_stock_waiting() -> int:
    """Beat's sweep of changes still waiting after their own push (``stock_accounts_waiting``)."""
    from inventory.services.stock_sync import stock_accounts_waiting, stock_push_enqueue

    ids = stock_accounts_waiting()
    stock_push_enqueue(account_ids=ids)
    return len(ids)


@shared_task(bind=True, ignore_result=True, max_retries=3)
def sync_stock_account(self, account_id: int, full: bool = False, trigger: str = "change") -> None:
    """Push one account's changed stock (queued after commit by every stock change, retries and the schedule).

    Safe to run twice: a per-account lock keeps runs apart and each row's figures say what is left to send.
    A run stopped by a transient error (rate limit, LotteON unreachable) or with answers lost keeps its rows
    waiting and is tried again a minute later (at most 3 times; then the periodic full sync); an unauthorized
    key is not retried (the account shows what to fix)."""
    from integrations.errors import ErrorCode
    from inventory.models import StockSyncRun
    from inventory.services.stock_sync import stock_sync

    run = stock_sync(account_id=account_id, full=full, trigger=trigger)
    transient = {str(ErrorCode.RATE_LIMITED), str(ErrorCode.HOST_UNREACHABLE), str(ErrorCode.TIMEOUT),
                 str(ErrorCode.SERVER_ERROR), str(ErrorCode.MALFORMED_RESPONSE), str(ErrorCode.OUTCOME_UNKNOWN)}
    if run.status in (StockSyncRun.Status.FAILED, StockSyncRun.Status.PARTIAL, StockSyncRun.Status.UNSETTLED,
                      StockSyncRun.Status.LIMITED) and (
            run.error_code in transient):
        if self.request.retries >= self.max_retries:
            # Expected, not a crash: the rows stay waiting for the periodic full sync (the run row says why).
            logger.warning("stock sync of account %s: still %s after %s retries; left to the full sync",
                           account_id, run.error_code, self.max_retries)
            return
        raise self.retry(countdown=60)
