"""Mapping order lines to option SKUs, over real HTTP against the LotteON sandbox and real SQL.

The sync stores lines and calls inventory's ``on_lines_stored`` in the same transaction; these tests
look at what a seller sees afterwards: mapped lines, waiting lines, and lines mapped by fixing a code.
"""

from __future__ import annotations

import pytest

from inventory.models import LinkStatus, OptionSku, SiteOptionLink
from inventory.selectors import needs_mapping_groups
from inventory.services.skus import OptionInput, sku_set_active, sku_update
from orders.models import OrderEvent, OrderLine
from orders.services.sync import orders_sync
from tests.factories import make_account, make_seller_user
from tests.inventory.factories import make_multi, make_single

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]


@pytest.fixture
def account(sandbox, settings):
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.LOTTEON_RETRY_BASE_DELAY = 0.01
    settings.LOTTEON_READ_TIMEOUT = 2.0
    settings.SMARTSHIP_ORDER_LOOKBACK_DAYS = 2
    seller, _ = make_seller_user()
    return make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO)


def catalog(sandbox) -> tuple[dict[str, list[dict]], list[dict]]:
    """Option rows of on-sale products by epdNo, and the on-sale single products."""
    options: dict[str, list[dict]] = {}
    singles = []
    for row in sandbox.state(api_key=sandbox.DEMO_KEY)["stock"]:
        if row["slStatCd"] != "SALE":
            continue
        if row["eitmNo"]:
            options.setdefault(row["epdNo"], []).append(row)
        else:
            singles.append(row)
    return options, singles


def sync(account):
    run = orders_sync(account_id=account.pk)
    assert run.status == "succeeded", run.error_message
    return run


def line_of(order_no: str, line_no: str = "1") -> OrderLine:
    return OrderLine.objects.select_related("sku_option").get(order__order_no=order_no, line_no=line_no)


def test_lines_map_by_option_code_and_by_product_code_of_single_products(sandbox, account):
    options, singles = catalog(sandbox)
    product, rows = next(iter(options.items()))
    a, b = rows[0], rows[1]
    single = singles[0]
    seller = account.seller
    multi = make_multi(seller=seller, code=product, options=[(a["eitmNo"], a["sitmNm"]), (b["eitmNo"], b["sitmNm"])])
    one = make_single(seller=seller, code=single["epdNo"])
    first = sandbox.create_order(lines=[{"eitmNo": a["eitmNo"], "odQty": 2}, {"eitmNo": b["eitmNo"]}])
    second = sandbox.create_order(lines=[{"epdNo": single["epdNo"]}])

    sync(account)

    option_a, option_b = multi.options.order_by("position")
    assert line_of(first["odNo"], "1").sku_option == option_a
    assert line_of(first["odNo"], "2").sku_option == option_b
    assert line_of(second["odNo"]).sku_option == one.options.get()
    events = OrderEvent.objects.filter(kind=OrderEvent.Kind.MAPPED)
    assert sorted(e.order.order_no for e in events) == sorted([first["odNo"], second["odNo"]]), "one event per order"
    assert a["eitmNo"] in events.get(order__order_no=first["odNo"]).message
    # The lines carry LotteON's own ids: the option SKUs learn them (for stock sync).
    link = SiteOptionLink.objects.get(option=option_a, account=account)
    assert (link.status, link.site_product_id, link.site_option_id, link.source) == (
        LinkStatus.LINKED, a["spdNo"], a["sitmNo"], SiteOptionLink.Source.ORDER)
    assert SiteOptionLink.objects.get(option=one.options.get()).site_option_id == single["sitmNo"]

    before = OrderEvent.objects.count()
    sync(account)
    assert OrderEvent.objects.count() == before, "a re-sync maps nothing twice"


def test_codes_match_after_trimming_and_ignoring_case_but_an_option_line_never_falls_back_to_its_product_code(
        sandbox, account):
    options, _ = catalog(sandbox)
    product, rows = next(iter(options.items()))
    a, b = rows[0], rows[1]
    seller = account.seller
    lower = make_single(seller=seller, code=f"  {a['eitmNo'].lower()} ")
    # A single SKU carrying the product code: lines of that product have option codes, so they do not map to it.
    make_single(seller=seller, code=product)
    order = sandbox.create_order(lines=[{"eitmNo": a["eitmNo"]}, {"eitmNo": b["eitmNo"]}])

    sync(account)

    assert lower.options.get().code == a["eitmNo"].lower(), "the code keeps the seller's spelling, trimmed"
    assert line_of(order["odNo"], "1").sku_option == lower.options.get()
    assert line_of(order["odNo"], "2").sku_option is None


def test_unmapped_lines_wait_on_needs_mapping_and_fixing_a_code_maps_them_without_a_new_sync(sandbox, account):
    options, singles = catalog(sandbox)
    _, rows = next(iter(options.items()))
    a = rows[0]
    seller = account.seller
    typo = make_multi(seller=seller, options=[(a["eitmNo"] + "X", a["sitmNm"])], name="오타 상품")
    order = sandbox.create_order(lines=[{"eitmNo": a["eitmNo"], "odQty": 3}])
    other = sandbox.create_order(lines=[{"eitmNo": a["eitmNo"]}, {"epdNo": singles[0]["epdNo"]}])
    sync(account)

    assert not OrderLine.objects.filter(sku_option__isnull=False).exists()
    groups = {group.code: group for group in needs_mapping_groups(seller=seller)}
    assert set(groups) == {a["eitmNo"], singles[0]["epdNo"]}
    group = groups[a["eitmNo"]]
    assert (group.lines, group.orders, group.quantity, group.option_name) == (2, 2, 4, a["sitmNm"])
    assert group.product_code == a["epdNo"] and groups[singles[0]["epdNo"]].is_product_code

    calls = len(sandbox.calls())
    option = typo.options.get()
    saved = sku_update(sku=typo, name=typo.name, options=[OptionInput(id=option.pk, code=a["eitmNo"],
                                                                      option_values=a["sitmNm"])])

    assert sorted(saved.mapping.mapped) == sorted([line_of(order["odNo"]).pk, line_of(other["odNo"], "1").pk])
    assert line_of(order["odNo"]).sku_option == option
    assert line_of(other["odNo"], "2").sku_option is None
    assert len(sandbox.calls()) == calls, "no call to LotteON: the lines were already stored"
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.MAPPED, order__order_no=order["odNo"]).count() == 1
    assert {g.code for g in needs_mapping_groups(seller=seller)} == {singles[0]["epdNo"]}
    assert SiteOptionLink.objects.get(option=option).site_option_id == a["sitmNo"], "learned when the line mapped"


def test_a_deactivated_sku_takes_no_new_lines_keeps_mapped_ones_and_maps_waiting_lines_when_reactivated(
        sandbox, account):
    _, singles = catalog(sandbox)
    single = singles[0]
    sku = make_single(seller=account.seller, code=single["epdNo"])
    first = sandbox.create_order(lines=[{"epdNo": single["epdNo"]}])
    sync(account)
    assert line_of(first["odNo"]).sku_option is not None

    sku_set_active(sku=sku, active=False)
    later = sandbox.create_order(lines=[{"epdNo": single["epdNo"]}])
    sync(account)
    assert line_of(first["odNo"]).sku_option == sku.options.get(), "lines already mapped keep their SKU"
    assert line_of(later["odNo"]).sku_option is None

    saved = sku_set_active(sku=sku, active=True)
    assert saved.mapping.mapped == [line_of(later["odNo"]).pk]


def test_changing_a_code_unmaps_open_lines_of_the_old_code_and_maps_the_new_codes_lines(sandbox, account):
    options, _ = catalog(sandbox)
    _, rows = next(iter(options.items()))
    a, b = rows[0], rows[1]
    sku = make_multi(seller=account.seller, options=[(a["eitmNo"], a["sitmNm"])])
    order = sandbox.create_order(lines=[{"eitmNo": a["eitmNo"]}, {"eitmNo": b["eitmNo"]}])
    sync(account)
    option = OptionSku.objects.get(sku=sku)
    assert line_of(order["odNo"], "1").sku_option == option

    sku_update(sku=sku, name=sku.name, options=[OptionInput(id=option.pk, code=b["eitmNo"], option_values="b")])

    assert line_of(order["odNo"], "1").sku_option is None
    assert line_of(order["odNo"], "2").sku_option == option
    event = OrderEvent.objects.filter(kind=OrderEvent.Kind.MAPPED, order__order_no=order["odNo"]).latest("id")
    assert "line 2" in event.message and "changed" in event.message
