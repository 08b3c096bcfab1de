"""Tracking push failures through the REST API, over the LotteON sandbox: the failing filter lists what the
Tracking push failures page lists, correct and dismiss change what the page's actions change, and another
seller's push is not found."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders.models import LineStatus, OrderLine
from tests.factories import make_seller_user
from tests.waybills.helpers import (
    CORRECT_EVENT,
    SHIP_EVENT,
    events_per_line,
    live_lines,
    print_invoices,
    pull,
    push,
)
from waybills.models import TrackingPush, Waybill
from waybills.selectors import push_failures

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]
State = TrackingPush.State
URL = "/api/v1/tracking-pushes/"
HUGE = "9" * 25


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def conflicts(sandbox, account, count: int) -> list[TrackingPush]:
    """``count`` orders whose line LotteON holds with another number (shipped by another tool)."""
    orders = pull(sandbox, account, *([1] * count))
    print_invoices(account.seller, orders)
    for i, order in enumerate(orders):
        sandbox.ship(order.order_no, dvCoCd="0002", invcNo=f"99998888777{i}")
    assert push(account).conflicts == count
    return list(TrackingPush.objects.filter(state=State.CONFLICT).order_by("order_id"))


def test_correct_through_the_api_replaces_the_sites_number_with_ours(sandbox, account):
    (row,) = conflicts(sandbox, account, 1)
    order = row.order
    number = Waybill.objects.get(order=order).number
    client = api(account.user)
    _, other_user = make_seller_user()
    other = api(other_user)
    assert other.post(f"{URL}{row.pk}/correct/").status_code == 404
    assert other.post(f"{URL}{row.pk}/dismiss/").status_code == 404
    assert other.get(URL, {"failing": "true"}).json()["count"] == 0
    assert TrackingPush.objects.get(pk=row.pk).state == State.CONFLICT

    failing = client.get(URL, {"failing": "true"}).json()["results"]
    assert [(r["id"], r["state"], r["site_tracking_no"]) for r in failing] == [(row.pk, "conflict", "999988887770")]

    response = client.post(f"{URL}{row.pk}/correct/")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["origin"], body["state"], body["tracking_no"], body["previous_tracking_no"]) == (
        "correct", "correction", "pending", number, "999988887770")
    assert TrackingPush.objects.get(pk=row.pk).state == State.SUPERSEDED
    again = client.post(f"{URL}{row.pk}/correct/")
    assert again.status_code == 409 and again.json()["code"] == "not_a_conflict"

    assert push(account).confirmed == 1
    assert live_lines(sandbox)[(order.order_no, "1")]["invcNo"] == number
    assert events_per_line(sandbox, CORRECT_EVENT)[(order.order_no, "1")] == 1
    assert events_per_line(sandbox, SHIP_EVENT)[(order.order_no, "1")] == 1, "only the other tool's 137"
    assert client.get(URL, {"failing": "true"}).json()["count"] == 0
    assert [r["id"] for r in client.get(URL, {"state": "confirmed"}).json()["results"]] == [body["id"]]


def test_dismiss_through_the_api_does_what_the_page_does(sandbox, account, client):
    by_page, by_api = conflicts(sandbox, account, 2)
    client.force_login(account.user)
    response = client.post(reverse("waybills:push-failures"), {"action": "dismiss", "push_ids": [by_page.pk]},
                           follow=True)
    assert "Dismissed 1 tracking push" in response.content.decode()

    _, other_user = make_seller_user()
    assert api(other_user).post(f"{URL}{by_api.pk}/dismiss/").status_code == 404
    assert TrackingPush.objects.get(pk=by_api.pk).state == State.CONFLICT
    response = api(account.user).post(f"{URL}{by_api.pk}/dismiss/")
    assert response.status_code == 200, response.json()
    assert (response.json()["state"], response.json()["last_code"]) == ("cancelled", "dismissed")

    def outcome(push_id: int) -> tuple:
        row = TrackingPush.objects.select_related("line", "order").get(pk=push_id)
        return row.state, row.last_code, row.site_tracking_no != "", row.line.status, row.order.status

    assert outcome(by_api.pk) == outcome(by_page.pk)
    assert outcome(by_api.pk)[:4] == (State.CANCELLED, "dismissed", True, LineStatus.SHIPPED)
    again = api(account.user).post(f"{URL}{by_api.pk}/dismiss/")
    assert again.status_code == 409 and again.json()["code"] == "not_dismissable"
    for action in ("correct", "dismiss"):
        assert api(account.user).post(f"{URL}{HUGE}/{action}/").status_code == 404
        assert api(account.user).post(f"{URL}999999/{action}/").status_code == 404


def test_failing_filter_lists_what_the_failures_page_lists(sandbox, account):
    (conflict,) = conflicts(sandbox, account, 1)
    refused, retrying, fine = pull(sandbox, account, 1, 1, 1)
    print_invoices(account.seller, [refused, retrying, fine])
    OrderLine.objects.filter(order__in=[refused, retrying]).update(site_option_id="LO0000000000_000")  # refused
    assert push(account).failed == 2
    waiting = TrackingPush.objects.get(order=retrying)
    TrackingPush.objects.filter(pk=waiting.pk).update(state=State.PENDING)  # sent once, waiting to go again
    assert TrackingPush.objects.get(order=fine).state == State.CONFIRMED
    client = api(account.user)

    listed = [row["id"] for row in client.get(URL, {"failing": "true"}).json()["results"]]
    page = list(push_failures(seller=account.seller).values_list("pk", flat=True))
    assert listed == page and set(listed) == {conflict.pk, TrackingPush.objects.get(order=refused).pk, waiting.pk}
    assert [row["id"] for row in client.get(URL, {"failing": "true", "state": "failed"}).json()["results"]] == [
        TrackingPush.objects.get(order=refused).pk]
    assert client.get(URL, {"failing": "false"}).json()["count"] == TrackingPush.objects.count() == 4
    assert client.get(URL).json()["count"] == 4
    bad = client.get(URL, {"failing": "maybe"})
    assert bad.status_code == 400 and "failing" in bad.json()["extra"]["fields"]

    # Correcting a refused push is refused: only a line shipped with another number can be corrected.
    refused_push = TrackingPush.objects.get(order=refused)
    response = client.post(f"{URL}{refused_push.pk}/correct/")
    assert response.status_code == 409 and response.json()["code"] == "not_a_conflict"
    response = client.post(f"{URL}{refused_push.pk}/dismiss/")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert refused_push.pk not in [row["id"] for row in client.get(URL, {"failing": "true"}).json()["results"]]
