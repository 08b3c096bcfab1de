"""GET /api/v1/tracking-pushes/: its filters take what the schema says or answer a 400 naming the parameter,
as the other lists do (docs/inventory.md, "Pages and API"); they never silently list everything."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import make_account, make_seller_user
from tests.orders.factories import make_order
from waybills.models import TrackingPush

URL = "/api/v1/tracking-pushes/"
HUGE = "9999999999999999999999999"  # beyond 64 bits: no order has it


@pytest.fixture
def pushes(db):
    seller, user = make_seller_user()
    account = make_account(seller=seller)
    rows = []
    for _ in range(2):
        order = make_order(seller=seller, account=account)
        rows.append(TrackingPush.objects.create(
            seller=seller, account=account, order=order, line=order.lines.get(), origin=TrackingPush.Origin.INVOICE,
            courier_code="9999", tracking_no=f"QSP{order.pk:010d}"))
    client = APIClient()
    client.force_authenticate(user)
    return client, rows


def _ids(client, **query) -> list[int]:
    response = client.get(URL, query)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_order_filter(pushes):
    client, (first, second) = pushes
    assert sorted(_ids(client)) == sorted([first.pk, second.pk])
    assert sorted(_ids(client, order="")) == sorted([first.pk, second.pk])  # blank: no filter
    assert _ids(client, order=first.order_id) == [first.pk]
    assert _ids(client, order=f" {second.order_id} ") == [second.pk]
    assert _ids(client, order=HUGE) == []  # an id no row can have is an unknown id, not an error


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "true"])
def test_order_that_is_not_an_id_is_a_400(pushes, value):
    client, _ = pushes
    response = client.get(URL, {"order": value})
    assert response.status_code == 400
    body = response.json()
    assert (body["message"], body["code"]) == ("Some fields are not valid.", "invalid")
    assert body["extra"]["fields"] == {"order": ["A valid integer is required."]}
