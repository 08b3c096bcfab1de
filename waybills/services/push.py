"""Draining the tracking outbox of one account (docs/waybills.md "Outbox").

``tracking_push`` runs under a per-account lock, in this order:

1. rows left *sending* by a run that died become *unknown* (they may have reached the site);
2. rows of cancelled lines become *cancelled*; *pending* shipments of lines the portal already holds as
   shipped become *unknown* (the site may hold them with this number already);
3. *unknown* rows are read back (LotteON 140) before anything is sent: applied → *confirmed*, still waiting
   → *pending*, shipped with another number → *conflict*, cancelled → *cancelled*;
4. *pending* rows are sent in batches of one kind (one 137 or 139 call per batch), each batch claimed as
   *sending* in its own transaction first, and every line's result stored right after its call, before
   the next call.

A write whose answer is lost is resolved by the adapter (140) before it returns; what even that cannot
settle stays *unknown* and is read again by the next run, never re-sent blindly.

The lease can run out under a run that is still alive (a stalled worker): every row a run sends or reads
back carries the run's lease token (``claim_token``), and a result is stored only while the row is still
held by that token, so a run that lost its lease never overwrites what the run that took over found. The
lease is renewed before every write and after every call to the site; once a renewal fails the run sends
nothing more.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.bulk import changes_update, rows_update
from core.exceptions import ApplicationError
from core.locks import lease_acquire, lease_extend, lease_release
from integrations import registry
from integrations.base import Capability, LineRef
from integrations.errors import ErrorCode, SalesSiteError
from integrations.models import SalesSiteAccount
from integrations.services import KeyUnreadable, account_config, account_key_unreadable
from integrations.shipping import TrackingCorrection, TrackingOutcome, TrackingRequest, TrackingStatus
from orders.models import ON_HOLD, LineStatus, OrderEvent, OrderLine
from orders.services.lifecycle import lines_mark_shipped
from orders.services.store import lines_lock, orders_refresh
from sellers.models import User
from waybills.models import TrackingPush

logger = logging.getLogger("smartship.waybills.push")
State = TrackingPush.State
CANCELLED_BY_BUYER = "Cancelled by the buyer: the tracking number is not pushed."
LOCK_SECONDS = 300
MAX_SENDS_PER_RUN = 2
LEASE_LOST = ("The push lease of this account ran out and another run may have taken over: this run stopped "
              "without sending anything more.")
WAIT_FOR_CONNECTION = "Tracking numbers of this account wait until Test Connection succeeds in Sales Site API."


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


class _Lease:
    """A run's hold on its account's lease. Once a renewal fails it stays lost: another run may own the
    account's rows now, so this one must not write to the site again."""

    def __init__(self, *, name: str, token: str, ttl: timedelta) -> None:
        self.name, self.token, self.ttl = name, token, ttl
        self.lost = False

    def renew(self) -> bool:
        if not self.lost and not lease_extend(name=self.name, token=self.token, ttl=self.ttl):
            self.lost = True
        return not self.lost


def _renewing(on_call: Callable | None, lease: _Lease) -> Callable:
    """The adapter's per-call hook, renewing the lease too: one batch (a write, then 140 read-backs per day
    and order with retries) can outlast the lease, and a live run must not look dead."""

    def record(call) -> None:
        if on_call is not None:
            on_call(call)
        lease.renew()

    return record


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
    blocked: bool = False  # nothing sent: the account's connection failed (401/403) and was not fixed yet
    not_supported: str = ""  # the site's name when it takes no tracking numbers (nothing is ever sent)
    lease_lost: bool = False
    error: str = ""
    calls: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.skipped:
            return f"account {self.account_id}: skipped (another push of this account is running)"
        if self.blocked:
            return f"account {self.account_id}: not sent ({self.error})"
        if self.not_supported:
            closed = f"; {self.cancelled} waiting number(s) closed" if self.cancelled else ""
            return (f"account {self.account_id}: nothing to push ({self.not_supported} does not take tracking "
                    f"numbers from SmartShip{closed})")
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
    try:
        site = registry.get(account.site)
    except registry.UnknownSalesSite:
        stats.blocked = True
        stats.error = (f"the sales site {account.site!r} is not registered in SmartShip; its tracking numbers wait "
                       "until it is")
        return stats
    if not site.supports(Capability.TRACKING_PUSH):
        # The site takes no tracking numbers from SmartShip: the adapter is never asked (it has no push).
        stats.not_supported = site.name
        stats.cancelled += _settle_not_pushed(account=account, site_name=site.name)
        return stats
    if not account.is_active:
        # Deactivated: the seller asked SmartShip to leave this account alone (no syncs, no stock writes). A
        # number printed meanwhile is sent once the account is activated again (the sweep lists it then).
        stats.blocked = True
        stats.error = "the account is deactivated; its tracking numbers wait until it is activated"
        return stats
    if account.connection_status == SalesSiteAccount.ConnectionStatus.FAILED:
        # The site refused this account's key or this server (401/403): the same write would fail the same
        # way, and repeated failing writes can get the server's IP blocked (API.md §4). A successful Test
        # Connection (or a new key) clears the status and the sweep sends the rows then.
        stats.blocked = True
        stats.error = f"the connection to the sales site failed; {WAIT_FOR_CONNECTION}"
        return stats
    ttl = timedelta(seconds=getattr(settings, "SMARTSHIP_PUSH_LOCK_SECONDS", LOCK_SECONDS))
    token = lease_acquire(name=lease_name(account_id), ttl=ttl)
    if token is None:
        stats.skipped = True
        return stats
    lease = _Lease(name=lease_name(account_id), token=token, ttl=ttl)
    try:
        try:
            config = account_config(account)
        except KeyUnreadable as exc:
            # Nothing is sent: the rows keep waiting. The account's connection becomes failed with the reason, so
            # the next runs stop at the check above without reading the key, until the seller re-enters the key
            # (or the key reads again and rotate_encryption_keys or a Test Connection clears the status).
            account_key_unreadable(account, during="tracking push")
            stats.blocked = True
            stats.error = f"{exc.message} {WAIT_FOR_CONNECTION}"
            return stats
        adapter = registry.adapter_for(account.site, replace(config, on_call=_renewing(config.on_call, lease)))
        try:
            _run(account=account, adapter=adapter, stats=stats, lease=lease)
        finally:
            adapter.close()
    finally:
        lease_release(name=lease_name(account_id), token=token)
    return stats


@transaction.atomic
def _settle_not_pushed(*, account: SalesSiteAccount, site_name: str) -> int:
    """Rows of an account whose site takes no tracking numbers (none are created for such a site; these are
    left from before it lost TRACKING_PUSH) are closed, never sent: their lines count as shipped here, and
    the seller enters the number at the site. Returns how many rows were closed."""
    rows = list(TrackingPush.objects.select_for_update().filter(account=account, state__in=TrackingPush.OPEN_STATES)
                .only("pk", "line_id", "kind"))
    if not rows:
        return 0
    TrackingPush.objects.filter(pk__in=[r.pk for r in rows]).update(
        state=State.CANCELLED, claim_token="", last_code="not_supported", updated_at=timezone.now(),
        last_message=f"Not pushed: {site_name} does not take tracking numbers from SmartShip; enter it at "
        f"{site_name}."[:500])
    lines_mark_shipped(seller_id=account.seller_id, line_ids=[r.line_id for r in rows],
                       message=f"Shipped (not pushed: {site_name} does not take tracking numbers from SmartShip; "
                       f"enter the tracking number at {site_name})")
    return len(rows)


def _stop_lease_lost(*, account: SalesSiteAccount, stats: PushStats) -> None:
    stats.lease_lost = True
    stats.error = LEASE_LOST
    logger.warning("tracking push of account %s stopped: its lease ran out", account.pk)


def _run(*, account: SalesSiteAccount, adapter, stats: PushStats, lease: _Lease) -> None:
    rows = TrackingPush.objects.filter(account=account)
    now = timezone.now()
    # 1. We hold the lease: a row still "sending" belongs to a run that died mid-call. Not if it was claimed
    # less than a lease TTL ago, though: its run renewed the lease when claiming, so it lost the lease some
    # other way (clocks, a stall) and its write may still be on its way; read back now, the site would say
    # "not applied yet" and the row would be sent twice. That run stores the answer itself, or the next run
    # reads the row back once the claim is older.
    rows.filter(state=State.SENDING).filter(Q(sent_at__isnull=True) | Q(sent_at__lt=now - lease.ttl)).update(
        state=State.UNKNOWN, claim_token="", updated_at=now,
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

    # 3. Read back what is unknown, under this run's claim (a run that takes over re-claims the rows).
    rows.filter(state=State.UNKNOWN).update(claim_token=lease.token)
    unknown = list(rows.filter(state=State.UNKNOWN, claim_token=lease.token).select_related("line", "order")
                   .order_by("pk"))
    for i in range(0, len(unknown), batch_size):
        if not lease.renew():
            _stop_lease_lost(account=account, stats=stats)
            return
        batch = unknown[i : i + batch_size]
        outcomes = _resolve(adapter, batch)
        stats.calls.append(f"read back {len(batch)}")
        _store(account=account, pushes=batch, outcomes=outcomes, stats=stats, resolving=True, token=lease.token)

    # 4. Send what is pending, batch by batch. A row read back as "not applied" after a lost answer may be
    # sent once more in the same run; after that it waits for the next run (no tight loop on a broken site).
    sent_in_run: dict[int, int] = defaultdict(int)
    while True:
        batch = _claim(account=account, size=batch_size, lease=lease,
                       exclude=[pk for pk, times in sent_in_run.items() if times >= MAX_SENDS_PER_RUN])
        if batch is None:
            _stop_lease_lost(account=account, stats=stats)
            return
        if not batch:
            break
        for push in batch:
            sent_in_run[push.pk] += 1
        # One call per batch: when a second call of the same batch was refused (429, 401, ...), the rows
        # of an applied first call would go back to pending with it and be sent again.
        kind = batch[0].kind
        try:
            if kind == TrackingPush.Kind.SHIP:
                stats.calls.append(f"ship {len(batch)}")
                outcomes = adapter.push_tracking([_request(p) for p in batch])
            else:
                stats.calls.append(f"correct {len(batch)}")
                outcomes = adapter.correct_tracking([_correction(p) for p in batch])
        except SalesSiteError as exc:
            # Refused as a whole before anything was applied (401/403/429/unreachable): back to waiting.
            refused = exc.code in (ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN)
            _release(batch, token=lease.token, code=str(exc.code),
                     message=f"{exc.message} {WAIT_FOR_CONNECTION}" if refused else exc.message)
            stats.waiting += len(batch)
            stats.error = exc.message
            logger.warning("tracking push of account %s stopped: %s", account.pk, exc.message)
            if refused:
                SalesSiteAccount.objects.filter(pk=account.pk).update(
                    connection_status=SalesSiteAccount.ConnectionStatus.FAILED, connection_message=exc.message,
                    connection_checked_at=timezone.now())
            break
        except Exception:
            # A fault of ours mid-call: the site may have applied it, so read back before resending.
            TrackingPush.objects.filter(pk__in=[p.pk for p in batch], state=State.SENDING,
                                        claim_token=lease.token).update(
                state=State.UNKNOWN, claim_token="", last_code="internal", updated_at=timezone.now(),
                last_message="An internal error interrupted the push; the line is read back before resending.")
            raise
        stats.sent += len(batch)
        _store(account=account, pushes=batch, outcomes=outcomes, stats=stats, resolving=False, token=lease.token)


@transaction.atomic
def _claim(*, account: SalesSiteAccount, size: int, exclude: list[int], lease: _Lease) -> list[TrackingPush] | None:
    """Mark the next batch of pending rows of one kind as being sent (their attempt counted, this run's
    token on them) right before the call; ``None`` when the lease could not be renewed."""
    # Renewed in the claim's transaction: the lease has a full TTL when the write starts, and no other run
    # can take it between the renewal and the claim.
    if not lease.renew():
        return None
    # A line the buyer asked to cancel waits here, unsent, until the seller answers (docs/orders.md): its
    # number may have been queued before the request arrived, e.g. an invoice printed a moment earlier.
    pending = TrackingPush.objects.filter(account=account, state=State.PENDING).exclude(pk__in=exclude).exclude(
        line__in=OrderLine.objects.filter(ON_HOLD))
    kind = pending.order_by("pk").values_list("kind", flat=True).first()
    if kind is None:
        return []
    ids = list(pending.select_for_update().filter(kind=kind).order_by("pk").values_list("pk", flat=True)[:size])
    now = timezone.now()
    TrackingPush.objects.filter(pk__in=ids, state=State.PENDING).update(
        state=State.SENDING, claim_token=lease.token, attempts=F("attempts") + 1, sent_at=now, updated_at=now)
    return list(TrackingPush.objects.filter(pk__in=ids, state=State.SENDING, claim_token=lease.token)
                .select_related("line", "order").order_by("pk"))


def _release(batch: list[TrackingPush], *, token: str, code: str, message: str) -> None:
    TrackingPush.objects.filter(pk__in=[p.pk for p in batch], state=State.SENDING, claim_token=token).update(
        state=State.PENDING, claim_token="", last_code=code[:40], last_message=message[:500],
        updated_at=timezone.now())


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
           stats: PushStats, resolving: bool, token: str) -> None:
    """Keep each line's result (a batch of rows per statement at most: core.bulk.changes_update), one shipped move
    for the confirmed lines, one attention flag per failing order. Only rows this run still holds (state and token
    unchanged) are touched: another run may have taken them over after this run's lease ran out."""
    held_state = State.UNKNOWN if resolving else State.SENDING
    # The lines before their outbox rows: a confirmed row marks its line shipped, and the sync storing a
    # cancellation of that line holds the line and then closes its open rows (docs/orders.md, "Lock order").
    lines_lock(line_ids=[p.line_id for p in pushes])
    held = TrackingPush.objects.filter(pk__in=[p.pk for p in pushes], state=held_state, claim_token=token)
    held_ids = set(held.select_for_update().values_list("pk", flat=True))
    if len(held_ids) < len(pushes):
        logger.warning("tracking push of account %s: %d row(s) were taken over by another run; their answer is "
                       "left to it", account.pk, len(pushes) - len(held_ids))
    pushes = [p for p in pushes if p.pk in held_ids]
    by_ref: dict[LineRef, TrackingPush] = {_ref(p): p for p in pushes}
    now = timezone.now()
    groups: dict[tuple, list[TrackingPush]] = defaultdict(list)
    for outcome in outcomes:
        push = by_ref.get(outcome.ref)
        if push is None:
            continue
        state = NEXT_STATE[outcome.status]
        message = outcome.message
        code = outcome.code
        if state == State.CANCELLED:
            # The same code as a cancellation the sync stored first (waybills.hooks): Tracking push failures lists
            # both under "Not pushed: cancelled by the buyer" (pushes_not_pushed_recent).
            code, message = "cancelled", CANCELLED_BY_BUYER
        elif state == State.PENDING and resolving:
            message = "Read back: not applied at the sales site yet; sent again."
        elif state == State.CONFIRMED:
            message = ""
        groups[(state, code[:40], message[:500], outcome.site_status_code, outcome.site_tracking_no)].append(
            push)
    confirmed: list[TrackingPush] = []
    failing: set[int] = set()  # orders with a line the site refused
    changes: dict[int, dict] = {}
    for (state, code, message, site_code, site_no), group in groups.items():
        update = {"state": state, "claim_token": "", "last_code": code, "last_message": message}
        if site_code:
            update["site_status_code"] = site_code
        if site_no:
            update["site_tracking_no"] = site_no[:30]
        if state == State.CONFIRMED:
            update["confirmed_at"] = now
            confirmed.extend(group)
        changes.update((p.pk, update) for p in group)
        counter = {State.CONFIRMED: "confirmed", State.FAILED: "failed", State.CONFLICT: "conflicts",
                   State.CANCELLED: "cancelled", State.UNKNOWN: "unknown", State.PENDING: "waiting"}[state]
        if not (state == State.PENDING and resolving):
            setattr(stats, counter, getattr(stats, counter) + len(group))
        if state in (State.FAILED, State.CONFLICT):
            failing.update(push.order_id for push in group)
    # LotteON's refusal names the line's product (spdNo/sitmNo): one UPDATE per message would be one per line. These
    # rows are the ones locked above as still held by this run.
    changes_update(TrackingPush, changes=changes, constants={"updated_at": now})

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
    # The Orders list's "Needs attention" tab and the order page's banner show it (waybills.hooks.order_attention)
    # until the push is retried, corrected or dismissed, or the order ships.
    orders_refresh(order_ids=failing)


# --- What people do with failures -------------------------------------------------------------------

def _seller_pushes(*, seller_id: int, push_ids: Iterable[int]) -> list[TrackingPush]:
    ids = list(push_ids)
    # Their lines first, as _store does (Dismiss marks a line shipped; the sync may be cancelling it).
    lines_lock(line_ids=TrackingPush.objects.filter(seller_id=seller_id, pk__in=ids).values_list("line_id", flat=True))
    pushes = list(TrackingPush.objects.select_for_update(of=("self",)).filter(seller_id=seller_id, pk__in=ids)
                  .select_related("line", "order"))
    if len(pushes) != len(set(ids)):
        raise ApplicationError("Some of these tracking pushes were not found.", code="not_found")
    return pushes


class RetryResult(NamedTuple):
    retried: int  # put back in the outbox
    not_sent: int  # failed, but their lines are on hold (cancellation requested) or cancelled


def _since_drawn(pushes: list[TrackingPush]) -> str:
    """What became of pushes a page still showed as failed: someone else acted on them meanwhile."""
    dismissed = sum(1 for p in pushes if p.state == State.CANCELLED and p.last_code == "dismissed")
    again = sum(1 for p in pushes if p.state in (State.PENDING, State.SENDING, State.UNKNOWN))
    settled = sum(1 for p in pushes if p.state in (State.CONFIRMED, State.SUPERSEDED))
    parts = [f"{n} {what}" for n, what in ((dismissed, "dismissed"), (again, "already on the way again"),
                                           (settled, "settled")) if n]
    return f" Since the page was drawn: {', '.join(parts)}." if parts else ""


@transaction.atomic
def pushes_retry(*, seller_id: int, push_ids: Iterable[int], actor: User | None = None) -> RetryResult:
    """Send failed pushes again (after the cause was fixed); lines cancelled since are not sent. The counts are
    taken under the rows' locks: a push another request retried a moment ago is in neither."""
    pushes = _seller_pushes(seller_id=seller_id, push_ids=push_ids)
    refused = [p for p in pushes if p.state == State.FAILED]
    failed = [p for p in refused if p.line.status != LineStatus.CANCELLED]
    retry = [p for p in failed if not p.line.on_hold]
    if failed and not retry:
        raise ApplicationError("The buyer asked to cancel these lines: they are on hold until the seller approves or "
                               "rejects the request at the sales site.", code="cancel_requested")
    if not retry:
        raise ApplicationError("None of the selected pushes failed, so there is nothing to retry."
                               + _since_drawn(pushes), code="nothing_to_retry")
    TrackingPush.objects.filter(pk__in=[p.pk for p in retry]).update(
        state=State.PENDING, updated_at=timezone.now(), last_code="",
        last_message=f"Retry requested{f' by {actor.username}' if actor else ''}.")
    push_enqueue(account_ids=[p.account_id for p in retry])
    return RetryResult(retried=len(retry), not_sent=len(refused) - len(retry))


@transaction.atomic
def pushes_correct(*, seller_id: int, push_ids: Iterable[int], actor: User | None = None) -> list[TrackingPush]:
    """Lines the site holds with another number: replace that number with ours (139). All of them or none; the
    corrections, one per push, in the order of ``push_ids``."""
    ids = list(push_ids)
    pushes = _in_order(_seller_pushes(seller_id=seller_id, push_ids=ids), ids)
    if any(push.state != State.CONFLICT or not push.site_tracking_no for push in pushes):
        raise ApplicationError("Only a push whose line is shipped with another number can be corrected.",
                               code="not_a_conflict")
    TrackingPush.objects.filter(pk__in=[push.pk for push in pushes]).update(
        state=State.SUPERSEDED, updated_at=timezone.now(), last_message="Replaced by a correction.")
    corrections = [TrackingPush(
        seller_id=seller_id, account_id=push.account_id, order_id=push.order_id, line_id=push.line_id,
        waybill_id=push.waybill_id, kind=TrackingPush.Kind.CORRECT, origin=TrackingPush.Origin.CORRECTION,
        courier_code=push.courier_code, tracking_no=push.tracking_no, previous_tracking_no=push.site_tracking_no,
        created_by=actor) for push in pushes]
    try:
        TrackingPush.objects.bulk_create(corrections, batch_size=500)
    except IntegrityError:
        raise ApplicationError("Another tracking number for this line is already on its way.", code="busy") from None
    push_enqueue(account_ids=[push.account_id for push in pushes])
    return corrections


def push_correct(*, seller_id: int, push_id: int, actor: User | None = None) -> TrackingPush:
    """One push of ``pushes_correct``."""
    (correction,) = pushes_correct(seller_id=seller_id, push_ids=[push_id], actor=actor)
    return correction


@transaction.atomic
def pushes_dismiss(*, seller_id: int, push_ids: Iterable[int], actor: User | None = None) -> list[TrackingPush]:
    """Keep the number the site holds (shipped otherwise): stop pushing ours; the lines count as shipped. All of
    them or none; the pushes as they were, in the order of ``push_ids``."""
    ids = list(push_ids)
    pushes = _in_order(_seller_pushes(seller_id=seller_id, push_ids=ids), ids)
    for push in pushes:
        # A row whose account was deleted (before deleting waited for its numbers) has no one to send or read it back.
        orphaned = push.account_id is None and push.state in TrackingPush.OPEN_STATES
        if push.state not in (State.CONFLICT, State.FAILED) and not orphaned:
            raise ApplicationError("Only a failed push or one shipped with another number can be dismissed.",
                                   code="not_dismissable")
    by = f" by {actor.username}" if actor else ""
    # The message names the number each line keeps: one statement per batch of rows, not one per row.
    rows_update(TrackingPush, ids=[push.pk for push in pushes], values={"last_message": {
        push.pk: f"Dismissed{by}" + (f": the sales site keeps {push.site_tracking_no}." if push.site_tracking_no
                                     else ".") for push in pushes}},
        constants={"state": State.CANCELLED, "updated_at": timezone.now(), "last_code": "dismissed"})
    conflicts = {push.line_id: f"Shipped with the number the sales site holds ({push.site_tracking_no})"
                 for push in pushes if push.state == State.CONFLICT}
    if conflicts:
        lines_mark_shipped(seller_id=seller_id, line_ids=list(conflicts), actor=actor, line_messages=conflicts)
    return pushes


def push_dismiss(*, seller_id: int, push_id: int, actor: User | None = None) -> TrackingPush:
    """One push of ``pushes_dismiss``."""
    (push,) = pushes_dismiss(seller_id=seller_id, push_ids=[push_id], actor=actor)
    return push


def _in_order(pushes: list[TrackingPush], push_ids: Iterable[int]) -> list[TrackingPush]:
    by_pk = {push.pk: push for push in pushes}
    return [by_pk[pk] for pk in dict.fromkeys(push_ids)]


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
