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
    assert page.content.decode().count('aria-label="done"') == 2

    order = manual_order_create(
        seller=seller, actor=user, recipient_name="홍길동", recipient_mobile="010-1234-5678", zip_code="06236",
        address="서울특별시 강남구 테헤란로 152", items=[ManualItem(seller_code="TS-1", product_name="상품", quantity=1)])
    waybills_print(seller_id=seller.pk, order_ids=[order.pk], kind=WaybillKind.PACKING)
    assert "Getting started" not in client.get("/").content.decode()
