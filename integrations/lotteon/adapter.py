"""LotteON as a sales site: its registry entry and the adapter composed from the client."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings

from integrations.base import (
    AdapterConfig,
    Capability,
    ConfirmRequest,
    ConnectionResult,
    LineOutcome,
    LineRef,
    LineState,
    PulledCancellation,
    PulledLine,
    PullWindow,
    SalesSite,
    SetupGuide,
)
from integrations.errors import BusinessError, OutcomeUnknown, RequestRejected, SalesSiteError
from integrations.lotteon import codes
from integrations.lotteon.adapter_catalog import CatalogMixin
from integrations.lotteon.adapter_shipping import ShippingMixin
from integrations.lotteon.client import LotteOnClient, RetryPolicy
from integrations.lotteon.records import ConfirmLine, LineKey, OrderLine
from integrations.lotteon.timeutil import split_days
from integrations.ratelimit import RateLimiter, RedisRateLimiter, default_limiter
from smartship.config import BROKER_SCHEMES


def shared_limiter() -> RateLimiter:
    """The limiter every adapter uses: one budget per API key, LOTTEON_CALLS_PER_MINUTE.

    With REDIS_URL (settings make it the Celery broker) the budget lives in Redis and every process of
    the portal shares it (web, each worker process); without it, one bucket per process (the embedded
    stack runs one worker). If Redis cannot be reached, calls fall back to this process's bucket.
    """
    per_minute = settings.LOTTEON_CALLS_PER_MINUTE
    url = settings.CELERY_BROKER_URL
    if urlsplit(url).scheme not in BROKER_SCHEMES:
        return default_limiter(per_minute)
    if (per_minute, url) not in _limiters:
        _limiters[(per_minute, url)] = RedisRateLimiter.from_url(
            url, per_minute, fallback=default_limiter(per_minute)
        )
    return _limiters[(per_minute, url)]


_limiters: dict[tuple[int, str], RedisRateLimiter] = {}
CONFIRM_BATCH = 100  # rows per 210 call, as production clients send (API.md §5.3)
CANCELLATION_COMPLETED = codes.Step.CANCELLED
CANCELLATION_STEPS = (CANCELLATION_COMPLETED, codes.Step.CLAIM_REQUESTED, codes.Step.CANCEL_WITHDRAWN)
PULL_FLAGS = ("", "N", "Y")  # 209 ifCplYN: not yet reported, reported as not linked, linked (§5.2)
LINKED_STEP = "12"  # where 210 puts a delivery line (§5.3)

LOTTEON = SalesSite(
    key="lotteon",
    name="LotteON",
    logo="img/sites/lotteon.svg",
    adapter_path="integrations.lotteon.adapter.LotteonAdapter",
    capabilities=frozenset(Capability),
    # The supplier number (거래처번호) LotteON issues: LO or LD followed by digits (API.md §2, §8).
    account_number_pattern=r"L[OD]\d{6,12}",
    account_number_help="Shown at the top left of the LotteON store center (거래처번호): LO or LD and digits, "
    "e.g. LO10000001.",
    api_key_help="Issued in the LotteON store center under Seller Information ▸ Open API Management.",
    shop_id_help="Your LotteON store-center seller ID.",
    api_key_lifetime_days=365,  # "Key lifetime: 1 year" (API.md §2); an expired key gets 401 like a wrong one
    pull_window_days=1,  # the order search spans one day (API.md §5.2): one window per KST day
    # The guide's words for epdNo (a single product) and eitmNo (each option), on LotteON's product registration.
    product_code_label="Seller internal product number",
    option_code_label="Seller internal single product code",
    guide=SetupGuide(
        steps=(
            "Log in to the LotteON store center and open Seller Information ▸ Open API Management.",
            'Under "How to interlock", select both "hosting/selling tools" and "direct input".',
            "In server IP registration, enter the SmartShip server IPs below, separated by semicolons.",
            "Press [Save]: LotteON shows the API key. Copy it into API Key here.",
            "Enter your Shop ID (the store-center seller ID) and the Account Number shown at the top left "
            "of the store center.",
        ),
        ip_instructions="Server IPs to register (direct input)",
    ),
)


class LotteonAdapter(CatalogMixin, ShippingMixin):
    site = LOTTEON

    def __init__(self, config: AdapterConfig) -> None:
        self.config = config
        retry = RetryPolicy(
            max_attempts=1 if config.interactive else settings.LOTTEON_RETRY_ATTEMPTS,
            base_delay=settings.LOTTEON_RETRY_BASE_DELAY,
            max_wait=settings.LOTTEON_RETRY_MAX_WAIT,
        )
        self.client = LotteOnClient(
            config.api_key,
            base_url=config.base_url or settings.LOTTEON_BASE_URL,
            tr_no=config.account_number,
            account=config.label or config.shop_id,
            on_call=config.on_call,
            retry=retry,
            read_timeout=min(15.0, settings.LOTTEON_READ_TIMEOUT) if config.interactive else settings.LOTTEON_READ_TIMEOUT,
            rate_limiter=shared_limiter(),
        )

    def test_connection(self) -> ConnectionResult:
        identity = self.client.test_connection(self.config.account_number)
        return ConnectionResult(supplier_number=identity.tr_no, supplier_name=identity.tr_nm)

    def close(self) -> None:
        self.client.close()

    # --- Orders --------------------------------------------------------------------------------

    def fetch_order_lines(self, *, start: datetime, end: datetime) -> Iterator[PullWindow]:
        """Per KST day: 209 with ifCplYN "", "N" and "Y", and 140 for the live step, which wins over
        209's stale 11 (API.md §5.2 quirks). A line linked by anyone only shows with Y; one another tool
        reported as not linked (210 N) is still a New Order and may only show with N. Four calls a day."""
        for window in split_days(start, end):
            lines: dict[LineKey, tuple[OrderLine, bool]] = {}
            for flag in PULL_FLAGS:
                for line in self.client.search_orders(window, if_cpl_yn=flag):
                    lines.setdefault(line.key, (line, flag == "Y"))
            live = self.client.delivery_steps(window) if lines else {}
            pulled = tuple(
                _pulled_line(line, linked=linked, live_step=live.get(key, ""))
                for key, (line, linked) in lines.items()
                if line.direction in ("", "DV")  # retrievals (returns, exchanges' pick-ups) are not shipped
            )
            yield PullWindow(start=window.start, end=window.end, lines=pulled)

    def fetch_cancellations(self, *, start: datetime, end: datetime) -> list[PulledCancellation]:
        """50 over the range, once per step: completed cancellations (21) reduce or remove lines; open
        requests (02) and their withdrawals (22) put a line on hold and release it (docs/lotteon.md row 23)."""
        return [
            PulledCancellation(
                # A claim row carries procSeq + 1 per claim; orglProcSeq names the line it cancels (§5.2).
                ref=LineRef(line.key.od_no, line.key.od_seq, line.orgl_proc_seq or line.key.proc_seq),
                claim_no=line.clm_no, cancelled_quantity=line.cancelled_quantity or line.quantity,
                completed=line.step == CANCELLATION_COMPLETED, withdrawn=line.step == codes.Step.CANCEL_WITHDRAWN,
                reason=line.reason, at=line.completed_at or line.requested_at, ordered_quantity=line.quantity,
            )
            for step in CANCELLATION_STEPS
            for line in self.client.search_cancellations_range(start, end, step=step)
        ]

    def confirm(self, lines: Sequence[ConfirmRequest]) -> list[LineOutcome]:
        """210 in batches. A lost answer is resolved with 140 before anything is sent again: in this call,
        and in a later one for lines marked ``read_back_first``. A line LotteON refuses is read back too,
        because "already linked" means another tool (or a lost answer) confirmed it: that is a success."""
        outcomes: list[LineOutcome] = []
        to_send = [r for r in lines if not r.read_back_first]
        checked = [_confirm_line(r) for r in lines if r.read_back_first]
        if checked:
            settled, unsettled = self._read_back_before_sending(checked)
            outcomes.extend(settled)
            to_send.extend(r for r in lines if r.read_back_first and _ref_key(r.ref) in unsettled)
        for i in range(0, len(to_send), CONFIRM_BATCH):
            batch = [_confirm_line(r) for r in to_send[i : i + CONFIRM_BATCH]]
            try:
                result = self.client.confirm_lines(batch)
            except OutcomeUnknown as unknown:
                outcomes.extend(self._resolve_confirmations(batch, unknown))
                continue
            except (BusinessError, RequestRejected) as refused:
                # LotteON refused the whole call: nothing was applied; each line keeps the reason.
                code = getattr(refused, "return_code", "") or str(refused.code)
                outcomes.extend(LineOutcome(ref=_ref(line.key), ok=False, code=code, message=refused.message)
                                for line in batch)
                continue
            refused_keys = {r.key for r in result.results if not r.ok}
            live = self._linked_anyway([line for line in batch if line.key in refused_keys])
            for r in result.results:
                if not r.ok and r.key in live:
                    outcomes.append(LineOutcome(ref=_ref(r.key), ok=True, site_status_code=live[r.key],
                                                message="already confirmed at LotteON"))
                else:
                    outcomes.append(LineOutcome(ref=_ref(r.key), ok=r.ok, code=r.code, message=r.message,
                                                site_status_code=LINKED_STEP if r.ok else ""))
        return outcomes

    def _read_back_before_sending(self, lines: list[ConfirmLine]) -> tuple[list[LineOutcome], set[LineKey]]:
        """Lines whose last 210 went unanswered: settled from 140 where it tells (linked, cancelled), and
        the keys of those still unlinked at step 11, which may be sent. A failed read settles nothing
        and sends nothing."""
        try:
            resolutions = self.client.resolve_confirmations(lines)
        except SalesSiteError as exc:
            return [LineOutcome(ref=_ref(line.key), ok=False, unknown=True, message=exc.message)
                    for line in lines], set()
        settled, unsettled = [], set()
        for r in resolutions:
            if r.applied:
                settled.append(LineOutcome(ref=_ref(r.key), ok=True, site_status_code=r.step))
            elif r.cancelled:
                settled.append(LineOutcome(ref=_ref(r.key), ok=False, site_status_code=r.step,
                                           message="cancelled by the buyer"))
            elif r.step == codes.Step.NEW:
                unsettled.add(r.key)
            else:
                settled.append(LineOutcome(ref=_ref(r.key), ok=False, unknown=True, site_status_code=r.step,
                                           message="LotteON did not report this line's state"))
        return settled, unsettled

    def _linked_anyway(self, refused: list[ConfirmLine]) -> dict[LineKey, str]:
        """Of the lines 210 refused, those 140 shows linked, with their live step. Best effort: a failed
        read leaves LotteON's refusal as the answer."""
        if not refused:
            return {}
        try:
            return {r.key: r.step for r in self.client.resolve_confirmations(refused) if r.applied}
        except SalesSiteError:
            return {}

    def _resolve_confirmations(self, batch: list[ConfirmLine], cause: OutcomeUnknown) -> list[LineOutcome]:
        try:
            resolutions = self.client.resolve_confirmations(batch)
        except SalesSiteError:
            # Still no answer: leave the lines waiting; the next sync reads their live state first.
            return [LineOutcome(ref=_ref(line.key), ok=False, unknown=True, message=cause.message) for line in batch]
        # Read back and found not applied, the line simply failed: the reason says so, not "may or may not".
        not_applied = codes.MSG_LOST_NOT_APPLIED.format(cause=cause.extra.get("cause") or "no answer")
        return [
            LineOutcome(ref=_ref(r.key), ok=r.applied, unknown=not r.found, site_status_code=r.step,
                        message="" if r.applied else ("cancelled by the buyer" if r.cancelled
                                                      else not_applied if r.found else cause.message))
            for r in resolutions
        ]


def _confirm_line(r: ConfirmRequest) -> ConfirmLine:
    return ConfirmLine(key=_ref_key(r.ref), instructed_at=r.instructed_at, orgl_proc_seq=r.original_process_seq,
                       clm_no=r.claim_no)


def _ref_key(ref: LineRef) -> LineKey:
    return LineKey(ref.order_no, ref.line_no, ref.process_seq)


def _ref(key: LineKey) -> LineRef:
    return LineRef(order_no=key.od_no, line_no=key.od_seq, process_seq=key.proc_seq)


def _state(step: str, linked: bool) -> LineState:
    if step == "11":
        return LineState.PREPARING if linked else LineState.NEW
    if step == "12":
        return LineState.PREPARING
    if step in codes.SHIPPED_STEPS:
        return LineState.SHIPPED
    if step == CANCELLATION_COMPLETED:
        return LineState.CANCELLED
    return LineState.OTHER


def _pulled_line(line: OrderLine, *, linked: bool, live_step: str) -> PulledLine:
    # 209 keeps saying 11 after a link; without a 140 row, a linked line is at least preparing.
    step = live_step or ("12" if linked else line.step)
    return PulledLine(
        ref=_ref(line.key),
        state=_state(step, linked),
        site_status_code=step,
        confirmed_at_site=linked or step in codes.LINKED_STEPS,
        ordered_at=line.ordered_at,
        instructed_at=line.instructed_at,
        original_process_seq=line.orgl_proc_seq,
        claim_no=line.clm_no,
        orderer_name=line.orderer.name,
        orderer_phone=line.orderer.phone,
        orderer_mobile=line.orderer.mobile,
        orderer_email=line.orderer.email,
        recipient_name=line.recipient.name,
        recipient_phone=line.recipient.phone,
        recipient_mobile=line.recipient.mobile or line.recipient.safe_number,
        zip_code=line.recipient.zip_code,
        address=line.recipient.address,
        address_detail=line.recipient.address_detail,
        delivery_message=line.delivery.message,
        combined_group=line.delivery.combined_group,
        product_name=line.product.spd_nm,
        option_name=line.product.sitm_nm,
        seller_product_code=line.product.epd_no,
        seller_option_code=line.product.eitm_no,
        site_product_id=line.product.spd_no,
        site_option_id=line.product.sitm_no,
        quantity=line.amounts.quantity,
        unit_price=line.amounts.unit_price,
        amount=line.amounts.sale_amount,
        paid_amount=line.amounts.paid_amount,
        shipping_fee=line.delivery.fee,
        raw=dict(line.raw),
    )
