"""A form sent twice is applied once (core/submissions.py): the manual shipping order form and QFC's stock
receipt, sent again with the same one-time value, create one order and book one receipt."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.core.cache import cache

from core.submissions import DUPLICATE, STILL_RUNNING, _key
from inventory.models import StockMovement
from orders.manual_views import order_url
from orders.models import Order
from sellers.models import User
from tests.factories import make_seller_user
from tests.inventory.factories import make_single
from tests.orders.test_manual import form_data

pytestmark = pytest.mark.django_db
NEW = "/orders/manual/new/"


def submission(page: str) -> str:
    (value,) = re.findall(r'name="submission" value="([0-9a-f]{32})"', page)
    return value


def test_the_form_sent_twice_creates_one_order_and_the_second_lands_on_it(client):
    seller, user = make_seller_user()
    client.force_login(user)
    value = submission(client.get(NEW).content.decode())
    assert submission(client.get(NEW).content.decode()) != value, "a new value with every page"

    first = client.post(NEW, form_data(submission=value))
    again = client.post(NEW, form_data(submission=value), follow=True)
    order = Order.objects.get(seller=seller)
    assert first["Location"] == order_url(order)
    assert again.redirect_chain[-1][0] == order_url(order)
    assert DUPLICATE in again.content.decode()
    # Another page's value is another order, as the seller meant.
    client.post(NEW, form_data(submission=submission(client.get(NEW).content.decode())))
    assert Order.objects.filter(seller=seller).count() == 2


def test_a_second_send_waits_for_the_first_and_goes_where_it_went(client):
    """The double click proper: the second request arrives while the first is still at work."""
    seller, user = make_seller_user()
    client.force_login(user)
    value = submission(client.get(NEW).content.decode())
    key = _key(type("R", (), {"user": user})(), value)
    cache.add(key, "running")
    finish = threading.Timer(0.3, lambda: cache.set(key, "/orders/42/"))
    finish.start()
    started = time.monotonic()
    again = client.post(NEW, form_data(submission=value))
    assert again["Location"] == "/orders/42/" and time.monotonic() - started >= 0.25
    assert not Order.objects.exists()


def test_a_first_send_still_at_work_after_the_wait_is_not_doubled(client, monkeypatch):
    monkeypatch.setattr("core.submissions.WAIT_SECONDS", 0.2)
    seller, user = make_seller_user()
    client.force_login(user)
    value = submission(client.get(NEW).content.decode())
    cache.add(_key(type("R", (), {"user": user})(), value), "running")
    again = client.post(NEW, form_data(submission=value), follow=True)
    assert STILL_RUNNING in again.content.decode() and not Order.objects.exists()


def test_a_send_refused_gives_its_value_back_so_the_corrected_form_goes_through(client):
    seller, user = make_seller_user()
    client.force_login(user)
    value = submission(client.get(NEW).content.decode())
    refused = client.post(NEW, form_data(submission=value, recipient_name=""))
    assert refused.status_code == 200 and "Nothing was saved" in refused.content.decode()
    created = client.post(NEW, form_data(submission=value))
    assert created.status_code == 302 and Order.objects.filter(seller=seller).count() == 1


def test_a_stock_receipt_sent_twice_is_booked_once(client):
    seller, _ = make_seller_user()
    option = make_single(seller=seller, code="MUG-01").options.get()
    operator = User.objects.create_user("qfc-op", password="x", is_warehouse_operator=True)
    client.force_login(operator)
    page = client.get(f"/inventory/stock/?option={option.pk}").content.decode()
    data = {"action": "receipt", "option": option.pk, "quantity": 5, "note": "",
            "submission": submission(page.split('id="receipt-form"')[1].split('id="adjustment-form"')[0])}
    client.post("/inventory/stock/", data)
    client.post("/inventory/stock/", data)
    option.refresh_from_db()
    assert option.on_hand == 5
    assert StockMovement.objects.filter(option=option, kind="receipt").count() == 1
    # Without the value (a script posting the form as before), every send is applied.
    del data["submission"]
    client.post("/inventory/stock/", data)
    option.refresh_from_db()
    assert option.on_hand == 10
