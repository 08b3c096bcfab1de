"""The Orders actions on many rows at once cost the same queries for few rows as for many: Confirm selected (page
and API, one 210 call either way, and lines whose answer was lost or that LotteON refused read back a day at a time),
the Excel export (at once and prepared in the background), a manual order Excel import, Release hold of an order with many lines on hold."""

from __future__ import annotations

from unittest import mock

import pytest
import responses
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from integrations.models import SyncRun
from orders.models import ConfirmState, Order, OrderExport, OrderLine
from orders.services.confirm import orders_confirm
from orders.services.export import order_export_run
from orders.services.sync import orders_sync
from tests.action_queries import counted, post_counted
from tests.factories import make_account, make_seller_user
from tests.orders.factories import make_order
from tests.orders.test_manual_import import row, xlsx
from tests.page_data import seller_with_rows
from tests.page_queries import FEW, MANY, clients
from tests.waybills.helpers import kst, option_codes

pytestmark = pytest.mark.django_db
BASE = "https://lotteon.test"
CONFIRM_URL = f"{BASE}/v1/openapi/delivery/v1/SellerIfCompleteInform"


def confirm(n: int, url: str) -> tuple[int, int]:
    data = seller_with_rows(1)
    account = make_account(seller=data.seller, account_number=f"LO9{data.key:03d}0001", auto_order_confirmation=False)
    ids = [make_order(seller=data.seller, account=account, lines=[{}, {}]).pk for _ in range(n)]
    responses.add(responses.POST, CONFIRM_URL, json={
        "returnCode": "0000", "message": "", "subMessages": [], "dataCount": 0,
        "data": {"rsltCd": "0000", "rsltMsg": "정상", "failList": []}})
    count = post_counted(data, url, {"order_ids": ids}, status=200 if url.startswith("/api/") else 302)
    assert OrderLine.objects.filter(order_id__in=ids, confirm_state=ConfirmState.CONFIRMED).count() == 2 * n
    assert len(responses.calls) == 1, "one 210 call for up to 100 lines"
    responses.calls.reset()
    return count


def export(n: int) -> int:
    data = seller_with_rows(n)
    web, _ = clients(data)
    web.get("/orders/export/")  # fills the caches a request keeps
    count, response = counted(lambda: web.get("/orders/export/"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    return count


def export_file(n: int) -> int:
    """The file prepared in the background for a selection too large for an answer at once."""
    data = seller_with_rows(n)
    with mock.patch("orders.services.export._send"):  # run below, not by a worker
        post_counted(data, "/orders/export/", {})
    job = OrderExport.objects.get(seller=data.seller, status=OrderExport.Status.QUEUED)  # not the finished ones
    count, job = counted(lambda: order_export_run(export_id=job.pk))
    assert job.status == OrderExport.Status.READY and job.lines_done == OrderLine.objects.filter(
        seller=data.seller).count()
    return count


def manual_import(n: int) -> int:
    data = seller_with_rows(1)
    rows = [row(group=f"G{i // 2}", recipient_name="홍길동", recipient_mobile="010-1234-5678", zip_code="06236",
                address="서울", seller_code=f"S{data.key}-0-{i % 3}", product_name="상품", quantity=1,
                reference_order_no=f"9{data.key:03d}{i:012d}" if i % 2 == 0 else None) for i in range(2 * n)]
    count = post_counted(data, "/orders/manual/import/", {"file": SimpleUploadedFile("orders.xlsx", xlsx(rows))})
    assert Order.objects.filter(seller=data.seller, source=Order.Source.MANUAL).count() == n
    return count


def release_hold(n: int) -> int:
    data = seller_with_rows(1)
    order = make_order(seller=data.seller, account=data.account, status="confirmed", lines=[{}] * n)
    OrderLine.objects.filter(order=order).update(cancel_request_no="C1", cancel_request_quantity=1,
                                                 cancel_requested_at=timezone.now())
    count = post_counted(data, f"/orders/{order.pk}/release-hold/", {})
    assert OrderLine.objects.filter(order=order, cancel_request_released_at__isnull=False).count() == n
    return count


ACTIONS = {
    "confirm-page": lambda n: confirm(n, "/orders/confirm/"),
    "confirm-api": lambda n: confirm(n, "/api/v1/orders/confirm/"),
    "export": export,
    "export-file": export_file,
    "manual-import": manual_import,
    "release-hold": release_hold,
}


@pytest.mark.parametrize("action", ACTIONS)
@responses.activate
def test_the_action_costs_the_same_queries_for_few_and_many_rows(action, settings):
    settings.LOTTEON_BASE_URL = BASE
    if action == "export-file":
        settings.SMARTSHIP_EXPORT_INLINE_LINES = 0
    few, many = ACTIONS[action](FEW), ACTIONS[action](MANY)
    assert few == many, f"{action}: {few} queries for {FEW} rows, {many} for {MANY}"


@pytest.mark.sandbox
@pytest.mark.parametrize("fault", ["lost", "refused"])
def test_confirm_reads_back_lost_answers_and_refusals_a_day_at_a_time(sandbox, settings, fault):
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.LOTTEON_RETRY_BASE_DELAY = 0.01
    settings.SMARTSHIP_ORDER_LOOKBACK_DAYS = 2
    seller, user = make_seller_user()
    account = make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO,
                           auto_order_confirmation=False)
    codes = option_codes(sandbox, 40)
    results = []
    for n in (12, 40):
        numbers = [sandbox.create_order(owhoDttm=kst(0.2), lines=[{"eitmNo": codes[i]}])["odNo"] for i in range(n)]
        assert orders_sync(account_id=account.pk).status == SyncRun.Status.SUCCEEDED
        ids = list(Order.objects.filter(seller=seller, order_no__in=numbers).values_list("pk", flat=True))
        if fault == "lost":
            sandbox.fault(path="SellerIfCompleteInform", status=500, afterApply=True)  # applied, answer lost
        else:
            for number in numbers[::2]:
                sandbox.cancel(number)  # cancelled at LotteON, not known to the portal yet: 210 refuses it
        before = len(sandbox.calls())
        count, (confirmed, failed) = counted(lambda ids=ids: orders_confirm(seller=seller, order_ids=ids, actor=user))
        assert (confirmed, failed) == ((n, 0) if fault == "lost" else (n // 2, n // 2))
        results.append((count, sorted(c["path"].rsplit("/", 1)[-1] for c in sandbox.calls()[before:])))
    assert results[0] == results[1], results
    assert results[0][1] == ["SellerDeliveryProgressStateSearch", "SellerIfCompleteInform"]
