"""Beat's order-sync entry, a real Celery worker, the sandbox over HTTP and real SQL, end to end."""

import pytest

from integrations.models import SyncRun
from orders.models import ConfirmState, OrderLine
from tests.factories import make_account, make_seller_user
from tests.plugins.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]


def test_beat_schedule_makes_the_worker_sync_and_confirm(sandbox, celery_worker_process):
    seller, _ = make_seller_user()
    account = make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO)
    code = next(row["eitmNo"] for row in sandbox.state()["stock"] if row["eitmNo"] and row["slStatCd"] == "SALE")
    order = sandbox.create_order(lines=[{"eitmNo": code, "odQty": 2}])

    celery_worker_process(LOTTEON_BASE_URL=sandbox.url, SMARTSHIP_ORDER_SYNC_SECONDS="2",
                          SMARTSHIP_HEARTBEAT_SECONDS="3600")

    assert wait_for(lambda: SyncRun.objects.filter(account=account, status=SyncRun.Status.SUCCEEDED).exists(),
                    timeout=60), list(SyncRun.objects.values("status", "error_message"))
    run = SyncRun.objects.filter(account=account, status=SyncRun.Status.SUCCEEDED).first()
    assert run.trigger == SyncRun.Trigger.SCHEDULE
    line = OrderLine.objects.get(order__order_no=order["odNo"])
    assert line.quantity == 2 and line.confirm_state == ConfirmState.CONFIRMED
    assert sandbox.state()["orders"][0]["odPrgsStepCd"] == "12"
