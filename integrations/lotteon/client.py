"""Client for the LotteON Seller Open API (API.md): one short method per API. I/O only.

No Django, no settings, no ORM: everything (key, base URL, timeouts, rate limiter, call-log
callback, sleep and random source) is passed in, so one object can live in a Celery worker, a
management command or a test. The HTTP rules (headers, retries, error mapping, call log) live in
``transport.py``; the JSON shapes in ``mappers.py``.

How success is decided (API.md §3): HTTP status → ``returnCode`` → ``data.rsltCd`` (210/137/139)
→ each item's ``resultCode`` (86/111) and any ``failList``. The last two come back as data, one
result per line or item (``WriteResult``), not as exceptions.

Writes are sent exactly once. When their answer is lost they raise ``OutcomeUnknown``; read the
state back with ``resolve_confirmations`` / ``resolve_shipments`` before sending anything again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

import requests

from integrations import errors
from integrations.lotteon import codes, mappers
from integrations.lotteon.records import (
    CallRecord,
    CancellationLine,
    ConfirmLine,
    Courier,
    DeliveryState,
    Identity,
    InvoiceCorrection,
    ItemResult,
    LineKey,
    LineResult,
    OrderLine,
    Product,
    ProductDetail,
    ProductPage,
    ProgressUpdate,
    Resolution,
    SaleStatusChange,
    StockChange,
    WriteResult,
)
from integrations.lotteon.timeutil import KST, Window, day_window, format_dttm, split_days
from integrations.lotteon.transport import SITE, Endpoint, RetryPolicy, Transport
from integrations.ratelimit import RateLimiter

DEFAULT_BASE_URL = "https://openapi.lotteon.com"


IDENTITY = Endpoint(207, "GET", "/v1/openapi/common/v1/identity")
ORDER_SEARCH = Endpoint(209, "POST", "/v1/openapi/delivery/v1/SellerDeliveryOrdersSearch")
LINK_COMPLETE = Endpoint(210, "POST", "/v1/openapi/delivery/v1/SellerIfCompleteInform", write=True)
DELIVERY_STATE_SEARCH = Endpoint(140, "POST", "/v1/openapi/delivery/v1/SellerDeliveryProgressStateSearch")
DELIVERY_STATE_NOTICE = Endpoint(
    137, "POST", "/v1/openapi/delivery/v1/SellerDeliveryProgressStateInform", write=True
)
INVOICE_CORRECTION = Endpoint(139, "POST", "/v1/openapi/delivery/v1/SellerInvoiceNoModifyInform", write=True)
STOCK_CHANGE = Endpoint(86, "POST", "/v1/openapi/product/v1/item/stock/change", write=True)
ITEM_STATUS_CHANGE = Endpoint(111, "POST", "/v1/openapi/product/v1/item/status/change", write=True)
PRODUCT_LIST = Endpoint(93, "POST", "/v1/openapi/product/v1/product/list")
PRODUCT_DETAIL = Endpoint(94, "POST", "/v1/openapi/product/v1/product/detail")
COMMON_CODES = Endpoint(89, "GET", "/v1/openapi/bocommon/v1/code/getDetailCodeList")
CANCELLATION_SEARCH = Endpoint(
    50, "POST", "/v1/openapi/claim/v1/cancellationOpenApi/getCancellationRequestAndComplateList"
)

ENDPOINTS: tuple[Endpoint, ...] = (
    IDENTITY,
    ORDER_SEARCH,
    LINK_COMPLETE,
    DELIVERY_STATE_SEARCH,
    DELIVERY_STATE_NOTICE,
    INVOICE_CORRECTION,
    STOCK_CHANGE,
    ITEM_STATUS_CHANGE,
    PRODUCT_LIST,
    PRODUCT_DETAIL,
    COMMON_CODES,
    CANCELLATION_SEARCH,
)

PRODUCT_PAGE_SIZE = 100  # rowsPerPage maximum (§4)
EPD_FILTER_MAX = 100  # entries in the 93 epdNo filter (§5.8)
# Reading writes back (140): up to this many orders of one day are read one by one (a short answer each); more
# are read with the whole day in one call, the answer the order sync reads for that day anyway.
READ_BACK_ORDERS_PER_DAY = 5
# LotteON launched in 2020; a registration window from here covers every product.
CATALOG_START = datetime(2020, 1, 1, tzinfo=KST)


T = TypeVar("T")


class LotteOnClient:
    """One LotteON API key (one supplier). Thread-safe as far as ``requests.Session`` is."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        tr_no: str = "",
        account: str = "",
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        on_call: Callable[[CallRecord], None] | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """
        ``tr_no`` is the Account Number (supplier number), needed by 93/94/86/111. ``account`` is a
        label for logs (shop ID or account ID), never the key. ``now`` returns the current aware
        time (the end of the product-list window, Retry-After dates).
        """
        self._transport = Transport(
            api_key,
            base_url=base_url,
            account=account,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retry=retry,
            rate_limiter=rate_limiter,
            on_call=on_call,
            session=session,
            sleep=sleep,
            rand=rand,
            clock=clock,
            now=now,
        )
        self.base_url = self._transport.base_url
        self.account = account
        self.tr_no = tr_no.strip()
        self._now = self._transport.now

    def __repr__(self) -> str:
        # The key must never show up in a traceback or a debugger's repr (it lives in the transport).
        return f"LotteOnClient(base_url={self.base_url!r}, account={self.account!r})"

    def close(self) -> None:
        self._transport.session.close()

    # --- Reads -------------------------------------------------------------------------------------

    def identity(self) -> Identity:
        """207: who the key belongs to. No side effects; this is the connection test."""
        envelope = self._transport.call(IDENTITY)
        identity = self._map(IDENTITY, mappers.identity_from_json, envelope.get("data") or {})
        if not identity.tr_no:
            raise self._transport.malformed(IDENTITY, "207 returned no trNo")
        return identity

    def test_connection(self, account_number: str = "") -> Identity:
        """207, plus a check that the key belongs to ``account_number`` when one was entered."""
        identity = self.identity()
        expected = account_number.strip()
        if expected and expected != identity.tr_no:
            raise errors.AccountMismatch(
                codes.MSG_ACCOUNT_MISMATCH.format(actual=identity.tr_no, expected=expected),
                site=SITE,
                api="207",
                extra={"expected": expected, "actual": identity.tr_no},
            )
        return identity

    def search_orders(
        self,
        window: Window,
        *,
        if_cpl_yn: str = "",
        step: str = "",
        order_type: str = "",
        od_no: str = "",
        lrtr_no: str = "",
    ) -> list[OrderLine]:
        """209: order lines whose delivery instruction (owhoDttm) falls in one KST day window.

        ``if_cpl_yn``: ``""`` lines not yet linked, ``"Y"`` linked through 210, ``"N"`` reported
        with N (row 12). Note 209's step is stale after 210; 140 is the live state.
        """
        body = {
            "srchStrtDt": window.start_text,
            "srchEndDt": window.end_text,
            "odNo": od_no,
            "odPrgsStepCd": step,
            "odTypCd": order_type,
            "ifCplYN": if_cpl_yn,
            "lrtrNo": lrtr_no,
        }
        envelope = self._transport.call(ORDER_SEARCH, body=body)
        return self._map(ORDER_SEARCH, mappers.order_lines_from_data, envelope.get("data"))

    def search_orders_range(
        self,
        start: datetime,
        end: datetime,
        *,
        if_cpl_yn: Sequence[str] = ("", "N", "Y"),
        step: str = "",
        order_type: str = "",
    ) -> list[OrderLine]:
        """209 over ``[start, end)``: one call per KST day and per ``ifCplYN`` value, de-duplicated.

        All three values by default, because a line linked by anyone (another tool too) only shows
        with ``Y``, and one reported as not linked may only show with ``N`` (§5.2 quirks, §9). The first
        sighting of a line key wins.
        """
        seen: dict[LineKey, OrderLine] = {}
        for window in split_days(start, end):
            for flag in if_cpl_yn:
                for line in self.search_orders(window, if_cpl_yn=flag, step=step, order_type=order_type):
                    seen.setdefault(line.key, line)
        return list(seen.values())

    def search_delivery_states(
        self, window: Window, *, od_no: str = "", step: str = ""
    ) -> list[DeliveryState]:
        """140: live delivery state of lines whose delivery instruction falls in the window."""
        envelope = self._transport.call(DELIVERY_STATE_SEARCH, body=_delivery_state_body(window, od_no, step))
        return self._map(DELIVERY_STATE_SEARCH, mappers.delivery_states_from_data, envelope.get("data"))

    def delivery_steps(self, window: Window, *, od_no: str = "", step: str = "") -> dict[LineKey, str]:
        """140 read for the live step only: ``{line key: odPrgsStepCd}``. The order sync's use of 140;
        cheaper than ``search_delivery_states`` because no other field is mapped."""
        envelope = self._transport.call(DELIVERY_STATE_SEARCH, body=_delivery_state_body(window, od_no, step))
        return self._map(DELIVERY_STATE_SEARCH, mappers.delivery_steps_from_data, envelope.get("data"))

    def search_delivery_states_range(
        self, start: datetime, end: datetime, *, step: str = ""
    ) -> list[DeliveryState]:
        """140 over ``[start, end)``, one call per KST day."""
        states: dict[LineKey, DeliveryState] = {}
        for window in split_days(start, end):
            for state in self.search_delivery_states(window, step=step):
                states.setdefault(state.key, state)
        return list(states.values())

    def search_cancellations(
        self, window: Window, *, step: str = codes.Step.CANCELLED, od_no: str = "", order_type: str = "20"
    ) -> list[CancellationLine]:
        """50: cancellation claims in one step, ``02`` requested, ``21`` completed (the default) or ``22``
        withdrawn. API.md §5.11 names no "every step" value, so one call asks for one step."""
        body = {
            "srchStrtDttm": window.start_text,
            "srchEndDttm": window.end_text,
            "odTypCd": order_type,
            "odPrgsStepCd": step,
            "odNo": od_no,
            "odSeq": "",
            "procSeq": "",
            "clmNo": "",
            "lrtrNo": "",
        }
        envelope = self._transport.call(CANCELLATION_SEARCH, body=body)
        return self._map(CANCELLATION_SEARCH, mappers.cancellations_from_data, envelope.get("data"))

    def search_cancellations_range(
        self, start: datetime, end: datetime, *, step: str = codes.Step.CANCELLED
    ) -> list[CancellationLine]:
        """50 over ``[start, end)``, one call per KST day (row 19), de-duplicated per claim line."""
        seen: dict[tuple[str, LineKey, str], CancellationLine] = {}
        for window in split_days(start, end):
            for line in self.search_cancellations(window, step=step):
                seen.setdefault((line.clm_no, line.key, line.step), line)
        return list(seen.values())

    def list_products(
        self,
        *,
        page_no: int = 1,
        rows_per_page: int = PRODUCT_PAGE_SIZE,
        registered_from: datetime | None = None,
        registered_to: datetime | None = None,
        epd_nos: Sequence[str] = (),
        sale_status: str = "",
    ) -> ProductPage:
        """93: one page of the supplier's products (``epd_nos`` filters by seller codes, ≤ 100)."""
        if not 1 <= rows_per_page <= PRODUCT_PAGE_SIZE:
            raise ValueError(f"rows_per_page must be 1..{PRODUCT_PAGE_SIZE}")
        if len(epd_nos) > EPD_FILTER_MAX:
            raise ValueError(f"at most {EPD_FILTER_MAX} epdNo per call; use iter_products")
        body: dict[str, Any] = {
            "trGrpCd": codes.SUPPLIER_GROUP,
            "trNo": self._supplier(PRODUCT_LIST),
            "regStrtDttm": format_dttm(registered_from or CATALOG_START),
            "regEndDttm": format_dttm(registered_to or self._now()),
            "pageNo": page_no,
            "rowsPerPage": rows_per_page,
        }
        if epd_nos:
            body["epdNo"] = list(epd_nos)
        if sale_status:
            body["slStatCd"] = sale_status
        envelope = self._transport.call(PRODUCT_LIST, body=body)
        products = self._map(PRODUCT_LIST, mappers.products_from_data, envelope.get("data"))
        count = mappers.integer(envelope.get("dataCount"), None)
        return ProductPage(tuple(products), page_no, count if count is not None else len(products))

    def iter_products(
        self,
        *,
        epd_nos: Sequence[str] = (),
        registered_from: datetime | None = None,
        registered_to: datetime | None = None,
        rows_per_page: int = PRODUCT_PAGE_SIZE,
        max_pages: int = 10_000,
    ) -> Iterator[Product]:
        """93, every page (and every chunk of 100 seller codes): stops at the first short page."""
        registered_to = registered_to or self._now()  # fixed once, so pages do not shift underneath
        chunks: Iterable[Sequence[str]] = (
            [epd_nos[i : i + EPD_FILTER_MAX] for i in range(0, len(epd_nos), EPD_FILTER_MAX)]
            if epd_nos
            else [()]
        )
        for chunk in chunks:
            for page_no in range(1, max_pages + 1):
                page = self.list_products(
                    page_no=page_no,
                    rows_per_page=rows_per_page,
                    registered_from=registered_from,
                    registered_to=registered_to,
                    epd_nos=chunk,
                )
                yield from page.products
                if len(page.products) < rows_per_page:
                    break

    def product_detail(self, spd_no: str) -> ProductDetail:
        """94: one product with its options (pairs ``eitmNo`` with ``sitmNo``)."""
        body = {"trGrpCd": codes.SUPPLIER_GROUP, "trNo": self._supplier(PRODUCT_DETAIL), "spdNo": spd_no}
        envelope = self._transport.call(PRODUCT_DETAIL, body=body)
        return self._map(PRODUCT_DETAIL, mappers.product_detail_from_json, envelope.get("data"))

    def couriers(self) -> list[Courier]:
        """89: the ``DV_CO_CD`` common-code group, the authority for ``dvCoCd``. Cache it."""
        envelope = self._transport.call(COMMON_CODES, params={"grpCd": "DV_CO_CD", "langCd": "ko"})
        return self._map(COMMON_CODES, mappers.couriers_from_data, envelope.get("data"))

    # --- Writes (each sent exactly once) ------------------------------------------------------------

    def confirm_lines(self, lines: Sequence[ConfirmLine]) -> WriteResult[LineResult]:
        """210: link-complete (ifCplYN Y). Cannot be undone: lines move to step 12 (§5.3)."""
        return self._write_lines(
            LINK_COMPLETE, lines, mappers.confirm_row, lambda rows: {"ifCompleteList": rows}
        )

    def notify_delivery_progress(self, updates: Sequence[ProgressUpdate]) -> WriteResult[LineResult]:
        """137: step 12 (preparing) and/or step 13 (shipped: courier + invoice, normalised)."""
        return self._write_lines(
            DELIVERY_STATE_NOTICE,
            updates,
            mappers.progress_row,
            lambda rows: {"deliveryProgressStateList": rows},
        )

    def correct_invoices(self, corrections: Sequence[InvoiceCorrection]) -> WriteResult[LineResult]:
        """139: change the courier/invoice of a line already in step 13. Body is a root array."""
        return self._write_lines(
            INVOICE_CORRECTION, corrections, mappers.invoice_correction_row, lambda rows: rows
        )

    def change_stock(self, changes: Sequence[StockChange]) -> WriteResult[ItemResult]:
        """86: set option stock. 0 makes LotteON set SOUT, which a restock does not undo (use 111)."""
        tr_no = self._supplier(STOCK_CHANGE) if changes else ""
        return self._write_items(
            STOCK_CHANGE,
            changes,
            lambda c: mappers.stock_row(c, tr_no=tr_no),
            lambda rows: {"itmStkLst": rows},
        )

    def change_sale_status(self, changes: Sequence[SaleStatusChange]) -> WriteResult[ItemResult]:
        """111: set option sale status (SALE after a restock of an option LotteON set to SOUT)."""
        tr_no = self._supplier(ITEM_STATUS_CHANGE) if changes else ""
        return self._write_items(
            ITEM_STATUS_CHANGE,
            changes,
            lambda c: mappers.sale_status_row(c, tr_no=tr_no),
            lambda rows: {"sitmLst": rows},
        )

    # --- Resolving writes whose answer was lost ------------------------------------------------------

    def resolve_confirmations(self, lines: Sequence[ConfirmLine | ProgressUpdate]) -> list[Resolution]:
        """Did 210 (or 137 step 12) take effect? Applied when 140's live step is 12 or later on the
        delivery path (LINKED_STEPS); a cancelled line (21) was not linked."""
        states = self._live_states(lines)
        resolutions = []
        for line in lines:
            state = states.get(line.key)
            applied = state is not None and state.step in codes.LINKED_STEPS
            resolutions.append(_resolution(line.key, state, applied))
        return resolutions

    def resolve_shipments(self, updates: Sequence[ProgressUpdate]) -> list[Resolution]:
        """Did 137 step 13 take effect? Applied when 140 shows step 13 (or later: 14, 15) with the
        same invoice number. Step 13 with another number means someone else shipped it."""
        states = self._live_states(updates)
        resolutions = []
        for update in updates:
            state = states.get(update.key)
            try:
                sent = mappers.normalize_invoice(update.invoice_no)
            except ValueError:
                sent = update.invoice_no
            applied = (
                state is not None
                and state.step in codes.SHIPPED_STEPS
                and sent in {state.invoice_no.replace("-", ""), *state.invoice_nos}
            )
            resolutions.append(_resolution(update.key, state, applied))
        return resolutions

    def _live_states(self, lines: Sequence[ConfirmLine | ProgressUpdate]) -> dict[LineKey, DeliveryState]:
        """140 once per (KST day of owhoDttm, odNo): the one-day window always contains the line. A day with
        more than ``READ_BACK_ORDERS_PER_DAY`` orders to read is read whole, in one call, as the order sync
        reads it: a batch of 100 refused lines would otherwise cost up to 100 calls."""
        days: dict[Window, dict[str, None]] = {}
        for line in lines:
            if line.instructed_at is None:
                raise ValueError(f"line {line.key} has no instructed_at (owhoDttm); it cannot be read back")
            days.setdefault(day_window(line.instructed_at), {})[line.key.od_no] = None
        states: dict[LineKey, DeliveryState] = {}
        for window, od_nos in days.items():
            if len(od_nos) > READ_BACK_ORDERS_PER_DAY:
                found = self.search_delivery_states(window)
            else:
                found = [state for od_no in od_nos for state in self.search_delivery_states(window, od_no=od_no)]
            for state in found:
                states.setdefault(state.key, state)
        return states

    # --- Plumbing --------------------------------------------------------------------------------------

    def _supplier(self, endpoint: Endpoint) -> str:
        if not self.tr_no:
            raise ValueError(
                f"API {endpoint.api_no} needs the supplier number: pass tr_no (the Account Number)"
            )
        return self.tr_no

    def _write_lines(
        self,
        endpoint: Endpoint,
        records: Sequence[Any],
        build: Callable[[Any], dict[str, Any]],
        wrap: Callable[[list[dict[str, Any]]], Any],
    ) -> WriteResult[LineResult]:
        rows, sent, local = _build_rows(records, build)
        if not rows:
            return WriteResult(endpoint.api_no, tuple(local[i] for i in range(len(records))))
        envelope = self._transport.call(endpoint, body=wrap(rows), payload=tuple(sent.values()))
        keys = [r.key for r in sent.values()]
        remote = iter(
            self._map(
                endpoint, lambda env: mappers.line_results(keys, env), envelope, unknown=tuple(sent.values())
            )
        )
        results = tuple(local[i] if i in local else next(remote) for i in range(len(records)))
        data = envelope.get("data") or {}
        return WriteResult(
            endpoint.api_no, results, mappers.text(data.get("rsltCd")), mappers.text(data.get("rsltMsg"))
        )

    def _write_items(
        self,
        endpoint: Endpoint,
        records: Sequence[StockChange] | Sequence[SaleStatusChange],
        build: Callable[[Any], dict[str, Any]],
        wrap: Callable[[list[dict[str, Any]]], Any],
    ) -> WriteResult[ItemResult]:
        local_lines: dict[int, ItemResult] = {}
        sent_records: dict[int, StockChange | SaleStatusChange] = {}
        rows: list[dict[str, Any]] = []
        for i, record in enumerate(records):
            try:
                rows.append(build(record))
                sent_records[i] = record
            except ValueError as e:
                local_lines[i] = ItemResult(record.spd_no, record.sitm_no, False, "INVALID_ROW", str(e))
        if not rows:
            return WriteResult(endpoint.api_no, tuple(local_lines[i] for i in range(len(records))))
        envelope = self._transport.call(endpoint, body=wrap(rows), payload=tuple(sent_records.values()))
        items = [(r.spd_no, r.sitm_no) for r in sent_records.values()]
        remote = iter(
            self._map(
                endpoint,
                lambda env: mappers.item_results(items, env),
                envelope,
                unknown=tuple(sent_records.values()),
            )
        )
        results = tuple(local_lines[i] if i in local_lines else next(remote) for i in range(len(records)))
        return WriteResult(endpoint.api_no, results, mappers.text(envelope.get("returnCode")))

    def _map(
        self,
        endpoint: Endpoint,
        fn: Callable[[Any], T],
        value: Any,
        *,
        unknown: tuple[Any, ...] | None = None,
    ) -> T:
        """Run a mapper; an answer that does not have the documented shape is a malformed response
        (or, for a write — ``unknown`` holds what was sent — an unknown outcome: LotteON answered
        but we cannot tell what it did)."""
        try:
            return fn(value)
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            if unknown is not None:
                raise self._transport.unknown(endpoint, f"unreadable answer: {e}", unknown) from e
            raise self._transport.malformed(endpoint, str(e)) from e


def _delivery_state_body(window: Window, od_no: str, step: str) -> dict[str, str]:
    return {"srchStrtDt": window.start_text, "srchEndDt": window.end_text, "odNo": od_no, "odPrgsStepCd": step}


def _build_rows(
    records: Sequence[Any], build: Callable[[Any], dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[int, Any], dict[int, LineResult]]:
    """Build the rows to send; rows the client refuses (bad invoice, …) become local failures."""
    rows: list[dict[str, Any]] = []
    sent: dict[int, Any] = {}
    local: dict[int, LineResult] = {}
    for i, record in enumerate(records):
        try:
            rows.append(build(record))
            sent[i] = record
        except ValueError as e:
            local[i] = LineResult(record.key, False, "INVALID_ROW", str(e))
    return rows, sent, local


def _resolution(key: LineKey, state: DeliveryState | None, applied: bool) -> Resolution:
    if state is None:
        return Resolution(key, found=False, applied=False, step="", invoice_no="")
    return Resolution(key, found=True, applied=applied, step=state.step, invoice_no=state.invoice_no)
