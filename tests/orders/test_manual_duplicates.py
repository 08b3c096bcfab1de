"""A manual shipping order entered for a sale that the sync pulls later: the pulled order is held from
fulfilment and printing until the seller chooses which one ships, so that one sale never ships twice
(docs/manual-orders.md, "Pulled later"). Over real HTTP against the LotteON sandbox, on real SQL."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.exceptions import ApplicationError
from inventory.models import FulfilmentOrder
from inventory.services.fulfilment import fulfilment_orders_send
from inventory.services.stock import stock_receive
from orders.models import LineStatus, Order, OrderEvent, OrderStatus
from orders.services.lifecycle import DuplicateChoice, order_duplicate_resolve
from orders.services.manual import ManualItem, manual_order_create
from tests.factories import make_seller_user
from tests.inventory import test_fulfilment
from tests.inventory.factories import make_multi
from tests.inventory.test_fulfilment import kst, on_sale_options, option, sync
from waybills.models import WaybillKind
from waybills.services.printing import waybills_print

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]
# The same fixture: a LotteON account on the sandbox with Automatic Fulfillment Shipping Instructions on.
account = test_fulfilment.account


@pytest.fixture
def code(sandbox, account):
    """A LotteON option code mapped to a SKU with stock: a pulled order of it goes to the warehouse at once."""
    (row,) = on_sale_options(sandbox, 1)
    make_multi(seller=account.seller, options=[(row["eitmNo"], "블랙")])
    stock_receive(seller=account.seller, option=option(row["eitmNo"]), quantity=10)
    return row["eitmNo"]


def manual_for(account, reference: str, code: str, *, with_account: bool = False) -> Order:
    return manual_order_create(
        seller=account.seller, actor=account.user, account_id=account.pk if with_account else None,
        reference_order_no=reference, recipient_name="김민준", zip_code="04524", address="서울 중구 세종대로 110",
        recipient_mobile="010-1234-5678",
        items=[ManualItem(product_name="반팔 티셔츠", option_name="블랙", quantity=1, seller_code=code)])


def pulled(account, reference: str) -> Order:
    return Order.objects.select_related("manual_duplicate").get(
        seller=account.seller, source=Order.Source.PULLED, order_no=reference)


def test_the_pulled_order_is_held_and_says_why_until_the_seller_calls_the_manual_one_off(sandbox, account, code):
    sale = sandbox.create_order(owhoDttm=kst(), lines=[{"eitmNo": code, "odQty": 1}])
    manual = manual_for(account, sale["odNo"], code)
    assert manual.status == OrderStatus.CONFIRMED

    sync(account)

    order = pulled(account, sale["odNo"])
    assert order.manual_duplicate == manual
    assert order.status == OrderStatus.CONFIRMED, "confirmed at LotteON as usual: the sale is real"
    assert order.needs_attention and manual.order_no in order.attention_reason
    assert not FulfilmentOrder.objects.filter(order=order).exists(), "not sent to the warehouse a second time"
    kinds = {(e.order_id, e.kind) for e in OrderEvent.objects.filter(kind=OrderEvent.Kind.DUPLICATE)}
    assert kinds == {(order.pk, "duplicate"), (manual.pk, "duplicate")}
    with pytest.raises(ApplicationError) as printing:
        waybills_print(seller_id=account.seller_id, order_ids=[order.pk], kind=WaybillKind.INVOICE)
    assert printing.value.code == "not_printable" and manual.order_no in printing.value.message
    with pytest.raises(ApplicationError) as sending:
        fulfilment_orders_send(seller=account.seller, order_ids=[order.pk])
    assert sending.value.code == "not_ready" and manual.order_no in sending.value.message

    # The next sync reads the order again and leaves the hold as it is.
    events = OrderEvent.objects.count()
    sync(account)
    order = pulled(account, sale["odNo"])
    assert order.manual_duplicate == manual and order.needs_attention and OrderEvent.objects.count() == events

    order_duplicate_resolve(seller_id=account.seller_id, order_id=order.pk, choice=DuplicateChoice.CANCEL_MANUAL,
                            actor=account.user, manual_order_id=manual.pk)

    manual.refresh_from_db()
    assert manual.status == OrderStatus.CANCELLED
    assert [(line.status, line.open_quantity) for line in manual.lines.all()] == [(LineStatus.CANCELLED, 0)]
    order = pulled(account, sale["odNo"])
    assert order.manual_duplicate is None and not order.needs_attention and not order.attention_reason
    fo = FulfilmentOrder.objects.get(order=order)
    assert order.status == OrderStatus.READY and not fo.short, "Automatic Fulfillment takes it once released"
    assert (option(code).on_hand, option(code).reserved) == (10, 1)
    assert OrderEvent.objects.filter(order=manual, kind=OrderEvent.Kind.CANCELLED, actor=account.user).exists()


def test_two_different_sales_both_ship(sandbox, account, code):
    sale = sandbox.create_order(owhoDttm=kst(), lines=[{"eitmNo": code, "odQty": 2}])
    manual = manual_for(account, sale["odNo"], code)
    sync(account)
    order = pulled(account, sale["odNo"])

    order_duplicate_resolve(seller_id=account.seller_id, order_id=order.pk, choice=DuplicateChoice.SHIP_BOTH,
                            actor=account.user)

    manual.refresh_from_db()
    assert manual.status == OrderStatus.CONFIRMED, "the manual order is left as it was"
    order = pulled(account, sale["odNo"])
    assert order.manual_duplicate is None and not order.needs_attention
    assert FulfilmentOrder.objects.filter(order=order).exists()
    with pytest.raises(ApplicationError) as again:
        order_duplicate_resolve(seller_id=account.seller_id, order_id=order.pk, choice=DuplicateChoice.SHIP_BOTH)
    assert again.value.code == "wrong_state"


def test_a_manual_order_already_at_the_warehouse_is_not_called_off(sandbox, account, code):
    sale = sandbox.create_order(owhoDttm=kst(), lines=[{"eitmNo": code, "odQty": 1}])
    # With the account, Automatic Fulfillment Shipping Instructions sends the manual order at once.
    manual = manual_for(account, sale["odNo"], code, with_account=True)
    manual.refresh_from_db()
    assert manual.status == OrderStatus.READY
    sync(account)
    order = pulled(account, sale["odNo"])
    assert order.manual_duplicate == manual and not FulfilmentOrder.objects.filter(order=order).exists()

    with pytest.raises(ApplicationError) as refused:
        order_duplicate_resolve(seller_id=account.seller_id, order_id=order.pk, choice=DuplicateChoice.CANCEL_MANUAL)
    assert refused.value.code == "manual_in_progress"
    manual.refresh_from_db()
    assert manual.status == OrderStatus.READY and pulled(account, sale["odNo"]).manual_duplicate == manual


def test_only_the_sellers_own_live_manual_orders_of_that_site_hold_a_pulled_order(sandbox, account, code):
    other_seller, other_user = make_seller_user(name="다른 상점")
    sales = [sandbox.create_order(owhoDttm=kst(), lines=[{"eitmNo": code}])["odNo"] for _ in range(3)]
    manual_order_create(seller=other_seller, actor=other_user, reference_order_no=sales[0], recipient_name="이서연",
                        zip_code="04524", address="서울 중구 세종대로 110", recipient_mobile="010-1234-5678",
                        items=[ManualItem(product_name="셔츠", quantity=1, seller_code=code)])
    called_off = manual_for(account, sales[1], code)
    Order.objects.filter(pk=called_off.pk).update(status=OrderStatus.CANCELLED)
    live = manual_for(account, sales[2], code)

    sync(account)

    assert pulled(account, sales[0]).manual_duplicate is None, "another seller's manual order"
    assert pulled(account, sales[1]).manual_duplicate is None, "a cancelled manual order stands for nothing"
    assert pulled(account, sales[2]).manual_duplicate == live


def test_the_order_page_offers_the_choice_and_the_api_makes_it(sandbox, account, code, client):
    sales = [sandbox.create_order(owhoDttm=kst(), lines=[{"eitmNo": code}])["odNo"] for _ in range(2)]
    manuals = [manual_for(account, number, code) for number in sales]
    sync(account)
    first, second = (pulled(account, number) for number in sales)
    client.force_login(account.user)

    page = client.get(reverse("orders:order-detail", args=[first.pk])).content.decode()
    assert "Same sale as manual shipping order" in page and f"call off {manuals[0].order_no}" in page
    assert "Two different sales: ship both" in page
    manual_page = client.get(reverse("orders:order-detail", args=[manuals[0].pk])).content.decode()
    assert f'href="{reverse("orders:order-detail", args=[first.pk])}"' in manual_page

    # The page's choice with the manual order it showed; an outdated one changes nothing.
    url = reverse("orders:order-duplicate", args=[first.pk])
    response = client.post(url, {"choice": "cancel_manual", "manual_order_id": manuals[1].pk}, follow=True)
    assert "held for another manual shipping order" in response.content.decode()
    assert pulled(account, sales[0]).manual_duplicate == manuals[0]
    response = client.post(url, {"choice": "cancel_manual", "manual_order_id": manuals[0].pk}, follow=True)
    assert "called off" in response.content.decode()
    assert pulled(account, sales[0]).manual_duplicate is None

    api = APIClient()
    api.force_authenticate(account.user)
    endpoint = f"/api/v1/orders/{second.pk}/duplicate/"
    assert api.post(endpoint, {"choice": "both"}, format="json").status_code == 400
    assert api.get(f"/api/v1/orders/{second.pk}/").json()["manual_duplicate"] == manuals[1].pk
    answer = api.post(endpoint, {"choice": "ship_both", "manual_order_id": manuals[1].pk}, format="json")
    assert answer.status_code == 200 and answer.json()["manual_duplicate"] is None
    assert api.post(endpoint, {"choice": "ship_both"}, format="json").status_code == 409

    # Another seller neither sees the choice nor makes it.
    _, stranger = make_seller_user(name="다른 상점")
    client.force_login(stranger)
    assert client.post(url, {"choice": "ship_both"}).status_code == 404
    api.force_authenticate(stranger)
    assert api.post(endpoint, {"choice": "ship_both"}, format="json").status_code == 404


def test_a_hold_moved_to_another_manual_order_while_locking_changes_nothing(sandbox, account, code, monkeypatch):
    """A sync holds the order for another manual order between the choice's first read and its lock: that manual
    order's lines were not locked, so nothing is called off and the seller is asked to look again."""
    from orders.services import lifecycle

    sale = sandbox.create_order(owhoDttm=kst(), lines=[{"eitmNo": code, "odQty": 1}])
    first = manual_for(account, sale["odNo"], code)
    sync(account)
    order = pulled(account, sale["odNo"])
    assert order.manual_duplicate == first
    second = manual_for(account, "elsewhere", code)
    locking = lifecycle.lines_lock

    def moved_first(*, order_ids):
        Order.objects.filter(pk=order.pk).update(manual_duplicate=second)
        return locking(order_ids=order_ids)

    monkeypatch.setattr(lifecycle, "lines_lock", moved_first)
    with pytest.raises(ApplicationError) as refused:
        order_duplicate_resolve(seller_id=account.seller_id, order_id=order.pk, choice=DuplicateChoice.CANCEL_MANUAL,
                                actor=account.user)
    assert refused.value.code == "hold_changed"
    for manual in (first, second):
        manual.refresh_from_db()
        assert manual.status == OrderStatus.CONFIRMED
