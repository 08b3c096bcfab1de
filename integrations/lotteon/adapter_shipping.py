"""LotteON shipping for the adapter: tracking push (137 step 13), corrections (139), couriers (89).

Every write is sent once. When its answer is lost (``OutcomeUnknown``) the lines are read back with
140 (``resolve_shipments``) before anything else happens, and lines LotteON refused are read back too:
a line refused because it is already in 13 *with the same number* was shipped by an earlier push whose
answer was lost, so it counts as applied; with another number it needs a correction (139), never a
second 137 (docs/lotteon.md rows 15, 16).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from integrations.base import LineRef
from integrations.errors import BusinessError, OutcomeUnknown, RequestRejected, SalesSiteError
from integrations.lotteon import codes, mappers
from integrations.lotteon.records import InvoiceCorrection, LineKey, LineResult, ProgressUpdate, Resolution
from integrations.lotteon.timeutil import KST
from integrations.shipping import (
    Courier,
    TrackingCorrection,
    TrackingOutcome,
    TrackingRequest,
    TrackingStatus,
)

TRACKING_BATCH = 100  # rows per 137 / 139 call, as for 210
WAITING_STEPS = frozenset({"11", "12"})  # 137-13 is accepted from these (row 15)


class ShippingMixin:
    """Mixed into LotteonAdapter; uses ``self.client`` (integrations.lotteon.client.LotteOnClient)."""

    # The courier code for tracking numbers the portal issues itself (QSP…) and for carriers LotteON
    # has no code for: 9999 기타택배, "other courier" (API.md §6.3, docs/lotteon.md row 6).
    own_number_courier = codes.OTHER_COURIER
    tracking_batch_size = TRACKING_BATCH
    # Used when 89 cannot be read: API.md §6.3 as the sandbox serves it (row 6).
    fallback_couriers: tuple[Courier, ...] = tuple(
        Courier(code=code, name=name, sort=i) for i, (code, name) in enumerate(codes.COURIERS.items(), start=1)
    )

    @staticmethod
    def tracking_no_normalize(value: str) -> str:
        """Row 2: spaces and dashes stripped, then 1–15 letters/digits; ``ValueError`` otherwise."""
        return mappers.normalize_invoice(value)

    def couriers(self) -> list[Courier]:
        """89 ``DV_CO_CD``: the authority for ``dvCoCd``. The caller caches it."""
        return [
            Courier(code=c.code, name=c.name, sort=c.sort_seq if c.sort_seq is not None else i)
            for i, c in enumerate(self.client.couriers(), start=1)
            if c.code
        ]

    # --- 137 step 13 ------------------------------------------------------------------------------

    def push_tracking(self, requests: Sequence[TrackingRequest]) -> list[TrackingOutcome]:
        """137 step 13 in batches; one outcome per request, in order.

        Errors that refuse a call as a whole and apply nothing (401, 403, 429, a connection that
        never opened) are raised for the caller to keep the rows waiting; a batch whose answer was
        lost is resolved with 140 before this returns.
        """
        outcomes: list[TrackingOutcome] = []
        for i in range(0, len(requests), TRACKING_BATCH):
            batch = [_progress_update(r) for r in requests[i : i + TRACKING_BATCH]]
            try:
                result = self.client.notify_delivery_progress(batch)
            except OutcomeUnknown as unknown:
                outcomes.extend(self._resolve(batch, cause=unknown.message))
                continue
            except (BusinessError, RequestRejected) as refused:
                code = getattr(refused, "return_code", "") or str(refused.code)
                outcomes.extend(
                    TrackingOutcome(ref=_ref(u.key), status=TrackingStatus.REJECTED, code=code, message=refused.message)
                    for u in batch
                )
                continue
            outcomes.extend(self._with_failures_read_back(batch, result.results))
        return outcomes

    def resolve_tracking(self, requests: Sequence[TrackingRequest]) -> list[TrackingOutcome]:
        """Did an earlier 137 take effect? 140 per line: applied, still waiting, shipped otherwise, cancelled."""
        updates = [_progress_update(r) for r in requests]
        return self._resolve(updates, cause="The answer to an earlier push was lost.")

    def _with_failures_read_back(
        self, batch: list[ProgressUpdate], results: Sequence[LineResult]
    ) -> list[TrackingOutcome]:
        by_key = {r.key: r for r in results}
        # Lines LotteON itself refused may already be in 13 (an earlier push whose answer was lost, or
        # another tool): read them back. Rows the client refused to send (INVALID_ROW) were never sent.
        refused = [u for u in batch if not by_key[u.key].ok and by_key[u.key].code != "INVALID_ROW"]
        read: dict[LineKey, TrackingOutcome] = {}
        if refused:
            try:
                resolutions = self.client.resolve_shipments(refused)
            except (SalesSiteError, ValueError):
                resolutions = []
            for resolution in resolutions:
                outcome = _from_resolution(resolution, cause="")
                if outcome.status in (TrackingStatus.APPLIED, TrackingStatus.CONFLICT, TrackingStatus.CANCELLED):
                    read[resolution.key] = outcome
        outcomes = []
        for update in batch:
            result = by_key[update.key]
            if result.ok:
                outcomes.append(TrackingOutcome(ref=_ref(update.key), status=TrackingStatus.APPLIED,
                                                code=result.code, site_status_code="13",
                                                site_tracking_no=update.invoice_no))
            elif update.key in read:
                outcomes.append(read[update.key])
            else:
                outcomes.append(TrackingOutcome(ref=_ref(update.key), status=TrackingStatus.REJECTED,
                                                code=result.code, message=result.message))
        return outcomes

    def _resolve(self, updates: list[ProgressUpdate], *, cause: str) -> list[TrackingOutcome]:
        try:
            resolutions = self.client.resolve_shipments(updates)
        except (SalesSiteError, ValueError) as exc:
            message = getattr(exc, "message", str(exc))
            return [
                TrackingOutcome(ref=_ref(u.key), status=TrackingStatus.UNKNOWN,
                                message=f"{cause} Reading the state back failed too: {message}".strip())
                for u in updates
            ]
        return [_from_resolution(r, cause=cause) for r in resolutions]

    # --- 139 ----------------------------------------------------------------------------------------

    def correct_tracking(self, corrections: Sequence[TrackingCorrection]) -> list[TrackingOutcome]:
        """139 in batches. A lost answer is read back (140): the new number there means applied."""
        outcomes: list[TrackingOutcome] = []
        for i in range(0, len(corrections), TRACKING_BATCH):
            chunk = list(corrections[i : i + TRACKING_BATCH])
            rows = [_invoice_correction(c) for c in chunk]
            as_shipped = [_corrected_update(c) for c in chunk]
            try:
                result = self.client.correct_invoices(rows)
            except OutcomeUnknown as unknown:
                outcomes.extend(self._resolve_corrections(chunk, as_shipped, cause=unknown.message))
                continue
            except (BusinessError, RequestRejected) as refused:
                code = getattr(refused, "return_code", "") or str(refused.code)
                outcomes.extend(
                    TrackingOutcome(ref=c.ref, status=TrackingStatus.REJECTED, code=code, message=refused.message)
                    for c in chunk
                )
                continue
            failed = [(c, u) for c, u, r in zip(chunk, as_shipped, result.results, strict=True)
                      if not r.ok and r.code != "INVALID_ROW"]
            read = {}
            if failed:
                # Refused, but perhaps because an earlier correction whose answer was lost already took.
                for outcome in self._resolve_corrections([c for c, _ in failed], [u for _, u in failed], cause=""):
                    if outcome.status == TrackingStatus.APPLIED:
                        read[outcome.ref] = outcome
            for correction, r in zip(chunk, result.results, strict=True):
                if r.ok:
                    outcomes.append(TrackingOutcome(ref=correction.ref, status=TrackingStatus.APPLIED, code=r.code,
                                                    site_status_code="13", site_tracking_no=correction.tracking_no))
                elif correction.ref in read:
                    outcomes.append(read[correction.ref])
                else:
                    outcomes.append(TrackingOutcome(ref=correction.ref, status=TrackingStatus.REJECTED,
                                                    code=r.code, message=r.message))
        return outcomes

    def _resolve_corrections(
        self, corrections: list[TrackingCorrection], updates: list[ProgressUpdate], *, cause: str
    ) -> list[TrackingOutcome]:
        outcomes = self._resolve(updates, cause=cause)
        result = []
        for correction, outcome in zip(corrections, outcomes, strict=True):
            if outcome.status == TrackingStatus.CONFLICT and _same(outcome.site_tracking_no, correction.old_tracking_no):
                # Still the old number: the correction did not take; it may be sent again.
                outcome = TrackingOutcome(ref=outcome.ref, status=TrackingStatus.NOT_APPLIED, message=cause,
                                          site_status_code=outcome.site_status_code,
                                          site_tracking_no=outcome.site_tracking_no)
            elif outcome.status == TrackingStatus.NOT_APPLIED:
                # Not in 13 at all: 139 cannot apply (row 16); the line needs a 137 instead.
                outcome = TrackingOutcome(ref=outcome.ref, status=TrackingStatus.REJECTED,
                                          message="The line is not shipped at LotteON, so its number cannot be "
                                          "corrected; push it as a new shipment.",
                                          site_status_code=outcome.site_status_code)
            result.append(outcome)
        return result


def _ref(key: LineKey) -> LineRef:
    return LineRef(order_no=key.od_no, line_no=key.od_seq, process_seq=key.proc_seq)


def _key(ref: LineRef) -> LineKey:
    return LineKey(ref.order_no, ref.line_no, ref.process_seq)


def _same(a: str, b: str) -> bool:
    return a.replace("-", "").replace(" ", "").upper() == b.replace("-", "").replace(" ", "").upper()


def _progress_update(r: TrackingRequest) -> ProgressUpdate:
    return ProgressUpdate(
        key=_key(r.ref), step="13", event_at=r.shipped_at, spd_no=r.site_product_id, sitm_no=r.site_option_id,
        quantity=r.quantity, courier_code=r.courier_code, invoice_no=r.tracking_no, instructed_at=r.instructed_at,
        orgl_proc_seq=r.original_process_seq, clm_no=r.claim_no,
    )


def _invoice_correction(c: TrackingCorrection) -> InvoiceCorrection:
    return InvoiceCorrection(
        key=_key(c.ref), invoice_no=c.old_tracking_no, new_invoice_no=c.tracking_no, new_courier_code=c.courier_code,
        instructed_at=c.instructed_at, orgl_proc_seq=c.original_process_seq, clm_no=c.claim_no,
    )


def _corrected_update(c: TrackingCorrection) -> ProgressUpdate:
    """The corrected line as 137 would have shipped it: what ``resolve_shipments`` compares with."""
    return ProgressUpdate(
        key=_key(c.ref), step="13", event_at=datetime.now(KST), spd_no=c.site_product_id, sitm_no=c.site_option_id,
        quantity=max(1, c.quantity), courier_code=c.courier_code, invoice_no=c.tracking_no,
        instructed_at=c.instructed_at, orgl_proc_seq=c.original_process_seq, clm_no=c.claim_no,
    )


def _from_resolution(r: Resolution, *, cause: str) -> TrackingOutcome:
    ref = _ref(r.key)
    if r.applied:
        return TrackingOutcome(ref=ref, status=TrackingStatus.APPLIED, site_status_code=r.step,
                               site_tracking_no=r.invoice_no)
    if not r.found:
        return TrackingOutcome(ref=ref, status=TrackingStatus.UNKNOWN,
                               message=(cause + " LotteON did not return the line when it was read back.").strip())
    if r.cancelled:
        return TrackingOutcome(ref=ref, status=TrackingStatus.CANCELLED, site_status_code=r.step,
                               message="Cancelled by the buyer at LotteON: not shipped.")
    if r.shipped:
        return TrackingOutcome(ref=ref, status=TrackingStatus.CONFLICT, site_status_code=r.step,
                               site_tracking_no=r.invoice_no,
                               message=f"LotteON already holds this line as shipped with tracking number "
                               f"{r.invoice_no or '(none)'}; a different number needs a correction (139).")
    if r.step in WAITING_STEPS:
        return TrackingOutcome(ref=ref, status=TrackingStatus.NOT_APPLIED, site_status_code=r.step, message=cause)
    return TrackingOutcome(ref=ref, status=TrackingStatus.REJECTED, site_status_code=r.step,
                           message=f"The line is in state {r.step} ({codes.STEP_LABELS.get(r.step, 'unknown')}) at "
                           "LotteON, where it cannot be shipped.")
