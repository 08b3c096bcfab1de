import pytest

from orders.services.manual import ManualItem, manual_order_create
from tests.factories import PASSWORD, make_seller_user


@pytest.mark.django_db
def test_dashboard_counts_what_needs_the_seller(client):
    seller, user = make_seller_user(name="대시보드 상점")
    manual_order_create(
        seller=seller, actor=user, recipient_name="홍길동", recipient_mobile="010-1234-5678", zip_code="06236",
        address="서울특별시 강남구 테헤란로 152", items=[ManualItem(seller_code="NOPE-1", product_name="상품", quantity=1)],
    )
    other, _ = make_seller_user()
    manual_order_create(
        seller=other, actor=None, recipient_name="김철수", recipient_mobile="010-2222-3333", zip_code="06236",
        address="서울특별시 강남구 테헤란로 1", items=[ManualItem(seller_code="X", product_name="상품", quantity=1)],
    )
    client.force_login(user)
    response = client.get("/")
    assert response.context["to_ship"] == 1, "one confirmed manual order of this seller, not the other's"
    assert response.context["unmapped"] == 1
    assert "대시보드 상점" in response.content.decode()


@pytest.mark.django_db
def test_warehouse_operator_dashboard_has_no_seller_figures(client, django_user_model):
    operator = django_user_model.objects.create_user(username="qfc-dash", password=PASSWORD, is_warehouse_operator=True)
    client.force_login(operator)
    response = client.get("/")
    assert response.status_code == 200 and "counts" not in response.context


@pytest.mark.django_db
def test_getting_started_ticks_off_what_is_done_and_leaves_once_all_is(client):
    from integrations.models import SalesSiteAccount
    from tests.factories import make_account
    from tests.inventory.factories import make_single
    from waybills.models import WaybillKind
    from waybills.services.printing import waybills_print

    seller, user = make_seller_user()
    client.force_login(user)
    assert "Getting started" in client.get("/").content.decode()
    assert client.get("/").context["steps"] == {"connected": False, "skus": False, "printed": False}

    make_account(seller=seller, connection_status=SalesSiteAccount.ConnectionStatus.OK)
    make_single(seller=seller, code="TS-1")
    page = client.get("/")
    assert page.context["steps"] == {"connected": True, "skus": True, "printed": False}
    assert page.content.decode().count('<span class="visually-hidden">(done)</span>') == 2

    order = manual_order_create(
        seller=seller, actor=user, recipient_name="홍길동", recipient_mobile="010-1234-5678", zip_code="06236",
        address="서울특별시 강남구 테헤란로 152", items=[ManualItem(seller_code="TS-1", product_name="상품", quantity=1)])
    waybills_print(seller_id=seller.pk, order_ids=[order.pk], kind=WaybillKind.PACKING)
    assert "Getting started" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_warehouse_operator_dashboard_counts_what_waits_at_qfc(client, django_user_model):
    from inventory.models import FulfilmentOrder
    from inventory.services.fulfilment import fulfilment_orders_send, fulfilments_start_picking
    from tests.inventory.factories import make_multi
    from waybills.models import WaybillKind
    from waybills.services.printing import waybills_print

    sent = []
    for name in ("첫째 상점", "둘째 상점"):
        seller, user = make_seller_user(name=name)
        make_multi(seller=seller, options=[(f"CODE-{len(sent)}", "블랙")])
        orders = [manual_order_create(
            seller=seller, actor=user, recipient_name="홍길동", recipient_mobile="010-1234-5678", zip_code="06236",
            address="서울특별시 강남구 테헤란로 152",
            items=[ManualItem(seller_code=f"CODE-{len(sent)}", product_name="상품", quantity=1)]) for _ in range(2)]
        sent += fulfilment_orders_send(seller=seller, order_ids=[orders[0].pk], actor=user)
        waybills_print(seller_id=seller.pk, order_ids=[orders[1].pk], kind=WaybillKind.PACKING)
    fulfilments_start_picking(fulfilment_ids=[sent[1].pk])
    FulfilmentOrder.objects.filter(pk=sent[1].pk).update(flagged=True)

    operator = django_user_model.objects.create_user(username="qfc-dash", password=PASSWORD, is_warehouse_operator=True)
    client.force_login(operator)
    response = client.get("/")
    warehouse = response.context["warehouse"]
    assert (warehouse["open"], warehouse["picking"], warehouse["flagged"]) == (1, 1, 1)
    assert response.context["labels_awaiting"] == 2, "both sellers' packing labels"
    page = response.content.decode()
    assert "To pick" in page and "Labels to receive" in page and "1 being picked" in page
