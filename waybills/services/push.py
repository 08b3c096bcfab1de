"""Draining the tracking outbox of one account (docs/waybills.md "Outbox").

``tracking_push`` runs under a per-account lock, in this order:

1. rows left *sending* by a run that died become *unknown* (they may have reached the site);
2. rows of cancelled lines become *cancelled*; *pending* shipments of lines the portal already holds as
   shipped become *unknown* (the site may hold them with this number already);
3. *unknown* rows are read back (LotteON 140) before anything is sent: applied → *confirmed*, still waiting
   → *pending*, shipped with another number → *conflict*, cancelled → *cancelled*;
4. *pending* rows are sent in batches (one 137 or 139 call per batch), each batch claimed as *sending*
   in its own transaction first, and every line's result stored right after its call.

A write whose answer is lost is resolved by the adapter (140) before it returns; what even that cannot
settle stays *unknown* and is read again by the next run, never re-sent blindly.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.exceptions import ApplicationError
from core.locks import lease_acquire, lease_extend, lease_release
from integrations import registry
from integrations.base import LineRef
from integrations.errors import ErrorCode, SalesSiteError
from integrations.models import SalesSiteAccount
from integrations.services import account_config
from integrations.shipping import TrackingCorrection, TrackingOutcome, TrackingRequest, TrackingStatus
from orders.models import LineStatus, Order, OrderEvent
from orders.services.lifecycle import lines_mark_shipped
from sellers.models import User
from waybills.models import TrackingPush

logger = logging.getLogger("smartship.waybills.push")
State = TrackingPush.State
CANCELLED_BY_BUYER = "Cancelled by the buyer: the tracking number is not pushed."
LOCK_SECONDS = 300
MAX_SENDS_PER_RUN = 2


# --- Enqueueing ----------------------------------------------------------------------------------

def push_enqueue(*, account_ids: Iterable[int]) -> None:
    """After the current transaction commits, queue a push per account. A broker that cannot be reached
    loses nothing: the rows wait in the outbox for the periodic sweep."""
    ids = sorted({pk for pk in account_ids if pk})
    if not ids:
        return

    def send() -> None:
        from waybills.tasks import push_tracking_account

        for pk in ids:
            try:
                push_tracking_account.apply_async((pk,), expires=600)
            except Exception:
                logger.exception("could not queue the tracking push of account %s; the sweep will send it", pk)

    transaction.on_commit(send)


# --- The per-account lock --------------------------------------------------------------------------

def lease_name(account_id: int) -> str:
    return f"tracking-push:{account_id}"


# --- The run -----------------------------------------------------------------------------------------

@dataclass
class PushStats:
    account_id: int
    skipped: bool = False
    sent: int = 0
    confirmed: int = 0
    failed: int = 0
    conflicts: int = 0
    cancelled: int = 0
    unknown: int = 0
    waiting: int = 0  # left pending after an error that applied nothing (rate limit, unreachable, ...)
    error: str = ""
    calls: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.skipped:
            return f"account {self.account_id}: skipped (another push of this account is running)"
        text = (f"account {self.account_id}: {self.sent} sent, {self.confirmed} confirmed, {self.failed} failed, "
                f"{self.conflicts} shipped with another number, {self.cancelled} cancelled, "
                f"{self.unknown} unknown, {self.waiting} waiting")
        return text + (f" ({self.error})" if self.error else "")


def tracking_push(*, account_id: int) -> PushStats:
    """Send and settle the account's outbox now (the Celery task and ``push_tracking`` call this)."""
    stats = PushStats(account_id=account_id)
    account = SalesSiteAccount.objects.select_related("seller").filter(pk=account_id).first()
    if account is None:
        return stats
    ttl = timedelta(seconds=getattr(settings, "SMARTSHIP_PUSH_LOCK_SECONDS", LOCK_SECONDS))
    token = lease_acquire(name=lease_name(account_id), ttl=ttl)
    if token is None:
        stats.skipped = True
        return stats
    try:
        adapter = registry.adapter_for(account.site, account_config(account))
        try:
            _run(account=account, adapter=adapter, stats=stats, token=token, ttl=ttl)
        finally:
            adapter.close()
    finally:
        lease_release(name=lease_name(account_id), token=token)
    return stats


def _run(*, account: SalesSiteAccount, adapter, stats: PushStats, token: str, ttl: timedelta) -> None:
    rows = TrackingPush.objects.filter(account=account)
    now = timezone.now()
    # 1. We hold the lock: a row still "sending" belongs to a run that died mid-call.
    rows.filter(state=State.SENDING).update(
        state=State.UNKNOWN, updated_at=now,
        last_message="The push was interrupted before its answer was stored; the line is read back first.")
    # 2. Cancelled lines are never pushed; shipped lines are read back before anything is sent.
    cancelled = rows.filter(state__in=[State.PENDING, State.UNKNOWN, State.FAILED, State.CONFLICT],
                            line__status=LineStatus.CANCELLED)
    stats.cancelled += cancelled.update(state=State.CANCELLED, last_code="cancelled", last_message=CANCELLED_BY_BUYER,
                                        updated_at=now)
    rows.filter(state=State.PENDING, kind=TrackingPush.Kind.SHIP, line__status=LineStatus.SHIPPED).update(
        state=State.UNKNOWN, updated_at=now,
        last_message="The line is already shipped at the sales site; reading back which number it holds.")
    batch_size = getattr(adapter, "tracking_batch_size", 100)

    # 3. Read back what is unknown.
    unknown = list(rows.filter(state=State.UNKNOWN).select_related("line", "order").order_by("pk"))
    for i in range(0, len(unknown), batch_size):
        batch = unknown[i : i + batch_size]
        outcomes = _resolve(adapter, batch)
        stats.calls.append(f"read back {len(batch)}")
        _store(account=account, pushes=batch, outcomes=outcomes, stats=stats, resolving=True)
        lease_extend(name=lease_name(account.pk), token=token, ttl=ttl)

    # 4. Send what is pending, batch by batch. A row read back as "not applied" after a lost answer may be
    # sent once more in the same run; after that it waits for the next run (no tight loop on a broken site).
    sent_in_run: dict[int, int] = defaultdict(int)
    while True:
        batch = _claim(account=account, size=batch_size,
                       exclude=[pk for pk, times in sent_in_run.items() if times >= MAX_SENDS_PER_RUN])
        if not batch:
            break
        for push in batch:
            sent_in_run[push.pk] += 1
        ships = [p for p in batch if p.kind == TrackingPush.Kind.SHIP]
        corrections = [p for p in batch if p.kind == TrackingPush.Kind.CORRECT]
        try:
            outcomes: list[TrackingOutcome] = []
            if ships:
                outcomes += adapter.push_tracking([_request(p) for p in ships])
                stats.calls.append(f"ship {len(ships)}")
            if corrections:
                outcomes += adapter.correct_tracking([_correction(p) for p in corrections])
                stats.calls.append(f"correct {len(corrections)}")
        except SalesSiteError as exc:
            # Refused as a whole before anything was applied (401/403/429/unreachable): back to waiting.
            _release(batch, code=str(exc.code), message=exc.message)
            stats.waiting += len(batch)
            stats.error = exc.message
            logger.warning("tracking push of account %s stopped: %s", account.pk, exc.message)
            if exc.code in (ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN):
                SalesSiteAccount.objects.filter(pk=account.pk).update(
                    connection_status=SalesSiteAccount.ConnectionStatus.FAILED, connection_message=exc.message,
                    connection_checked_at=timezone.now())
            break
        except Exception:
            # A fault of ours mid-call: the site may have applied it, so read back before resending.
            TrackingPush.objects.filter(pk__in=[p.pk for p in batch]).update(
                state=State.UNKNOWN, last_code="internal", updated_at=timezone.now(),
                last_message="An internal error interrupted the push; the line is read back before resending.")
            raise
        stats.sent += len(batch)
        _store(account=account, pushes=ships + corrections, outcomes=outcomes, stats=stats, resolving=False)
        lease_extend(name=lease_name(account.pk), token=token, ttl=ttl)


@transaction.atomic
def _claim(*, account: SalesSiteAccount, size: int, exclude: list[int]) -> list[TrackingPush]:
    """Mark the next batch of pending rows as being sent (their attempt counted) before the call."""
    ids = list(TrackingPush.objects.select_for_update().filter(account=account, state=State.PENDING)
               .exclude(pk__in=exclude).order_by("pk").values_list("pk", flat=True)[:size])
    if not ids:
        return []
    TrackingPush.objects.filter(pk__in=ids, state=State.PENDING).update(
        state=State.SENDING, attempts=F("attempts") + 1, sent_at=timezone.now(), updated_at=timezone.now())
    return list(TrackingPush.objects.filter(pk__in=ids, state=State.SENDING).select_related("line", "order")
                .order_by("pk"))


def _release(batch: list[TrackingPush], *, code: str, message: str) -> None:
    TrackingPush.objects.filter(pk__in=[p.pk for p in batch], state=State.SENDING).update(
        state=State.PENDING, last_code=code[:40], last_message=message[:500], updated_at=timezone.now())


def _ref(push: TrackingPush) -> LineRef:
    return LineRef(push.order.order_no, push.line.line_no, push.line.process_seq)


def _request(push: TrackingPush) -> TrackingRequest:
    line = push.line
    return TrackingRequest(
        ref=_ref(push), courier_code=push.courier_code, tracking_no=push.tracking_no,
        quantity=max(1, line.open_quantity), shipped_at=push.sent_at or timezone.now(),
        instructed_at=push.order.instructed_at, site_product_id=line.site_product_id,
        site_option_id=line.site_option_id, original_process_seq=line.original_process_seq, claim_no=line.claim_no,
    )


def _correction(push: TrackingPush) -> TrackingCorrection:
    line = push.line
    return TrackingCorrection(
        ref=_ref(push), old_tracking_no=push.previous_tracking_no, courier_code=push.courier_code,
        tracking_no=push.tracking_no, instructed_at=push.order.instructed_at, quantity=max(1, line.open_quantity),
        site_product_id=line.site_product_id, site_option_id=line.site_option_id,
        original_process_seq=line.original_process_seq, claim_no=line.claim_no,
    )


def _resolve(adapter, batch: list[TrackingPush]) -> list[TrackingOutcome]:
    """Read back the lines of unknown rows. A correction is judged by the number the site holds: the new
    one → applied; still the old one → not applied (may be sent again)."""
    try:
        outcomes = adapter.resolve_tracking([_request(p) for p in batch])
    except (SalesSiteError, ValueError) as exc:
        message = getattr(exc, "message", str(exc))
        return [TrackingOutcome(ref=_ref(p), status=TrackingStatus.UNKNOWN, message=message) for p in batch]
    result = []
    for push, outcome in zip(batch, outcomes, strict=True):
        if push.kind == TrackingPush.Kind.CORRECT and outcome.status == TrackingStatus.CONFLICT and (
                _same(outcome.site_tracking_no, push.previous_tracking_no)):
            outcome = TrackingOutcome(ref=outcome.ref, status=TrackingStatus.NOT_APPLIED,
                                      site_status_code=outcome.site_status_code,
                                      site_tracking_no=outcome.site_tracking_no)
        result.append(outcome)
    return result


def _same(a: str, b: str) -> bool:
    return a.replace("-", "").replace(" ", "").upper() == b.replace("-", "").replace(" ", "").upper()


NEXT_STATE = {
    TrackingStatus.APPLIED: State.CONFIRMED,
    TrackingStatus.REJECTED: State.FAILED,
    TrackingStatus.NOT_APPLIED: State.PENDING,
    TrackingStatus.CONFLICT: State.CONFLICT,
    TrackingStatus.CANCELLED: State.CANCELLED,
    TrackingStatus.UNKNOWN: State.UNKNOWN,
}


@transaction.atomic
def _store(*, account: SalesSiteAccount, pushes: list[TrackingPush], outcomes: list[TrackingOutcome],
           stats: PushStats, resolving: bool) -> None:
    """Keep each line's result: one UPDATE per distinct result, one shipped move for the confirmed lines,
    one attention flag per failing order."""
    by_ref: dict[LineRef, TrackingPush] = {_ref(p): p for p in pushes}
    now = timezone.now()
    groups: dict[tuple, list[TrackingPush]] = defaultdict(list)
    for outcome in outcomes:
        push = by_ref.get(outcome.ref)
        if push is None:
            continue
        state = NEXT_STATE[outcome.status]
        message = outcome.message
        if state == State.CANCELLED:
            message = CANCELLED_BY_BUYER
        elif state == State.PENDING and resolving:
            message = "Read back: not applied at the sales site yet; sent again."
        elif state == State.CONFIRMED:
            message = ""
        groups[(state, outcome.code[:40], message[:500], outcome.site_status_code, outcome.site_tracking_no)].append(
            push)
    confirmed: list[TrackingPush] = []
    attention: dict[int, str] = {}
    for (state, code, message, site_code, site_no), group in groups.items():
        update = {"state": state, "last_code": code, "last_message": message, "updated_at": now}
        if site_code:
            update["site_status_code"] = site_code
        if site_no:
            update["site_tracking_no"] = site_no[:30]
        if state == State.CONFIRMED:
            update["confirmed_at"] = now
            confirmed.extend(group)
        TrackingPush.objects.filter(pk__in=[p.pk for p in group]).exclude(
            state__in=[State.SUPERSEDED, State.CANCELLED]).update(**update)
        counter = {State.CONFIRMED: "confirmed", State.FAILED: "failed", State.CONFLICT: "conflicts",
                   State.CANCELLED: "cancelled", State.UNKNOWN: "unknown", State.PENDING: "waiting"}[state]
        if not (state == State.PENDING and resolving):
            setattr(stats, counter, getattr(stats, counter) + len(group))
        if state in (State.FAILED, State.CONFLICT):
            for push in group:
                attention.setdefault(push.order_id, f"Tracking push failed for line {push.line.line_no} "
                                     f"({push.tracking_no}): {message}"[:300])

    ships = [p for p in confirmed if p.kind == TrackingPush.Kind.SHIP]
    corrections = [p for p in confirmed if p.kind == TrackingPush.Kind.CORRECT]
    name = registry.get(account.site).name if account.site else "the sales site"
    if ships:
        lines_mark_shipped(seller_id=account.seller_id, line_ids=[p.line_id for p in ships],
                           message=f"Tracking number accepted by {name}")
    if corrections:
        OrderEvent.objects.bulk_create(
            OrderEvent(order_id=p.order_id, line_id=p.line_id, seller_id=account.seller_id,
                       kind=OrderEvent.Kind.SHIPPED,
                       message=f"Tracking number of line {p.line.line_no} corrected at {name}: "
                       f"{p.previous_tracking_no} → {p.tracking_no}")
            for p in corrections)
        lines_mark_shipped(seller_id=account.seller_id, line_ids=[p.line_id for p in corrections],
                           message=f"Tracking number accepted by {name}")
    for order_id, reason in attention.items():
        # The Orders list's "Needs attention" tab and the order page's banner show it; the order's next
        # recomputation from its lines (a later sync, the shipment) clears it.
        Order.objects.filter(pk=order_id, needs_attention=False).update(
            needs_attention=True, attention_reason=reason, updated_at=now)


# --- What people do with failures -------------------------------------------------------------------

def _seller_pushes(*, seller_id: int, push_ids: Iterable[int]) -> list[TrackingPush]:
    ids = list(push_ids)
    pushes = list(TrackingPush.objects.select_for_update(of=("self",)).filter(seller_id=seller_id, pk__in=ids)
                  .select_related("line", "order"))
    if len(pushes) != len(set(ids)):
        raise ApplicationError("Some of these tracking pushes were not found.", code="not_found")
    return pushes


@transaction.atomic
def pushes_retry(*, seller_id: int, push_ids: Iterable[int], actor: User | None = None) -> int:
    """Send failed pushes again (after the cause was fixed); lines cancelled since are not sent."""
    pushes = _seller_pushes(seller_id=seller_id, push_ids=push_ids)
    retry = [p for p in pushes if p.state == State.FAILED and p.line.status != LineStatus.CANCELLED]
    if not retry:
        raise ApplicationError("None of the selected pushes failed, so there is nothing to retry.",
                               code="nothing_to_retry")
    TrackingPush.objects.filter(pk__in=[p.pk for p in retry]).update(
        state=State.PENDING, updated_at=timezone.now(),
        last_message=f"Retry requested{f' by {actor.username}' if actor else ''}.")
    push_enqueue(account_ids=[p.account_id for p in retry])
    return len(retry)


@transaction.atomic
def push_correct(*, seller_id: int, push_id: int, actor: User | None = None) -> TrackingPush:
    """A line the site holds with another number: replace that number with ours (139)."""
    (push,) = _seller_pushes(seller_id=seller_id, push_ids=[push_id])
    if push.state != State.CONFLICT or not push.site_tracking_no:
        raise ApplicationError("Only a push whose line is shipped with another number can be corrected.",
                               code="not_a_conflict")
    TrackingPush.objects.filter(pk=push.pk).update(state=State.SUPERSEDED, updated_at=timezone.now(),
                                                   last_message="Replaced by a correction.")
    try:
        correction = TrackingPush.objects.create(
            seller_id=seller_id, account_id=push.account_id, order_id=push.order_id, line_id=push.line_id,
            waybill_id=push.waybill_id, kind=TrackingPush.Kind.CORRECT, origin=TrackingPush.Origin.CORRECTION,
            courier_code=push.courier_code, tracking_no=push.tracking_no, previous_tracking_no=push.site_tracking_no,
            created_by=actor)
    except IntegrityError:
        raise ApplicationError("Another tracking number for this line is already on its way.", code="busy") from None
    push_enqueue(account_ids=[push.account_id])
    return correction


@transaction.atomic
def push_dismiss(*, seller_id: int, push_id: int, actor: User | None = None) -> TrackingPush:
    """Keep the number the site holds (shipped otherwise): stop pushing ours; the line counts as shipped."""
    (push,) = _seller_pushes(seller_id=seller_id, push_ids=[push_id])
    if push.state not in (State.CONFLICT, State.FAILED):
        raise ApplicationError("Only a failed push or one shipped with another number can be dismissed.",
                               code="not_dismissable")
    kept = push.site_tracking_no
    TrackingPush.objects.filter(pk=push.pk).update(
        state=State.CANCELLED, updated_at=timezone.now(), last_code="dismissed",
        last_message=(f"Dismissed{f' by {actor.username}' if actor else ''}"
                      + (f": the sales site keeps {kept}." if kept else ".")))
    if push.state == State.CONFLICT:
        lines_mark_shipped(seller_id=seller_id, line_ids=[push.line_id], actor=actor,
                           message=f"Shipped with the number the sales site holds ({kept})")
    return push


def accounts_sweep() -> list[int]:
    """Beat's sweep: queue a push for every account with rows to send or settle."""
    from waybills.selectors import accounts_with_pushes

    ids = accounts_with_pushes()
    from waybills.tasks import push_tracking_account

    for pk in ids:
        try:
            push_tracking_account.apply_async((pk,), expires=600)
        except Exception:
            logger.exception("could not queue the tracking push of account %s", pk)
    return ids
