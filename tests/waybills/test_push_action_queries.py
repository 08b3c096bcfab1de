"""Tracking push failures' actions on many pushes at once (Retry, Correct, Dismiss of the selection, Retry all) and a
tracking push run of many numbers cost the same queries (and calls to LotteON) for a few pushes as for many: no query
or call per push, line or order."""

from __future__ import annotations

import pytest

from integrations.models import SyncRun
from orders.models import Order, OrderLine
from orders.services.sync import orders_sync
from tests.action_queries import counted, post_counted
from tests.page_data import seller_with_rows
from tests.page_queries import FEW, MANY
from tests.waybills.helpers import kst, option_codes, print_invoices, pull
from waybills.models import TrackingPush, Waybill, WaybillKind
from waybills.services.push import tracking_push
from waybills.services.receiving import packing_receive
from waybills.services.tracking import tracking_record

pytestmark = pytest.mark.django_db
State = TrackingPush.State
URL = "/waybills/push-failures/"
# What each action is given, and what becomes of the pushes it was given.
ACTIONS = {
    "retry": ([State.FAILED], lambda ids: TrackingPush.objects.filter(pk__in=ids, state=State.PENDING)),
    "correct": ([State.CONFLICT], lambda ids: TrackingPush.objects.filter(pk__in=ids, state=State.SUPERSEDED)),
    "dismiss": ([State.FAILED, State.CONFLICT],
                lambda ids: TrackingPush.objects.filter(pk__in=ids, state=State.CANCELLED, last_code="dismissed")),
}


def selection(data, states) -> list[int]:
    # The site's number is what a conflict is corrected from; each its own, as the site reports them.
    for push in TrackingPush.objects.filter(seller=data.seller, state=State.CONFLICT):
        TrackingPush.objects.filter(pk=push.pk).update(site_tracking_no=f"S{push.pk}")
    # Lines on hold are not sent again: leave them out so that every selected push is acted on.
    return list(TrackingPush.objects.filter(seller=data.seller, state__in=states, line__cancel_request_no="")
                .values_list("pk", flat=True))


@pytest.mark.parametrize("action", ACTIONS)
def test_an_action_on_the_selected_pushes_costs_the_same_queries_for_few_and_many(action):
    states, done = ACTIONS[action]
    counts = []
    for n in (FEW, MANY):
        data = seller_with_rows(n)
        ids = selection(data, states)
        counts.append((len(ids), post_counted(data, URL, {"action": action, "push_ids": ids})))
        assert done(ids).count() == len(ids), action
    (few, few_queries), (many, many_queries) = counts
    assert many > few > 0
    assert few_queries == many_queries, f"{action}: {few_queries} queries for {few} pushes, {many_queries} for {many}"


def test_retry_all_costs_the_same_queries_for_few_and_many():
    counts = []
    for n in (FEW, MANY):
        data = seller_with_rows(n)
        failed = selection(data, [State.FAILED])
        web = post_counted(data, URL, {"action": "retry_all"})
        assert TrackingPush.objects.filter(pk__in=failed, state=State.PENDING).count() == len(failed)
        TrackingPush.objects.filter(pk__in=failed).update(state=State.FAILED)
        api = post_counted(data, "/api/v1/tracking-pushes/retry-failed/", {}, status=200)
        assert TrackingPush.objects.filter(pk__in=failed, state=State.PENDING).count() == len(failed)
        counts.append((len(failed), web, api))
    (few, *few_queries), (many, *many_queries) = counts
    assert many > few > 0
    assert few_queries == many_queries, (few_queries, many_queries)


@pytest.mark.sandbox
def test_a_push_run_costs_the_same_queries_and_calls_for_few_and_many_numbers_half_of_them_refused(sandbox, account):
    """137 for every line in one call, and LotteON's refusals read back (140) a day at a time: each refused line is
    checked for an earlier push whose answer was lost. Each refusal names the line's product, so they differ."""
    codes = option_codes(sandbox, 80)
    results = []
    # Orders of one line: one 137 call of at most 100 lines either way. The first run of the account also creates its
    # lease row and reads what later runs find cached: it is a warm-up, not compared.
    for n in (2, 12, 80):
        numbers = [sandbox.create_order(owhoDttm=kst(0.2), lines=[{"eitmNo": codes[i], "odQty": 1}])["odNo"]
                   for i in range(n)]
        assert orders_sync(account_id=account.pk).status == SyncRun.Status.SUCCEEDED
        orders = list(Order.objects.filter(seller=account.seller, order_no__in=numbers))
        print_invoices(account.seller, orders)
        OrderLine.objects.filter(order__in=orders[::2]).update(site_option_id="LO0000000000_000")  # LotteON refuses
        before = len(sandbox.calls())
        count, stats = counted(lambda: tracking_push(account_id=account.pk))
        calls = sorted(call["path"].rsplit("/", 1)[-1] for call in sandbox.calls()[before:])
        assert (stats.confirmed, stats.failed) == (n // 2, n // 2)
        refusals = TrackingPush.objects.filter(order__in=orders, state=State.FAILED).values_list("last_message")
        results.append((count, calls, refusals.distinct().count()))
    _, (few, few_calls, few_refusals), (many, many_calls, many_refusals) = results
    assert many_refusals > few_refusals > 1
    assert (few, few_calls) == (many, many_calls), results
    assert few_calls == ["SellerDeliveryProgressStateInform", "SellerDeliveryProgressStateSearch"]


@pytest.mark.sandbox
def test_a_push_run_of_corrections_costs_the_same_queries_and_calls_for_few_and_many(sandbox, account):
    """Numbers the warehouse corrected after LotteON confirmed the first ones: 139 for every line in one call. Each
    order's label was received with a mistyped number (pushed and confirmed), then recorded again right."""
    results = []
    for n in (2, 5, 50):  # the first run of the account is a warm-up (lease row, cached courier list)
        orders = pull(sandbox, account, *[1] * n)
        batch = print_invoices(account.seller, orders, kind=WaybillKind.PACKING)
        for i, label in enumerate(Waybill.objects.filter(pk__in=batch.waybill_ids)):
            packing_receive(code=label.number, courier_code="0002", tracking_no=f"1111{n:04d}{i:04d}")
        assert tracking_push(account_id=account.pk).confirmed == n
        for i, order in enumerate(orders):
            tracking_record(seller_id=account.seller_id, line_ids=list(order.lines.values_list("pk", flat=True)),
                            courier_code="0004", tracking_no=f"9999{n:04d}{i:05d}")
        corrections = TrackingPush.objects.filter(order__in=orders, kind=TrackingPush.Kind.CORRECT)
        assert corrections.count() == n
        before = len(sandbox.calls())
        count, stats = counted(lambda: tracking_push(account_id=account.pk))
        calls = sorted(call["path"].rsplit("/", 1)[-1] for call in sandbox.calls()[before:])
        assert stats.confirmed == n and corrections.filter(state=State.CONFIRMED).count() == n
        results.append((count, calls))
    _, few, many = results
    assert few == many, results
    assert few[1] == ["SellerInvoiceNoModifyInform"]
