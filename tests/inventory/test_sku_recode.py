"""Editing a SKU's Seller defined code while the warehouse still has to ship its order lines.

Re-mapping would take the lines off the option SKU while their fulfilment order goes on reserving and shipping
it: the order then shows a shipped line without a SKU and Needs mapping asks for its code again. The edit is
refused with the reason; lines not handed to the warehouse yet still follow the new code."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from inventory.models import FulfilmentOrder, SkuKind
from inventory.services.fulfilment import fulfilment_orders_send, fulfilment_ship
from inventory.services.skus import OptionInput, sku_update
from inventory.services.stock import stock_receive
from orders.models import OrderLine
from orders.services.manual import ManualItem, manual_order_create
from tests.factories import make_seller_user
from tests.inventory.factories import make_multi, make_single

pytestmark = pytest.mark.django_db


def manual_order(seller, user, code: str, quantity: int = 1):
    return manual_order_create(seller=seller, actor=user, recipient_name="김민준", zip_code="04524",
                               address="서울 중구 세종대로 110", recipient_mobile="010-1234-5678",
                               items=[ManualItem(product_name="이불", quantity=quantity, seller_code=code)])


def test_an_option_code_in_an_unshipped_fulfilment_order_cannot_change():
    seller, user = make_seller_user()
    sku = make_multi(seller=seller, options=[("BLANKET-SS", "슈퍼싱글"), ("BLANKET-Q", "퀸")])
    single, queen = sku.options.order_by("position")
    stock_receive(seller=seller, option=single, quantity=5)
    order = manual_order(seller, user, "BLANKET-SS")
    (fo,) = fulfilment_orders_send(seller=seller, order_ids=[order.pk], actor=user)
    line = OrderLine.objects.get(order=order)

    with pytest.raises(ValidationError) as refused:
        sku_update(sku=sku, name=sku.name, options=[
            OptionInput(id=single.pk, code="BLANKET-SS-NEW", option_values="슈퍼싱글"),
            OptionInput(id=queen.pk, code="BLANKET-QUEEN", option_values="퀸"),
        ])
    message = refused.value.message_dict["options.0.code"][0]
    assert fo.number in message and "BLANKET-SS" in message
    assert "options.1.code" not in refused.value.message_dict, "an option no fulfilment order holds may change"
    single.refresh_from_db()
    line.refresh_from_db()
    assert single.code == "BLANKET-SS" and line.sku_option_id == single.pk, "nothing changed"

    # Once shipped, the line is no longer open: the code may change and the shipped line keeps its SKU.
    fulfilment_ship(fulfilment_id=fo.pk, actor=user)
    sku_update(sku=sku, name=sku.name, options=[OptionInput(id=single.pk, code="BLANKET-SS-NEW", option_values="슈퍼싱글")])
    single.refresh_from_db()
    line.refresh_from_db()
    assert single.code == "BLANKET-SS-NEW" and line.sku_option_id == single.pk


def test_lines_not_handed_to_the_warehouse_follow_the_new_code():
    seller, user = make_seller_user()
    sku = make_single(seller=seller, code="MUG-1")
    order = manual_order(seller, user, "MUG-1")
    assert not FulfilmentOrder.objects.exists()

    sku_update(sku=sku, name=sku.name, code="MUG-2")

    line = OrderLine.objects.get(order=order)
    assert line.sku_option_id is None, "waiting lines are re-mapped by the new code, as before"


def test_the_edit_form_says_why_a_single_skus_code_cannot_change(client):
    seller, user = make_seller_user()
    sku = make_single(seller=seller, code="MUG-1")
    option = sku.options.get()
    stock_receive(seller=seller, option=option, quantity=5)
    order = manual_order(seller, user, "MUG-1")
    (fo,) = fulfilment_orders_send(seller=seller, order_ids=[order.pk], actor=user)
    client.force_login(user)

    response = client.post(reverse("inventory:sku-update", args=[sku.pk]), {
        "kind": SkuKind.SINGLE, "name": sku.name, "code": "MUG-2", "barcode": "",
        "options-TOTAL_FORMS": "0", "options-INITIAL_FORMS": "0", "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "1000",
    })

    assert response.status_code == 400
    assert fo.number in response.content.decode()
    option.refresh_from_db()
    assert option.code == "MUG-1"
    assert OrderLine.objects.get(order=order).sku_option_id == option.pk
