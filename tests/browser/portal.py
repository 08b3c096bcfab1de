"""The portal as its users see it, shared by the browser tests that walk every page (Content-Security-Policy,
accessibility): the rows that fill each list, and the pages a seller, the QFC operator and the admin open."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from integrations.models import SalesSiteAccount
from inventory.models import FulfilmentOrder, LinkStatus, SiteOptionLink, SkuImport, StockPush
from inventory.services.fulfilment import fulfilment_orders_send
from inventory.services.stock import stock_receive
from orders.models import OrderExport
from orders.services.manual import ManualItem, manual_order_create
from sellers.models import User
from tests.factories import make_account
from tests.inventory.factories import make_multi, make_single
from tests.orders.factories import make_order
from waybills.models import TrackingPush


def two_of_everything(seller, user) -> dict[str, str]:
    """Two rows in every list a seller or the QFC warehouse works through; returns the pages that need ids."""
    make_account(seller=seller, shop_id="north-shop")
    # Its key expires within the month: the pages that show it carry the reminder to renew it.
    make_account(seller=seller, shop_id="south-shop", account_number="LO10000002",
                 api_key_expires_on=timezone.localdate() + timedelta(days=20))
    make_single(seller=seller, code="EARBUDS-01", name="무선 이어폰")
    make_single(seller=seller, code="EARBUDS-02", name="무선 이어폰 2")
    shirt = make_multi(seller=seller, name="반팔 티셔츠", options=[("TS-BLK-M", "블랙 / M"), ("TS-WHT-L", "화이트 / L")])
    black, white = shirt.options.order_by("position")
    for option in (black, white):
        stock_receive(seller=seller, option=option, quantity=5)
    shipped = []
    for code in ("TS-BLK-M", "TS-WHT-L", "NEW-CODE-1", "NEW-CODE-2"):
        shipped.append(manual_order_create(
            seller=seller, actor=user, recipient_name="김민준", zip_code="04524", address="서울 중구 세종대로 110",
            recipient_mobile="010-1234-5678",
            items=[ManualItem(product_name="반팔 티셔츠", option_name="", quantity=1, seller_code=code)]))
    fulfilment_orders_send(seller=seller, order_ids=[order.pk for order in shipped[:2]], actor=user)
    for order in shipped[2:]:
        line = order.lines.get()
        TrackingPush.objects.create(seller=seller, order=order, line=line, origin=TrackingPush.Origin.INVOICE,
                                    state=TrackingPush.State.FAILED, courier_code="0002", tracking_no="678912345678",
                                    last_message="Refused")
    # The same file uploaded twice and three exports, minutes apart: the rows show when each was made.
    for minutes in (0, 5):
        upload = SkuImport.objects.create(seller=seller, created_by=user, filename="skus.xlsx")
        SkuImport.objects.filter(pk=upload.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))
    exports = [OrderExport.objects.create(seller=seller, created_by=user, status=OrderExport.Status.READY,
                                          filename="orders.xlsx") for _ in range(3)]
    for minutes, export in enumerate(exports):
        OrderExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(minutes=minutes * 5))
    return {"export": f"/orders/exports/{exports[0].pk}/", "sku": f"/inventory/skus/{shirt.pk}/"}


@dataclass
class Portal:
    """A filled portal: its users and the pages each of them has (paths, ids filled in)."""

    seller_username: str
    qfc_username: str
    admin_username: str
    ids: dict[str, int | str]
    seller_pages: list[str] = field(default_factory=list)
    qfc_pages: list[str] = field(default_factory=list)
    admin_pages: list[str] = field(default_factory=list)


def portal_fill(seller, user, *, qfc_username: str, admin_username: str, password: str) -> Portal:
    """Two of everything for `seller` (two_of_everything), two pulled orders, a manual order ready for
    fulfilment, a LotteON option link with a failed stock push, a QFC operator and a superuser."""
    ids = two_of_everything(seller, user)
    account = SalesSiteAccount.objects.get(seller=seller, shop_id="north-shop")  # the sandbox's demo supplier
    order = make_order(seller=seller, account=account)
    make_order(seller=seller, account=account)
    # A manual order whose code has a SKU, not sent yet: Send to fulfilment lists it as ready.
    manual_order_create(seller=seller, actor=user, recipient_name="이서연", zip_code="04524", address="서울 중구 세종대로 110",
                        recipient_mobile="010-2222-3333",
                        items=[ManualItem(product_name="반팔 티셔츠", option_name="", quantity=1, seller_code="TS-BLK-M")])
    sku = seller.skus.get(name="반팔 티셔츠")
    option = sku.options.order_by("position").first()
    link = SiteOptionLink.objects.create(option=option, seller=seller, account=account, site="lotteon",
                                         site_product_id="LO1", site_option_id="LO1_2", status=LinkStatus.LINKED,
                                         source="catalog", checked_at="2026-11-01T00:00:00Z")
    StockPush.objects.create(link=link, seller=seller, account=account, option=option, dirty=False, state="failed",
                             code="9999", message="판매 불가 상품", attempted_quantity=4)
    upload = SkuImport.objects.filter(seller=seller).first()  # queued: its page polls its progress bar
    User.objects.create_user(qfc_username, password=password, is_warehouse_operator=True)
    User.objects.create_superuser(admin_username, password=password)
    fulfilment = FulfilmentOrder.objects.filter(order__seller=seller).first()
    ids.update(account=account.pk, order=order.pk, sku_id=sku.pk, upload=upload.pk, fulfilment=fulfilment.pk)
    return Portal(
        seller_username=user.username, qfc_username=qfc_username, admin_username=admin_username, ids=ids,
        seller_pages=[
            "/", "/sales-sites/", "/sales-sites/new/", "/sales-sites/new/lotteon/", "/sales-sites/syncs/",
            f"/sales-sites/{account.pk}/", f"/sales-sites/{account.pk}/edit/", f"/sales-sites/{account.pk}/delete/",
            "/orders/", f"/orders/{order.pk}/", ids["export"], "/orders/manual/new/", "/orders/manual/import/",
            "/inventory/skus/", "/inventory/skus/new/", ids["sku"], f"/inventory/skus/{sku.pk}/edit/",
            "/inventory/skus/import/", f"/inventory/skus/import/{upload.pk}/", "/inventory/needs-mapping/",
            "/inventory/needs-mapping/?pick=NEW-CODE-1", "/inventory/fulfilment/send/", "/inventory/stock-sync/",
            "/inventory/movements/", "/waybills/print/?kind=invoice", "/waybills/print/?kind=packing",
            "/waybills/push-failures/", f"/waybills/orders/{order.pk}/",
        ],
        qfc_pages=[
            "/", "/inventory/fulfilment/?tab=all", f"/inventory/fulfilment/{fulfilment.pk}/", "/waybills/receiving/",
            "/inventory/stock/", "/inventory/stock/movements/",
        ],
        # Django admin as the README points to it: its index, a list, a change form and an add form.
        admin_pages=["/admin/", "/admin/orders/order/", f"/admin/orders/order/{order.pk}/change/",
                     "/admin/sellers/user/add/"],
    )
