from celery import shared_task


@shared_task(ignore_result=True)
def push_tracking_sweep() -> int:
    """Beat's periodic sweep of the tracking outbox: queue one push per account with rows to send or settle."""
    from waybills.services.push import accounts_sweep

    return len(accounts_sweep())


@shared_task(ignore_result=True)
def push_tracking_account(account_id: int) -> None:
    """Send and settle one account's outbox (queued after commit by printing, receiving and retries).

    Safe to run twice: a per-account lock keeps runs apart and every row's state says what is left to do;
    errors that applied nothing leave the rows waiting for the next run, so no retry policy is needed here."""
    from waybills.services.push import tracking_push

    tracking_push(account_id=account_id)
