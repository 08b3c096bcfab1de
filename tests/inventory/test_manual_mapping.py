"""Manual shipping orders map to SKUs the moment they are created, like pulled lines."""

import pytest

from inventory.services.skus import sku_create
from orders.services.manual import ManualItem, manual_order_create
from tests.factories import make_seller_user


@pytest.mark.django_db
def test_manual_order_lines_map_to_an_existing_sku_at_once():
    seller, user = make_seller_user()
    saved = sku_create(seller=seller, kind="single", name="무선 이어폰", code="EARBUDS-01")
    order = manual_order_create(
        seller=seller, actor=user, recipient_name="홍길동", recipient_mobile="010-1234-5678", zip_code="06236",
        address="서울특별시 강남구 테헤란로 152", items=[ManualItem(seller_code="earbuds-01", product_name="이어폰", quantity=2)],
    )
    line = order.lines.get()
    assert line.sku_option == saved.sku.options.get()


@pytest.mark.django_db
def test_order_detail_shows_the_mapped_sku_or_says_not_mapped(client):
    seller, user = make_seller_user()
    sku_create(seller=seller, kind="single", name="무선 이어폰", code="EARBUDS-01")
    order = manual_order_create(
        seller=seller, actor=user, recipient_name="홍길동", recipient_mobile="010-1234-5678", zip_code="06236",
        address="서울특별시 강남구 테헤란로 152",
        items=[ManualItem(seller_code="EARBUDS-01", product_name="이어폰", quantity=1),
               ManualItem(seller_code="NO-SUCH-CODE", product_name="모르는 상품", quantity=1)],
    )
    client.force_login(user)
    html = client.get(f"/orders/{order.pk}/").content.decode()
    assert "무선 이어폰" in html and "Not mapped" in html


@pytest.mark.django_db
def test_order_detail_links_to_its_waybills_and_tracking(client):
    seller, user = make_seller_user()
    order = manual_order_create(
        seller=seller, actor=user, recipient_name="홍길동", recipient_mobile="010-1234-5678", zip_code="06236",
        address="서울특별시 강남구 테헤란로 152", items=[ManualItem(seller_code="X-1", product_name="상품", quantity=1)],
    )
    client.force_login(user)
    html = client.get(f"/orders/{order.pk}/").content.decode()
    assert f'href="/waybills/orders/{order.pk}/"' in html
    assert client.get(f"/waybills/orders/{order.pk}/").status_code == 200
