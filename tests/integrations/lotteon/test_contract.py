"""The LotteON contract: every test runs against `responses` (fake.py) and the sandbox over HTTP.

What a test may rely on is only API.md and docs/lotteon.md; the backends differ in everything else
(IDs, names, catalog size), so tests read codes from the backend rather than hard-coding them.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from integrations import errors
from integrations.lotteon import client as lc
from integrations.lotteon import mappers
from integrations.lotteon.records import (
    ConfirmLine,
    InvoiceCorrection,
    LineKey,
    OrderLine,
    ProgressUpdate,
    SaleStatusChange,
    StockChange,
)
from integrations.lotteon.timeutil import KST, day_window
from tests.integrations.lotteon.backends import Backend, CatalogItem


def now() -> datetime:
    return datetime.now(KST).replace(microsecond=0)


def sellable(backend: Backend, count: int = 1) -> list[CatalogItem]:
    items = [c for c in backend.catalog() if c.status == "SALE" and c.stock > 0]
    assert len(items) >= count, "the catalog has too few sellable items"
    return items[:count]


def place(backend: Backend, quantities: list[int], state: str = "new") -> tuple[list[OrderLine], datetime]:
    """Create an order with one line per quantity and pull it back through 209 (both ifCplYN)."""
    owho = now() - timedelta(hours=2)
    items = sellable(backend, len(quantities))
    order = backend.create_order(
        owho, [(i.sitm_no, q) for i, q in zip(items, quantities, strict=True)], state
    )
    client = backend.client()
    lines = [
        line
        for line in client.search_orders_range(owho - timedelta(hours=1), now() + timedelta(minutes=1))
        if line.key.od_no == order["odNo"]
    ]
    assert len(lines) == len(quantities)
    return sorted(lines, key=lambda line: int(line.key.od_seq)), owho


def shipped(line: OrderLine, invoice: str, courier: str = "0002") -> ProgressUpdate:
    return mappers.shipped_update_from_order(line, courier_code=courier, invoice_no=invoice, at=now())


# --- 207 identity, 89 couriers, 93/94 products ---------------------------------------------------------


def test_identity_and_account_number(lotteon_backend: Backend) -> None:
    client = lotteon_backend.client()
    identity = client.test_connection(lotteon_backend.tr_no)
    assert identity.tr_no == lotteon_backend.tr_no
    assert identity.tr_grp_cd == "SR"
    assert identity.tr_nm
    with pytest.raises(errors.AccountMismatch):
        client.test_connection("LO99999999")


def test_couriers_follow_decision_row_6(lotteon_backend: Backend) -> None:
    codes = {c.code: c.name for c in lotteon_backend.client().couriers()}
    assert {"0001", "0002", "0004", "0005", "0006", "0042", "9999"} <= set(codes)
    assert "0041" not in codes  # 일양 is 0042
    assert "택배" in codes["9999"] or codes["9999"]


def test_product_list_iterates_every_page(lotteon_backend: Backend) -> None:
    client = lotteon_backend.client()
    expected = {c.spd_no for c in lotteon_backend.catalog()}
    products = list(client.iter_products(rows_per_page=7))
    assert {p.spd_no for p in products} >= expected
    assert len(products) == len({p.spd_no for p in products}) >= 15  # no page read twice
    by_spd = {p.spd_no: p for p in products}
    for item in lotteon_backend.catalog():
        assert item.sitm_no in by_spd[item.spd_no].sitm_nos


def test_product_filter_and_detail_pair_seller_codes(lotteon_backend: Backend) -> None:
    option = next((c for c in lotteon_backend.catalog() if c.eitm_no), None)
    if option is None:
        pytest.skip("no option product in this catalog")
    client = lotteon_backend.client()
    (product,) = list(client.iter_products(epd_nos=[option.epd_no]))
    assert product.spd_no == option.spd_no
    detail = client.product_detail(product.spd_no)
    pairs = {o.eitm_no: o.sitm_no for o in detail.options}
    expected = {c.eitm_no: c.sitm_no for c in lotteon_backend.catalog() if c.spd_no == option.spd_no}
    assert pairs == expected
    assert all(o.stock is not None and o.stock_managed for o in detail.options)


def test_product_detail_of_unknown_product_is_a_business_error(lotteon_backend: Backend) -> None:
    with pytest.raises(errors.BusinessError):
        lotteon_backend.client().product_detail("LO0000000000")


# --- 209 / 140: pull orders ----------------------------------------------------------------------------


def test_pull_orders_maps_the_209_line(lotteon_backend: Backend) -> None:
    lines, owho = place(lotteon_backend, [2, 1])
    catalog = {c.sitm_no: c for c in lotteon_backend.catalog()}
    first = lines[0]
    assert first.key.od_seq == "1" and first.key.proc_seq == "1"
    assert first.instructed_at == owho
    assert first.direction == "DV" and first.step == "11"
    assert first.amounts.quantity == 2
    assert first.amounts.unit_price > 0
    item = catalog[first.product.sitm_no]
    assert (first.product.spd_no, first.product.epd_no, first.product.eitm_no) == (
        item.spd_no,
        item.epd_no,
        item.eitm_no,
    )
    assert first.product.seller_code == (item.eitm_no or item.epd_no)
    assert first.recipient.name and first.recipient.address
    assert first.supplier.tr_no == lotteon_backend.tr_no


def test_empty_day_is_an_empty_list(lotteon_backend: Backend) -> None:
    client = lotteon_backend.client()
    long_ago = datetime(2021, 3, 3, 12, tzinfo=KST)
    assert client.search_orders(day_window(long_ago)) == []
    assert client.search_delivery_states(day_window(long_ago)) == []


def test_range_search_never_sends_a_window_lotteon_refuses(lotteon_backend: Backend) -> None:
    client = lotteon_backend.client()
    # Eight days starting mid-day: nine windows, each within one KST day, none refused with 2003.
    start = now() - timedelta(days=8)
    assert isinstance(client.search_orders_range(start, now()), list)
    assert isinstance(client.search_delivery_states_range(start, now()), list)


# --- 210 confirm --------------------------------------------------------------------------------------


def test_confirm_links_and_140_shows_step_12(lotteon_backend: Backend) -> None:
    lines, owho = place(lotteon_backend, [1, 1])
    client = lotteon_backend.client()
    result = client.confirm_lines([mappers.confirm_line_from_order(line) for line in lines])
    assert result.ok, result.failed
    assert lotteon_backend.calls_to(lc.LINK_COMPLETE.path) == 1
    states = {s.key: s for s in client.search_delivery_states(day_window(owho), od_no=lines[0].key.od_no)}
    assert [states[line.key].step for line in lines] == ["12", "12"]
    steps = client.delivery_steps(day_window(owho))  # what the order sync reads
    assert [steps[line.key] for line in lines] == ["12", "12"]
    # 209: gone from the unlinked search, shown with Y, still reporting the stale step 11.
    od_no = lines[0].key.od_no
    assert not [x for x in client.search_orders(day_window(owho)) if x.key.od_no == od_no]
    linked = [x for x in client.search_orders(day_window(owho), if_cpl_yn="Y") if x.key.od_no == od_no]
    assert [x.step for x in linked] == ["11", "11"]


def test_confirm_with_one_bad_line_fails_that_line_only(lotteon_backend: Backend) -> None:
    (good,), _ = place(lotteon_backend, [1])
    (taken,), _ = place(lotteon_backend, [1])
    lotteon_backend.link_elsewhere(taken.key.od_no)
    missing = ConfirmLine(LineKey("2099010100000001", "1", "1"), instructed_at=now())
    client = lotteon_backend.client()
    result = client.confirm_lines(
        [mappers.confirm_line_from_order(good), mappers.confirm_line_from_order(taken), missing]
    )
    assert [r.ok for r in result.results] == [True, False, False]
    assert result.results[1].message and result.results[2].message
    assert lotteon_backend.live(good.key.od_no, "1").step == "12"


def test_confirm_whole_batch_failure_comes_back_per_line(lotteon_backend: Backend) -> None:
    lines, _ = place(lotteon_backend, [1, 1])
    lotteon_backend.link_elsewhere(lines[0].key.od_no)
    result = lotteon_backend.client().confirm_lines([mappers.confirm_line_from_order(x) for x in lines])
    assert result.code == "9999"
    assert [(r.ok, r.code) for r in result.results] == [(False, "9999"), (False, "9999")]


# --- 137 ship, 139 correct ----------------------------------------------------------------------------


def test_ship_pushes_tracking_and_resolver_confirms_it(lotteon_backend: Backend) -> None:
    lines, owho = place(lotteon_backend, [1])
    client = lotteon_backend.client()
    assert client.confirm_lines([mappers.confirm_line_from_order(lines[0])]).ok
    update = shipped(lines[0], "1234-5678-9012")
    result = client.notify_delivery_progress([update])
    assert result.ok, result.failed
    (state,) = [s for s in client.search_delivery_states(day_window(owho)) if s.key == lines[0].key]
    assert (state.step, state.invoice_no) == ("13", "123456789012")
    (resolution,) = client.resolve_shipments([update])
    assert resolution.applied and resolution.shipped
    (other,) = client.resolve_shipments([shipped(lines[0], "999999999999")])
    assert not other.applied


def test_ship_with_an_invalid_courier_fails_that_line(lotteon_backend: Backend) -> None:
    lines, _ = place(lotteon_backend, [1, 1])
    client = lotteon_backend.client()
    result = client.notify_delivery_progress(
        [shipped(lines[0], "111122223333"), shipped(lines[1], "4444", "0041")]
    )
    assert [r.ok for r in result.results] == [True, False]
    assert "0041" in result.results[1].message
    assert lotteon_backend.live(lines[1].key.od_no, "2").step == "11"


def test_preparing_step_12(lotteon_backend: Backend) -> None:
    lines, _ = place(lotteon_backend, [1])
    client = lotteon_backend.client()
    update = mappers.preparing_update_from_order(lines[0], at=now())
    assert client.notify_delivery_progress([update]).ok
    (resolution,) = client.resolve_confirmations([update])
    assert resolution.applied and resolution.step == "12"


def test_second_ship_points_to_139_which_corrects(lotteon_backend: Backend) -> None:
    lines, _ = place(lotteon_backend, [1])
    client = lotteon_backend.client()
    assert client.notify_delivery_progress([shipped(lines[0], "111122223333")]).ok
    again = client.notify_delivery_progress([shipped(lines[0], "555566667777")])
    assert not again.ok and "139" in again.results[0].message
    correction = InvoiceCorrection(
        lines[0].key, "111122223333", "5555-6666-7777", "0006", lines[0].instructed_at
    )
    assert client.correct_invoices([correction]).ok
    live = lotteon_backend.live(lines[0].key.od_no, "1")
    assert (live.step, live.invc_no, live.dv_co_cd) == ("13", "555566667777", "0006")


def test_correction_of_a_line_not_shipped_fails(lotteon_backend: Backend) -> None:
    lines, _ = place(lotteon_backend, [1])
    result = lotteon_backend.client().correct_invoices([InvoiceCorrection(lines[0].key, "1", "2", "0002")])
    assert not result.ok and result.results[0].key == lines[0].key


# --- 86 stock, 111 sale status ------------------------------------------------------------------------


def test_stock_with_one_unknown_option(lotteon_backend: Backend) -> None:
    (item,) = sellable(lotteon_backend)
    client = lotteon_backend.client()
    result = client.change_stock(
        [StockChange(item.spd_no, item.sitm_no, 7), StockChange(item.spd_no, "NO-SUCH", 3)]
    )
    assert [(r.sitm_no, r.ok) for r in result.results] == [(item.sitm_no, True), ("NO-SUCH", False)]
    assert result.results[1].code == "9999"
    assert lotteon_backend.stock(item.sitm_no).stock == 7


def test_stock_zero_sets_sout_and_111_restores_sale(lotteon_backend: Backend) -> None:
    (item,) = sellable(lotteon_backend)
    client = lotteon_backend.client()
    assert client.change_stock([StockChange(item.spd_no, item.sitm_no, 0)]).ok
    assert lotteon_backend.stock(item.sitm_no).status == "SOUT"
    assert client.change_stock([StockChange(item.spd_no, item.sitm_no, 4)]).ok
    assert lotteon_backend.stock(item.sitm_no).status == "SOUT"  # a restock does not undo SOUT
    assert client.change_sale_status([SaleStatusChange(item.spd_no, item.sitm_no, "SALE")]).ok
    assert lotteon_backend.stock(item.sitm_no).status == "SALE"


# --- 50 cancellations ---------------------------------------------------------------------------------


def test_cancellations_whole_and_partial(lotteon_backend: Backend) -> None:
    lines, owho = place(lotteon_backend, [1, 3])
    od_no = lines[0].key.od_no
    lotteon_backend.cancel(od_no, "1")
    lotteon_backend.cancel(od_no, "2", 1)
    client = lotteon_backend.client()
    cancelled = [
        c for c in client.search_cancellations_range(now() - timedelta(hours=1), now() + timedelta(minutes=1))
        if c.key.od_no == od_no
    ]  # fmt: skip
    by_seq = {c.key.od_seq: c for c in cancelled}
    assert (by_seq["1"].cancelled_quantity, by_seq["2"].cancelled_quantity) == (1, 1)
    assert all(c.step == "21" and c.clm_no for c in cancelled)
    remaining = [x for x in client.search_orders(day_window(owho)) if x.key.od_no == od_no]
    assert [(x.key.od_seq, x.amounts.quantity) for x in remaining] == [("2", 2)]
    states = {s.key.od_seq: s.step for s in client.search_delivery_states(day_window(owho), od_no=od_no)}
    assert states["1"] == "21"
    assert client.delivery_steps(day_window(owho), od_no=od_no) == {
        s.key: s.step for s in client.search_delivery_states(day_window(owho), od_no=od_no)
    }


# --- Error types ---------------------------------------------------------------------------------------


def test_unknown_key_is_unauthorized(lotteon_backend: Backend) -> None:
    with pytest.raises(errors.Unauthorized) as info:
        lotteon_backend.client(api_key="not-a-key").identity()
    assert info.value.http_status == 401 and "Open API Management" in info.value.message


def test_expired_key_is_unauthorized(lotteon_backend: Backend) -> None:
    with pytest.raises(errors.Unauthorized):
        lotteon_backend.client(api_key=lotteon_backend.expired_key()).identity()


def test_unregistered_ip_is_forbidden(lotteon_backend: Backend) -> None:
    with pytest.raises(errors.Forbidden) as info:
        lotteon_backend.client(api_key=lotteon_backend.unregistered_ip_key()).identity()
    assert "direct input" in info.value.message


def test_rate_limit_429_beyond_max_wait(lotteon_backend: Backend) -> None:
    lotteon_backend.rate_limit(1)
    client = lotteon_backend.client()
    client.identity()
    with pytest.raises(errors.RateLimited) as info:
        client.identity()
    assert info.value.retry_after >= 1
    assert client.sleeps == []  # type: ignore[attr-defined]


def test_429_retry_after_is_honoured(lotteon_backend: Backend) -> None:
    lotteon_backend.fault(status=429, retryAfter=2, path="identity")
    client = lotteon_backend.client()
    assert client.identity().tr_no == lotteon_backend.tr_no
    assert client.sleeps == [2.0]  # type: ignore[attr-defined]


def test_429_without_retry_after_waits_the_documented_minute(lotteon_backend: Backend) -> None:
    """API.md §4: whether 429 carries Retry-After is not documented; its text says retry after 1 minute."""
    lotteon_backend.fault(status=429, noRetryAfter=True, path="identity")
    client = lotteon_backend.client()
    with pytest.raises(errors.RateLimited) as info:
        client.identity()
    assert info.value.retry_after == 60
    assert client.sleeps == []  # type: ignore[attr-defined]  # too long to sit out inline: the task comes back


def test_read_retried_after_500(lotteon_backend: Backend) -> None:
    lotteon_backend.fault(status=500, path="SellerDeliveryOrdersSearch")
    client = lotteon_backend.client()
    assert client.search_orders(day_window(now())) is not None
    assert len(client.sleeps) == 1  # type: ignore[attr-defined]


def test_persistent_500_is_server_error(lotteon_backend: Backend) -> None:
    lotteon_backend.fault(status=500, count=3, path="identity")
    client = lotteon_backend.client()
    with pytest.raises(errors.ServerError):
        client.identity()
    assert lotteon_backend.calls_to(lc.IDENTITY.path) == 3


def test_read_timeout_retried_then_timeout(lotteon_backend: Backend) -> None:
    lotteon_backend.fault(delay=1.0, path="identity")
    client = lotteon_backend.client(read_timeout=0.3)
    assert client.identity().tr_no == lotteon_backend.tr_no
    lotteon_backend.fault(delay=1.0, count=3, path="identity")
    with pytest.raises(errors.Timeout):
        client.identity()


def test_malformed_body_retried_then_malformed(lotteon_backend: Backend) -> None:
    lotteon_backend.fault(malformed=True, path="getDetailCodeList")
    client = lotteon_backend.client()
    assert client.couriers()
    lotteon_backend.fault(malformed=True, count=3, path="getDetailCodeList")
    with pytest.raises(errors.MalformedResponse):
        client.couriers()


@pytest.mark.parametrize(("code", "path"), [("2003", "SellerDeliveryOrdersSearch"), ("9000", "product/list")])
def test_business_return_code(lotteon_backend: Backend, code: str, path: str) -> None:
    # The client never sends a window LotteON refuses, so 2003/9000 are injected.
    lotteon_backend.fault(returnCode=code, path=path)
    client = lotteon_backend.client()
    with pytest.raises(errors.BusinessError) as info:
        if path == "product/list":
            client.list_products()
        else:
            client.search_orders(day_window(now()))
    assert info.value.return_code == code
    assert len(client.sleeps) == 0  # type: ignore[attr-defined]


def test_host_unreachable(lotteon_backend: Backend) -> None:
    client = lotteon_backend.client(base_url=lotteon_backend.unreachable_url())
    with pytest.raises(errors.HostUnreachable):
        client.identity()
    with pytest.raises(errors.HostUnreachable):  # a write that never left: safely not applied
        client.confirm_lines([ConfirmLine(LineKey("2099010100000001", "1", "1"))])


# --- Writes whose answer is lost -----------------------------------------------------------------------


@pytest.mark.parametrize("after_apply", [False, True])
def test_confirm_500_is_outcome_unknown_and_resolver_tells(
    lotteon_backend: Backend, after_apply: bool
) -> None:
    lines, _ = place(lotteon_backend, [1])
    lotteon_backend.fault(status=500, path="SellerIfCompleteInform", afterApply=after_apply)
    client = lotteon_backend.client()
    confirm = [mappers.confirm_line_from_order(lines[0])]
    with pytest.raises(errors.OutcomeUnknown) as info:
        client.confirm_lines(confirm)
    assert info.value.payload == tuple(confirm)
    assert lotteon_backend.calls_to(lc.LINK_COMPLETE.path) == 1  # never re-sent
    (resolution,) = client.resolve_confirmations(confirm)
    assert resolution.found and resolution.applied is after_apply
    assert resolution.step == ("12" if after_apply else "11")


def test_ship_timeout_after_apply_is_outcome_unknown_then_applied(lotteon_backend: Backend) -> None:
    lines, _ = place(lotteon_backend, [1])
    lotteon_backend.fault(delay=1.0, path="SellerDeliveryProgressStateInform", afterApply=True)
    client = lotteon_backend.client(read_timeout=0.3)
    update = shipped(lines[0], "777788889999")
    with pytest.raises(errors.OutcomeUnknown):
        client.notify_delivery_progress([update])
    # The sandbox logs a call when it answers, i.e. after the injected delay.
    deadline = time.monotonic() + 5
    while lotteon_backend.calls_to(lc.DELIVERY_STATE_NOTICE.path) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lotteon_backend.calls_to(lc.DELIVERY_STATE_NOTICE.path) == 1
    (resolution,) = client.resolve_shipments([update])
    assert resolution.applied and resolution.invoice_no == "777788889999"


def test_write_malformed_answer_is_outcome_unknown(lotteon_backend: Backend) -> None:
    (item,) = sellable(lotteon_backend)
    lotteon_backend.fault(malformed=True, path="stock/change", afterApply=True)
    with pytest.raises(errors.OutcomeUnknown):
        lotteon_backend.client().change_stock([StockChange(item.spd_no, item.sitm_no, 6)])
    assert lotteon_backend.calls_to(lc.STOCK_CHANGE.path) == 1
    assert lotteon_backend.stock(item.sitm_no).stock == 6


def test_write_429_is_not_applied_and_not_resent(lotteon_backend: Backend) -> None:
    lines, _ = place(lotteon_backend, [1])
    lotteon_backend.fault(status=429, retryAfter=1, path="SellerIfCompleteInform")
    client = lotteon_backend.client()
    with pytest.raises(errors.RateLimited):
        client.confirm_lines([mappers.confirm_line_from_order(lines[0])])
    assert lotteon_backend.calls_to(lc.LINK_COMPLETE.path) == 1
    assert client.sleeps == []  # type: ignore[attr-defined]
    assert lotteon_backend.live(lines[0].key.od_no, "1").step == "11"
