"""Invariants of stock over real HTTP against the LotteON sandbox: 86 carries at most 100 options per call
whatever the batch setting, a reservation is short when earlier reservations of the option leave too little,
and a link learned from an order line never replaces a linked one."""

from __future__ import annotations

import pytest
from django.utils import timezone

from inventory.models import FulfilmentOrder, LinkStatus, SiteOptionLink, StockPush
from inventory.services.stock import stock_receive
from orders.models import Order
from tests.inventory import test_stock_sync
from tests.inventory.factories import make_multi
from tests.inventory.test_stock_sync import STOCK, calls_to, live, on_sale, run_sync, since
from tests.orders.test_sync import kst, sync

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]
account = test_stock_sync.account  # the fixture: a LotteON account with automatic fulfilment and stock sync


def link(account, option, row: dict, **fields) -> SiteOptionLink:
    """The link Check LotteON link would have made (the product lookup: the authority)."""
    values = {"site_product_id": row["spdNo"], "site_option_id": row["sitmNo"], "status": LinkStatus.LINKED}
    values.update(fields)
    return SiteOptionLink.objects.create(option=option, seller=account.seller, account=account, site="lotteon",
                                         source=SiteOptionLink.Source.CATALOG, checked_at=timezone.now(), **values)


def test_86_carries_at_most_100_options_per_call_whatever_the_setting(sandbox, account, settings):
    """API.md documents no maximum for 86; the adapter keeps to the 100 of 210/137 (adapter_catalog.py),
    and the stock sync never sends a bigger batch than the adapter takes, whatever its own setting."""
    settings.SMARTSHIP_STOCK_PUSH_BATCH = 500
    product = sandbox.create_product(epdNo="BATCH-101", spdNm="배치 상품", options=[
        {"eitmNo": f"BATCH-{i:03d}", "sitmNm": f"옵션 {i:03d}", "stkQty": 50} for i in range(101)])
    items = product["itmLst"]
    sku = make_multi(seller=account.seller, options=[(item["eitmNo"], item["sitmNm"]) for item in items])
    options = {option.code: option for option in sku.options.all()}
    for item in items:
        option = options[item["eitmNo"]]
        link(account, option, {"spdNo": product["spdNo"], "sitmNo": item["sitmNo"]})
        stock_receive(seller=account.seller, option=option, quantity=int(item["eitmNo"][-3:]) + 1)
    StockPush.objects.update(site_checked_at=timezone.now())  # state already known: count only the writes

    after = since(sandbox)
    run = run_sync(account)
    assert [len(c["request"]["body"]["itmStkLst"]) for c in calls_to(sandbox, STOCK, after)] == [100, 1]
    assert (run.pushed, run.calls) == (101, 2)
    stock = live(sandbox)
    assert [stock[item["sitmNo"]]["stkQty"] for item in items] == list(range(1, 102))


def test_short_counts_earlier_reservations_of_the_same_option(sandbox, account):
    """docs/inventory.md: reserving more than is available is allowed and marks the fulfilment order short.
    Available is on hand less what is reserved, including what the orders before it in the same batch just
    reserved."""
    (row,) = on_sale(sandbox, 1)
    option = make_multi(seller=account.seller, options=[(row["eitmNo"], row["sitmNm"])]).options.get()
    stock_receive(seller=account.seller, option=option, quantity=3)
    # Pulled by one sync and sent to fulfilment together; the older one (instructed 15 minutes earlier, and
    # stored second: the list is newest first) takes the stock first.
    older, newer = (sandbox.create_order(owhoDttm=kst(days), lines=[{"eitmNo": row["eitmNo"], "odQty": 2}])
                    for days in (0.21, 0.2))
    sync(account)

    shorts = dict(FulfilmentOrder.objects.values_list("order__order_no", "short"))
    assert shorts == {older["odNo"]: False, newer["odNo"]: True}, "3 on hand: the older takes 2, the newer finds 1"
    numbers = dict(FulfilmentOrder.objects.values_list("order__order_no", "pk"))  # FO-number is the id
    assert numbers[older["odNo"]] < numbers[newer["odNo"]]
    option.refresh_from_db()
    assert (option.on_hand, option.reserved) == (3, 4)

    later = sandbox.create_order(owhoDttm=kst(0.1), lines=[{"eitmNo": row["eitmNo"], "odQty": 1}])
    sync(account)
    third = FulfilmentOrder.objects.get(order=Order.objects.get(order_no=later["odNo"]))
    assert third.short, "3 on hand, but all of it and more reserved by the earlier orders"


def test_a_link_learned_from_an_order_never_replaces_a_linked_one(sandbox, account):
    """inventory/services/mapping.py: ids an order line carries fill a missing or failed link; a linked row
    came from the product lookup, the authority, and stays. Here the seller's option code is also on a second
    LotteON product, and the order was placed on that one."""
    linked_row, failed_row = on_sale(sandbox, 2)
    sku = make_multi(seller=account.seller, options=[(linked_row["eitmNo"], "a"), (failed_row["eitmNo"], "b")])
    linked_option, failed_option = (sku.options.get(code=r["eitmNo"]) for r in (linked_row, failed_row))
    kept = link(account, linked_option, linked_row)
    link(account, failed_option, {"spdNo": "", "sitmNo": ""}, status=LinkStatus.PRODUCT_NOT_FOUND)
    other = sandbox.create_product(epdNo="RELISTED", spdNm="재등록 상품",
                                   options=[{"eitmNo": linked_row["eitmNo"], "sitmNm": "a", "stkQty": 5}])
    other_item = other["itmLst"][0]
    created = sandbox.create_order(owhoDttm=kst(0.2), lines=[{"sitmNo": other_item["sitmNo"]},
                                                             {"eitmNo": failed_row["eitmNo"]}])
    sync(account)

    lines = {line.seller_option_code: line for line in Order.objects.get(order_no=created["odNo"]).lines.all()}
    assert lines[linked_row["eitmNo"]].sku_option == linked_option, "mapped by its code all the same"
    assert lines[linked_row["eitmNo"]].site_option_id == other_item["sitmNo"]
    link_now = SiteOptionLink.objects.get(pk=kept.pk)
    assert (link_now.site_product_id, link_now.site_option_id, link_now.source, link_now.status) == (
        linked_row["spdNo"], linked_row["sitmNo"], SiteOptionLink.Source.CATALOG, LinkStatus.LINKED)
    learned = SiteOptionLink.objects.get(option=failed_option, account=account)
    assert (learned.site_product_id, learned.site_option_id, learned.source, learned.status) == (
        failed_row["spdNo"], failed_row["sitmNo"], SiteOptionLink.Source.ORDER, LinkStatus.LINKED)
