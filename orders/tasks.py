from celery import shared_task

from integrations.models import SyncRun


@shared_task(ignore_result=True)
def sync_due_accounts() -> int:
    """Beat's fan-out: queue one sync per active account with Automatic Order Integration on."""
    from orders.services.sync import accounts_due, sync_request

    accounts = accounts_due()
    for account in accounts:
        sync_request(account=account, trigger=SyncRun.Trigger.SCHEDULE)
    return len(accounts)


@shared_task(ignore_result=True)
def sync_account(run_id: int) -> None:
    from orders.services.sync import orders_sync

    run = SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.QUEUED).only("account_id").first()
    if run is not None:
        orders_sync(account_id=run.account_id, run_id=run_id)


@shared_task(ignore_result=True)
def export_orders(export_id: int) -> None:
    """Prepare an Export to Excel too large for the request (orders/services/export.py)."""
    from orders.services.export import order_export_run

    order_export_run(export_id=export_id)


@shared_task(ignore_result=True)
def expire_exports() -> int:
    from orders.services.export import order_exports_expire

    return order_exports_expire()
