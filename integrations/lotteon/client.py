"""HTTP client for the LotteON Seller Open API (API.md). I/O only: no Django, no settings, no ORM.

Everything is passed in (key, base URL, timeouts, rate limiter, call-log callback, sleep and random
source), so one object can live in a Celery worker, a management command or a test.

How success is decided (API.md §3):
  HTTP status → ``returnCode`` → ``data.rsltCd`` (210/137/139) → per-item ``resultCode`` (86/111)
  and any ``failList``. The last two come back as data, one result per line/item, not as exceptions.

Retries (STYLE.md "Retry reads, not writes"):
  Reads are retried with exponential backoff and full jitter on 429, 5xx, timeouts, connection
  errors and malformed answers. Writes are sent exactly once. A write fails in one of two ways:
  *safely not applied* (the request provably never reached LotteON, or LotteON refused it as a
  whole: connect error, connect timeout, 401/403/404/429, a ``returnCode`` error) raises the usual
  typed error; *outcome unknown* (read timeout, connection dropped after sending, any 5xx, an
  unreadable answer) raises ``OutcomeUnknown``, and the caller reads the state back with
  ``resolve_confirmations`` / ``resolve_shipments`` before sending anything again.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

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
from integrations.ratelimit import RateLimiter, default_limiter, key_fingerprint

logger = logging.getLogger("smartship.lotteon")

DEFAULT_BASE_URL = "https://openapi.lotteon.com"
SITE = "lotteon"


@dataclass(frozen=True)
class Endpoint:
    api_no: int
    method: str
    path: str
    write: bool = False


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
# LotteON launched in 2020; a registration window from here covers every product.
CATALOG_START = datetime(2020, 1, 1, tzinfo=KST)


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of reads. Writes are never retried by the client."""

    max_attempts: int = 4
    base_delay: float = 0.5  # first backoff ceiling; doubles per attempt, full jitter below it
    max_delay: float = 8.0  # ceiling of one backoff
    # Longest wait the client sits out inline (a Retry-After or the 60 s 429 default). Anything
    # longer raises RateLimited(retry_after=...) so a Celery task can come back later instead.
    max_wait: float = 10.0
    rate_limited_wait: float = 60.0  # 429 without Retry-After: "retry after 1 minute" (row 5)


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
        time (for 137's event time and the product-list window).
        """
        if not api_key or not api_key.strip():
            raise ValueError("api_key is required")
        self._api_key = api_key.strip()
        self.base_url = base_url.rstrip("/")
        self.tr_no = tr_no.strip()
        self.account = account
        self.timeout = (connect_timeout, read_timeout)
        self.retry = retry or RetryPolicy()
        self._limiter = rate_limiter if rate_limiter is not None else default_limiter()
        self._limiter_key = f"{SITE}:{key_fingerprint(self._api_key)}"
        self._on_call = on_call
        self._session = session or requests.Session()
        self._sleep = sleep
        self._rand = rand
        self._clock = clock
        self._now = now or (lambda: datetime.now(KST))

    def __repr__(self) -> str:
        # The key must never show up in a traceback or a debugger's repr.
        return f"LotteOnClient(base_url={self.base_url!r}, account={self.account!r})"

    def close(self) -> None:
        self._session.close()

    # --- Reads -------------------------------------------------------------------------------------

    def identity(self) -> Identity:
        """207: who the key belongs to. No side effects; this is the connection test."""
        envelope = self._call(IDENTITY)
        identity = self._map(IDENTITY, mappers.identity_from_json, envelope.get("data") or {})
        if not identity.tr_no:
            raise self._malformed(IDENTITY, "207 returned no trNo")
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
        envelope = self._call(ORDER_SEARCH, body=body)
        return self._map(ORDER_SEARCH, mappers.order_lines_from_data, envelope.get("data"))

    def search_orders_range(
        self,
        start: datetime,
        end: datetime,
        *,
        if_cpl_yn: Sequence[str] = ("", "Y"),
        step: str = "",
        order_type: str = "",
    ) -> list[OrderLine]:
        """209 over ``[start, end)``: one call per KST day and per ``ifCplYN`` value, de-duplicated.

        Both ``""`` and ``"Y"`` by default, because a line linked by anyone (another tool too)
        only shows with ``Y`` (§5.2 quirks). The first sighting of a line key wins.
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
        body = {
            "srchStrtDt": window.start_text,
            "srchEndDt": window.end_text,
            "odNo": od_no,
            "odPrgsStepCd": step,
        }
        envelope = self._call(DELIVERY_STATE_SEARCH, body=body)
        return self._map(DELIVERY_STATE_SEARCH, mappers.delivery_states_from_data, envelope.get("data"))

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
        self, window: Window, *, step: str = "", od_no: str = "", order_type: str = "20"
    ) -> list[CancellationLine]:
        """50: cancellation claims (step ``02`` requested, ``21`` completed, ``22`` withdrawn)."""
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
        envelope = self._call(CANCELLATION_SEARCH, body=body)
        return self._map(CANCELLATION_SEARCH, mappers.cancellations_from_data, envelope.get("data"))

    def search_cancellations_range(
        self, start: datetime, end: datetime, *, step: str = ""
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
        envelope = self._call(PRODUCT_LIST, body=body)
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
        envelope = self._call(PRODUCT_DETAIL, body=body)
        return self._map(PRODUCT_DETAIL, mappers.product_detail_from_json, envelope.get("data"))

    def couriers(self) -> list[Courier]:
        """89: the ``DV_CO_CD`` common-code group, the authority for ``dvCoCd``. Cache it."""
        envelope = self._call(COMMON_CODES, params={"grpCd": "DV_CO_CD", "langCd": "ko"})
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
        """140 once per (KST day of owhoDttm, odNo): the one-day window always contains the line."""
        groups: dict[tuple[Window, str], None] = {}
        for line in lines:
            if line.instructed_at is None:
                raise ValueError(f"line {line.key} has no instructed_at (owhoDttm); it cannot be read back")
            groups[(day_window(line.instructed_at), line.key.od_no)] = None
        states: dict[LineKey, DeliveryState] = {}
        for window, od_no in groups:
            for state in self.search_delivery_states(window, od_no=od_no):
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
        envelope = self._call(endpoint, body=wrap(rows), payload=tuple(sent.values()))
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
        envelope = self._call(endpoint, body=wrap(rows), payload=tuple(sent_records.values()))
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
                raise self._unknown(endpoint, f"unreadable answer: {e}", unknown) from e
            raise self._malformed(endpoint, str(e)) from e

    def _call(
        self,
        endpoint: Endpoint,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        payload: tuple[Any, ...] = (),
    ) -> dict[str, Any]:
        if endpoint.write:
            return self._attempt(endpoint, body, params, attempt=1, payload=payload)
        attempt = 1
        while True:
            try:
                return self._attempt(endpoint, body, params, attempt=attempt)
            except errors.SalesSiteError as e:
                if not e.retryable or attempt >= self.retry.max_attempts:
                    raise
                wait = self._wait_before_retry(e, attempt)
                if wait > self.retry.max_wait:
                    # Longer than we sit out inline: the error carries retry_after for the task.
                    raise
                self._sleep(wait)
                attempt += 1

    def _wait_before_retry(self, error: errors.SalesSiteError, attempt: int) -> float:
        if error.retry_after is not None:
            return error.retry_after
        ceiling = min(self.retry.max_delay, self.retry.base_delay * 2 ** (attempt - 1))
        return self._rand() * ceiling  # full jitter: spreads many workers' retries apart

    def _headers(self, endpoint: Endpoint) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "Accept": "application/json",
            "Accept-Language": "ko",
            "X-Timezone": "GMT+09:00",
        }
        if endpoint.method == "POST":
            headers["Content-Type"] = "application/json"
        return headers

    def _attempt(
        self,
        endpoint: Endpoint,
        body: Any,
        params: Mapping[str, str] | None,
        *,
        attempt: int,
        payload: tuple[Any, ...] = (),
    ) -> dict[str, Any]:
        self._limiter.acquire(self._limiter_key)
        started_at = datetime.now(UTC)
        start = self._clock()
        status: int | None = None
        return_code = ""
        error = ""
        try:
            try:
                response = self._session.request(
                    endpoint.method,
                    self.base_url + endpoint.path,
                    json=body if endpoint.method == "POST" else None,
                    params=params,
                    headers=self._headers(endpoint),
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as e:
                raise self._transport_error(endpoint, e, payload) from e
            status = response.status_code
            envelope = self._check(endpoint, response, payload)
            return_code = mappers.text(envelope.get("returnCode"))
            return envelope
        except errors.SalesSiteError as e:
            error = str(e.code)
            if isinstance(e, errors.BusinessError):
                return_code = e.return_code
            raise
        finally:
            self._record(
                CallRecord(
                    account=self.account,
                    api_no=endpoint.api_no,
                    method=endpoint.method,
                    path=endpoint.path,
                    http_status=status,
                    return_code=return_code,
                    duration_ms=round((self._clock() - start) * 1000),
                    attempt=attempt,
                    error=error,
                    started_at=started_at,
                    write=endpoint.write,
                )
            )

    def _transport_error(
        self, endpoint: Endpoint, e: requests.RequestException, payload: tuple[Any, ...]
    ) -> errors.SalesSiteError:
        host = urlsplit(self.base_url).netloc
        if isinstance(e, requests.ConnectTimeout) or _before_sending(e):
            # Nothing reached LotteON: safe on writes too, the caller may send again.
            if isinstance(e, requests.ConnectTimeout):
                return errors.Timeout(
                    codes.MSG_TIMEOUT.format(seconds=self.timeout[0]), site=SITE, api=str(endpoint.api_no)
                )
            return errors.HostUnreachable(
                codes.MSG_UNREACHABLE.format(host=host), site=SITE, api=str(endpoint.api_no)
            )
        if endpoint.write:
            return self._unknown(endpoint, type(e).__name__, payload)
        if isinstance(e, requests.Timeout):
            return errors.Timeout(
                codes.MSG_TIMEOUT.format(seconds=self.timeout[1]), site=SITE, api=str(endpoint.api_no)
            )
        if isinstance(e, requests.ConnectionError):
            return errors.HostUnreachable(
                codes.MSG_UNREACHABLE.format(host=host), site=SITE, api=str(endpoint.api_no)
            )
        # Truncated or undecodable body (ChunkedEncodingError, ContentDecodingError, …).
        return self._malformed(endpoint, type(e).__name__)

    def _check(
        self, endpoint: Endpoint, response: requests.Response, payload: tuple[Any, ...]
    ) -> dict[str, Any]:
        """HTTP status, then the envelope, then ``returnCode``."""
        status = response.status_code
        api = str(endpoint.api_no)
        if status == 401:
            raise errors.Unauthorized(codes.MSG_UNAUTHORIZED, site=SITE, api=api, http_status=status)
        if status == 403:
            raise errors.Forbidden(codes.MSG_FORBIDDEN, site=SITE, api=api, http_status=status)
        if status == 429:
            wait = _retry_after(response, self._now)
            raise errors.RateLimited(
                codes.MSG_RATE_LIMITED,
                retry_after=wait if wait is not None else self.retry.rate_limited_wait,
                site=SITE,
                api=api,
                http_status=status,
            )
        if status >= 500:
            if endpoint.write:
                # LotteON may have applied the write before failing (the sandbox's afterApply fault).
                raise self._unknown(endpoint, f"HTTP {status}", payload, http_status=status)
            raise errors.ServerError(
                codes.MSG_SERVER_ERROR.format(status=status),
                site=SITE,
                api=api,
                http_status=status,
                retry_after=_retry_after(response, self._now),
            )
        if status >= 400 or not 200 <= status < 300:
            raise errors.RequestRejected(
                codes.MSG_REJECTED.format(status=status), site=SITE, api=api, http_status=status
            )
        try:
            envelope = response.json()
        except ValueError as e:
            if endpoint.write:
                raise self._unknown(endpoint, "answer is not JSON", payload, http_status=status) from e
            raise self._malformed(endpoint, "answer is not JSON", http_status=status) from e
        if not isinstance(envelope, dict) or "returnCode" not in envelope:
            if endpoint.write:
                raise self._unknown(
                    endpoint, "answer is not the LotteON envelope", payload, http_status=status
                )
            raise self._malformed(endpoint, "answer is not the LotteON envelope", http_status=status)
        return_code = mappers.text(envelope.get("returnCode"))
        if return_code != codes.SUCCESS:
            site_message = mappers.text(envelope.get("message"))
            message = (
                codes.MSG_WINDOW_TOO_LONG
                if return_code == "2003"
                else codes.MSG_BUSINESS.format(code=return_code, site_message=site_message or "no message")
            )
            raise errors.BusinessError(
                message,
                return_code=return_code,
                site_message=site_message,
                site=SITE,
                api=api,
                http_status=status,
            )
        return envelope

    def _malformed(self, endpoint: Endpoint, detail: str, **kwargs: Any) -> errors.MalformedResponse:
        return errors.MalformedResponse(
            codes.MSG_MALFORMED.format(detail=detail), site=SITE, api=str(endpoint.api_no), **kwargs
        )

    def _unknown(
        self, endpoint: Endpoint, cause: str, payload: tuple[Any, ...] = (), **kwargs: Any
    ) -> errors.OutcomeUnknown:
        return errors.OutcomeUnknown(
            codes.MSG_OUTCOME_UNKNOWN.format(cause=cause),
            payload=payload,
            site=SITE,
            api=str(endpoint.api_no),
            extra={"cause": cause},
            **kwargs,
        )

    def _record(self, record: CallRecord) -> None:
        level = logging.INFO if not record.error else logging.WARNING
        logger.log(
            level,
            "lotteon call account=%s api=%s method=%s path=%s status=%s returnCode=%s duration_ms=%d attempt=%d error=%s",
            record.account,
            record.api_no,
            record.method,
            record.path,
            record.http_status if record.http_status is not None else "-",
            record.return_code or "-",
            record.duration_ms,
            record.attempt,
            record.error or "-",
            extra={"lotteon_call": record},
        )
        if self._on_call is not None:
            try:
                self._on_call(record)
            except Exception:
                # The call log is bookkeeping; losing one row must not turn a good call into a failure.
                logger.exception("lotteon on_call callback failed")


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


def _before_sending(e: requests.RequestException) -> bool:
    """True when the request cannot have reached the server (DNS, refused, TLS handshake)."""
    if isinstance(e, requests.exceptions.SSLError):
        return True
    if not isinstance(e, requests.ConnectionError):
        return False
    reason: Any = e.args[0] if e.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    # NameResolutionError is a NewConnectionError in urllib3 2.
    return isinstance(reason, NewConnectionError)


def _retry_after(response: requests.Response, now: Callable[[], datetime]) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), or None when absent/unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())
