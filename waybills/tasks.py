from celery import shared_task


@shared_task(ignore_result=True)
def push_tracking_sweep() -> None:
    """Beat's periodic sweep of the tracking outbox (filled in by the waybills work)."""
