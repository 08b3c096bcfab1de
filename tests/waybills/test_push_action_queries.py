"""Tracking push failures' actions on many pushes at once (Retry, Correct, Dismiss of the selection, Retry all) cost
the same queries for a few pushes as for many: no query per push, line or order."""

from __future__ import annotations

import pytest

from tests.action_queries import post_counted
from tests.page_data import seller_with_rows
from tests.page_queries import FEW, MANY
from waybills.models import TrackingPush

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
