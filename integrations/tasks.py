from celery import shared_task


@shared_task(ignore_result=True)
def send_account_alerts() -> int:
    """Beat: e-mail sellers about failed connections and API keys near their end (integrations/alerts.py)."""
    from integrations.alerts import account_alerts_send

    return account_alerts_send()
