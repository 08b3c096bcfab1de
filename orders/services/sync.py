"""The order sync of one account: pull windows, store, apply cancellations, confirm. Resumable and locked."""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from datetime import time as dt_time
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.conflicts import is_write_conflict
from core.locks import lease_acquire, lease_extend, lease_release
from integrations import registry
from integrations.base import Capability, PulledCancellation, PullWindow, SalesSite
from integrations.errors import ErrorCode, SalesSiteError
from integrations.models import SalesSiteAccount, SyncRun
from integrations.services import (
    KEY_UNREADABLE,
    KeyUnreadable,
    account_config,
    account_connection_after_work,
    account_key_unreadable,
)
from orders.models import ConfirmState, LineStatus, Order, OrderLine
from orders.services.confirm import AUTO_CONFIRM_ATTEMPTS, confirm_outcomes_store, confirm_requests
from orders.services.sites import site_confirms, site_name, site_supports
from orders.services.store import cancellations_apply, cancelled_quantities, lines_store

logger = logging.getLogger("smartship.orders.sync")
KST = ZoneInfo("Asia/Seoul")  # the sales sites' calendar days


def lease_name(account_id: int) -> str:
    return f"orders-sync:{account_id}"


# --- Runs ----------------------------------------------------------------------------------------

def sync_request(*, account: SalesSiteAccount, trigger: str = SyncRun.Trigger.MANUAL) -> SyncRun:
    """Queue a sync (Sync now, or the schedule): one queued or running run per account at a time."""
    from orders.tasks import sync_account

    with transaction.atomic():
        # Beat and Sync now can ask at the same instant: the account's row lock makes the second one see the
        # first one's queued run instead of queueing another (SQLite's IMMEDIATE transactions already do).
        SalesSiteAccount.objects.select_for_update().filter(pk=account.pk).values_list("pk", flat=True).first()
        pending = account.sync_runs.filter(status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING]).first()
        if pending is not None and not _stale(pending):
            return pending
        if pending is not None and pending.status == SyncRun.Status.QUEUED:
            SyncRun.objects.filter(pk=pending.pk).update(
                status=SyncRun.Status.FAILED, finished_at=timezone.now(), error_code="not_started",
                error_message=f"No worker started this sync within {_task_expiry() // 60} minutes (is the worker "
                              "running? see the Dashboard), so it was dropped; a new sync was queued.")
        elif pending is not None:
            SyncRun.objects.filter(pk=pending.pk).update(
                status=SyncRun.Status.FAILED, finished_at=timezone.now(), error_code="lost",
                error_message="The worker running this sync stopped before it finished; a new sync was queued.")
        run = SyncRun.objects.create(seller_id=account.seller_id, account=account, trigger=trigger)
        transaction.on_commit(lambda: sync_account.apply_async((run.pk,), expires=_task_expiry()))
    return run


def _task_expiry() -> int:
    """Seconds a queued sync task may wait for a worker; past them the broker drops it unrun."""
    return settings.SMARTSHIP_ORDER_SYNC_SECONDS * 2


def _stale(run: SyncRun) -> bool:
    """A run that will not end by itself: queued past its task's expiry (the task was dropped unrun, e.g. the
    worker was down), or running past the lock (its worker died)."""
    if run.status == SyncRun.Status.QUEUED:
        return timezone.now() - run.queued_at > timedelta(seconds=_task_expiry())
    limit = timedelta(seconds=max(settings.SMARTSHIP_ORDER_SYNC_SECONDS * 3, settings.SMARTSHIP_SYNC_LOCK_SECONDS))
    return timezone.now() - (run.started_at or run.queued_at) > limit


def accounts_due() -> list[SalesSiteAccount]:
    return [account for account in SalesSiteAccount.objects.filter(
        is_active=True, auto_order_integration=True).select_related("seller")
        if site_supports(account.site, Capability.ORDER_INTEGRATION)]


def _range(account: SalesSiteAccount, now: datetime) -> tuple[datetime, datetime]:
    if account.orders_synced_until is None:
        start = now - timedelta(days=settings.SMARTSHIP_ORDER_LOOKBACK_DAYS)
    else:
        # Lines can surface late in a window already read; read the last hours again every time.
        start = min(account.orders_synced_until, now) - timedelta(hours=settings.SMARTSHIP_ORDER_RESCAN_HOURS)
    return start, now


def _days(start: datetime, end: datetime) -> int:
    return (timezone.localtime(end).date() - timezone.localtime(start).date()).days + 1


def _windows_expected(site: SalesSite, start: datetime, end: datetime) -> int:
    """How many windows the site's pull of ``[start, end)`` should yield, as the site declares it (LotteON:
    one per day). Only an estimate for the progress bar: the sync counts the windows that actually come."""
    if site.pull_window_days <= 0:
        return 1
    return -(-_days(start, end) // site.pull_window_days)


def auto_confirms(account: SalesSiteAccount) -> bool:
    """The sync confirms New lines: the option is on and the site has a confirmation step at all."""
    return account.auto_order_confirmation and site_confirms(account.site)


def _no_cancellations() -> Future:
    """The cancellation search of a site without one: nothing to apply, already answered."""
    future: Future = Future()
    future.set_result([])
    return future


def _waiting_days(account: SalesSiteAccount, start: datetime, now: datetime) -> list[tuple[datetime, datetime]]:
    """Days before the sync's range that hold lines still waiting for Automatic Order Confirmation: a
    210 refused, lost or never sent late in an earlier sync, after the cursor had moved past their day.
    Reading such a day again gives each line's live state (confirmed by a lost answer or another tool,
    cancelled, still New) and sends 210 for those still New; a line is given up after
    ``AUTO_CONFIRM_ATTEMPTS`` answered attempts or once it is older than the first sync's look-back."""
    if not auto_confirms(account):
        return []
    instructed = OrderLine.objects.filter(
        seller_id=account.seller_id, status=LineStatus.NEW,
        confirm_state__in=[ConfirmState.PENDING, ConfirmState.FAILED, ConfirmState.UNKNOWN],
        confirm_attempts__lt=AUTO_CONFIRM_ATTEMPTS, order__account=account, order__source=Order.Source.PULLED,
        order__instructed_at__lt=start,
        order__instructed_at__gte=now - timedelta(days=settings.SMARTSHIP_ORDER_LOOKBACK_DAYS),
    ).values_list("order__instructed_at", flat=True).distinct()
    days = sorted({timezone.localtime(at, KST).date() for at in instructed})
    return [(datetime.combine(day, dt_time.min, tzinfo=KST), datetime.combine(day + timedelta(days=1), dt_time.min,
                                                                            tzinfo=KST)) for day in days]


def orders_sync(*, account_id: int, run_id: int | None = None, trigger: str = SyncRun.Trigger.COMMAND) -> SyncRun:
    """Run one sync of an account now (the Celery task and `manage.py sync_orders` both call this)."""
    account = SalesSiteAccount.objects.select_related("seller").get(pk=account_id)
    run = SyncRun.objects.get(pk=run_id) if run_id else SyncRun.objects.create(
        seller_id=account.seller_id, account=account, trigger=trigger)
    if not site_supports(account.site, Capability.ORDER_INTEGRATION):
        run.status, run.finished_at = SyncRun.Status.SKIPPED, timezone.now()
        run.error_message = f"{site_name(account.site)} does not offer order integration: there is nothing to sync."
        run.save()
        return run
    ttl = timedelta(seconds=settings.SMARTSHIP_SYNC_LOCK_SECONDS)
    token = lease_acquire(name=lease_name(account.pk), ttl=ttl)
    if token is None:
        run.status, run.finished_at = SyncRun.Status.SKIPPED, timezone.now()
        run.error_message = "Another sync of this account was running; this one did nothing."
        run.save()
        return run
    try:
        _run(account=account, run=run, token=token, ttl=ttl)
    finally:
        lease_release(name=lease_name(account.pk), token=token)
    return run


def _save(run: SyncRun, *fields: str) -> None:
    SyncRun.objects.filter(pk=run.pk).update(**{name: getattr(run, name) for name in fields})


class _BufferedCalls:
    """Call records collected on any thread and written to the call log from the sync's own thread.

    The read-ahead thread must not touch the database: it would open a second connection that can
    neither see nor wait for the sync's transaction.
    """

    def __init__(self, write: Callable[[Any], None] | None) -> None:
        self._write = write
        self._records: deque = deque()

    def __call__(self, record: Any) -> None:
        self._records.append(record)

    def flush(self) -> None:
        with transaction.atomic(savepoint=False):  # one commit for the lot, not one per call
            while self._records:
                record = self._records.popleft()
                if self._write is not None:
                    self._write(record)


LIMITED_IN_A_ROW = 3  # syncs in a row stopped by the site's rate limit: no longer passing, a problem to look at


def _rate_limited(*, account: SalesSiteAccount, run: SyncRun, exc: SalesSiteError) -> None:
    """A 429 whose wait is longer than the client sits out (or the client's own limiter) stopped the sync. Nothing
    was lost: the days stored are kept and no further write went out. Alone it is the site asking to slow down,
    not something the seller must act on, so the run ends *Stopped: requests limited* and the connection *Site
    limiting requests*; the next sync resumes. ``LIMITED_IN_A_ROW`` such syncs in a row mean orders are not
    arriving: that run is *Failed* and says so."""
    name = site_name(account.site)
    earlier = (SyncRun.objects.filter(account=account, finished_at__isnull=False).exclude(pk=run.pk)
               .exclude(status=SyncRun.Status.SKIPPED).order_by("-queued_at", "-id")
               .values_list("error_code", flat=True)[:LIMITED_IN_A_ROW - 1])
    in_a_row = 1
    for code in earlier:
        if code != ErrorCode.RATE_LIMITED:
            break
        in_a_row += 1
    wait = getattr(exc, "retry_after", None)
    asked = f", asking to wait {wait:.0f} s" if wait else ""
    if in_a_row >= LIMITED_IN_A_ROW:
        run.status = SyncRun.Status.FAILED
        run.error_message = (
            f"{name} has limited requests on {in_a_row} order syncs in a row{asked}: new orders are not arriving. "
            f"Another program using the same API Key may be using up the calls {name} allows per minute: check the "
            "programs connected to this key, or report it to support if it lasts.")
    else:
        run.status = SyncRun.Status.LIMITED
        if account.is_active and account.auto_order_integration:
            then = (f"the next scheduled sync (within {max(1, settings.SMARTSHIP_ORDER_SYNC_SECONDS // 60)} "
                    "minutes) resumes from there")
        else:
            then = "press Sync now again in a minute or two to resume from there"
        run.error_message = (f"Stopped: {name} limited requests (too many calls per minute{asked}). Nothing was lost: "
                             f"what this sync stored is kept and {then}. Nothing needs to be done unless this keeps "
                             "happening.")
    # The site answered: the key is not in question (a Failed connection stays so: its writes stay held).
    SalesSiteAccount.objects.filter(pk=account.pk).exclude(
        connection_status=SalesSiteAccount.ConnectionStatus.FAILED).update(
        connection_status=SalesSiteAccount.ConnectionStatus.LIMITED, connection_message=run.error_message,
        connection_checked_at=timezone.now())


_DONE = object()
# Errors after which no further call to the site can succeed within this sync.
REFUSED = (ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN, ErrorCode.ACCOUNT_MISMATCH, ErrorCode.RATE_LIMITED)


def _read_ahead(windows: Iterator[PullWindow]) -> Iterator[PullWindow]:
    """Fetch the next window from the sales site while the current one is being stored.

    A sync is a chain of HTTP waits and database writes; overlapping them saves the smaller of the
    two on every day read. One window ahead at most, so memory stays flat.
    """
    handoff: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for window in windows:
                while not stop.is_set():
                    try:
                        handoff.put(window, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            handoff.put(_DONE)
        except BaseException as exc:  # handed to the sync's thread, which raises it
            handoff.put(exc)

    thread = threading.Thread(target=produce, name="sync-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=30)


class LeaseLost(Exception):
    """The sync's lease expired under it (a very long run): another sync of the account may be running."""

    message = ("This sync ran longer than its lock and stopped so as not to overlap another sync of the account; "
               "the next sync resumes where it stopped.")


class _SkippedCall(Exception):
    """A queued sales-site call not made because an earlier one on the same thread failed."""


class _SiteCalls:
    """Sales-site calls made one after another on a thread of their own, in the order submitted.

    The sync submits the cancellation search and each day's confirmations here, so that they travel
    while the sync's own thread stores the next days. Only HTTP happens on this thread: the results
    come back as futures and are written by the sync's thread (see ``_BufferedCalls`` for why).
    After a call fails, the calls still queued are not made: the API warns that repeated failing
    writes can get the server's IP blocked.
    """

    def __init__(self, adapter: Any) -> None:
        self._adapter = adapter
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-site-calls")
        self._failed = threading.Event()

    def submit(self, call: Callable[[Any], Any]) -> Future:
        def run() -> Any:
            if self._failed.is_set():
                raise _SkippedCall()
            try:
                return call(self._adapter)
            except BaseException:
                self._failed.set()
                raise

        return self._pool.submit(run)

    def stop(self) -> None:
        """Make no more of the queued calls; the one in flight finishes."""
        self._failed.set()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._adapter.close()


class _Confirmations:
    """Each stored day's New lines go to the sales site (210) at once; the answers are written as they come."""

    def __init__(self, *, account: SalesSiteAccount, run: SyncRun, site: _SiteCalls,
                 cancellations: Future) -> None:
        self.account, self.run, self.site, self.cancellations = account, run, site, cancellations
        self._sent: set[int] = set()
        self._in_flight: deque[tuple[list, Future]] = deque()

    def send(self, line_ids: list[int]) -> None:
        line_ids = [pk for pk in line_ids if pk not in self._sent]
        if not line_ids:
            return
        # A line wholly cancelled by completed claims is not confirmed: the sync cancels it after the pull.
        lines, requests = confirm_requests(account=self.account, line_ids=line_ids, automatic=True,
                                           cancelled=cancelled_quantities(self.cancellations.result()))
        self._sent.update(line_ids)
        if lines:
            self._in_flight.append((lines, self.site.submit(lambda adapter: adapter.confirm(requests))))

    def store(self, *, wait: bool) -> int:
        """Write the answers that have arrived (all of them with ``wait``), oldest first; return how many
        batches were written."""
        written = 0
        while self._in_flight and (wait or self._in_flight[0][1].done()):
            lines, future = self._in_flight[0]
            outcomes = future.result()
            self._in_flight.popleft()
            confirmed, failed = confirm_outcomes_store(account=self.account, lines=lines, outcomes=outcomes)
            self.run.lines_confirmed += confirmed
            self.run.lines_failed += failed
            written += 1
        return written

    def salvage(self, *, send_queued: bool) -> None:
        """The sync is failing: keep every answer the site gives to what was already handed over.

        Without this a line confirmed at the site would stay pending here and come back on the next
        sync as if another tool had confirmed it. Queued confirmations still go out after a failed
        read, but not when the key or the IP is refused: those would only fail again.
        """
        if not send_queued:
            self.site.stop()
        for lines, future in self._in_flight:
            # Skipped or failed calls raise here: their lines stay pending and the next sync retries them.
            if future.cancelled() or future.exception() is not None:
                continue
            try:
                confirmed, failed = confirm_outcomes_store(account=self.account, lines=lines, outcomes=future.result())
            except Exception:
                logger.exception("keeping confirmation answers of account %s failed", self.account.pk)
                continue
            self.run.lines_confirmed += confirmed
            self.run.lines_failed += failed
        self._in_flight.clear()


def _run(*, account: SalesSiteAccount, run: SyncRun, token: str, ttl: timedelta) -> None:
    now = timezone.now()
    start, end = _range(account, now)
    sales_site = registry.get(account.site)
    # What the sync asks of the site follows what the site declares (integrations/registry.py): a site
    # without a confirmation step is never sent confirmations, one without a cancellation feed never searched.
    confirming = auto_confirms(account)
    waiting = _waiting_days(account, start, now)
    confirm_step = 1 if confirming else 0  # the wait for the last confirmations counts as one step
    run.status, run.started_at, run.window_start, run.window_end = SyncRun.Status.RUNNING, now, start, end
    run.windows_total = len(waiting) + _windows_expected(sales_site, start, end) + confirm_step
    _save(run, "status", "started_at", "window_start", "window_end", "windows_total")
    try:
        config = account_config(account)
    except KeyUnreadable as exc:
        # Nothing can be sent without the key, and running again cannot help: the run ends here, failed, and the
        # account says what to fix (never a run left "running" that the schedule keeps returning).
        account_key_unreadable(account, during="order sync")
        run.status, run.error_code, run.error_message = SyncRun.Status.FAILED, KEY_UNREADABLE, exc.message
        run.windows_total, run.finished_at = 0, timezone.now()
        _save(run, "status", "error_code", "error_message", "windows_total", "finished_at")
        return
    calls = _BufferedCalls(config.on_call)
    config = replace(config, on_call=calls)
    adapter = registry.adapter_for(account.site, config)
    # A second client for the calls made beside the pull: a session is not shared between threads.
    site = _SiteCalls(registry.adapter_for(account.site, config))
    cancellations: Future = (site.submit(lambda a: a.fetch_cancellations(start=start, end=end))
                             if sales_site.supports(Capability.CANCELLATIONS) else _no_cancellations())
    confirmations = _Confirmations(account=account, run=run, site=site, cancellations=cancellations)
    try:
        windows = chain(*(adapter.fetch_order_lines(start=a, end=b) for a, b in waiting),
                        adapter.fetch_order_lines(start=start, end=end))
        for window in _read_ahead(windows):
            # One commit per day: its call log, its lines and the cursor past them. A crash before it
            # keeps none of the day and the next sync reads it again; after it, the next one resumes.
            with transaction.atomic():
                calls.flush()
                stats = lines_store(account=account, lines=window.lines)
                cursor = min(window.end, end)
                SalesSiteAccount.objects.filter(pk=account.pk).filter(
                    Q(orders_synced_until__isnull=True) | Q(orders_synced_until__lt=cursor)
                ).update(orders_synced_until=cursor)
                if not lease_extend(name=lease_name(account.pk), token=token, ttl=ttl):
                    # This run outlived its lease and another one may have started: stop before writing
                    # more (this day is rolled back; the other run reads it).
                    raise LeaseLost()
                run.lines_seen += stats.seen
                run.lines_new += stats.new
                run.lines_updated += stats.updated
                run.lines_cancelled += stats.cancelled
                run.lines_confirmed_elsewhere += stats.confirmed_elsewhere
                run.windows_done += 1
                # More windows than the site said to expect: the total grows with them.
                run.windows_total = max(run.windows_total, run.windows_done + confirm_step)
                _save(run, "lines_seen", "lines_new", "lines_updated", "lines_cancelled", "lines_confirmed_elsewhere",
                      "windows_done", "windows_total")
            if confirming:
                confirmations.send(stats.to_confirm)
            if confirmations.store(wait=False):
                _save(run, "lines_confirmed", "lines_failed")
        # The pull is over: the total is what came, whatever the site said to expect.
        run.windows_total = run.windows_done + confirm_step
        _save(run, "windows_total")
        pulled_cancellations: list[PulledCancellation] = cancellations.result()
        calls.flush()
        cancelled, run.lines_held = cancellations_apply(account=account, cancellations=pulled_cancellations)
        run.lines_cancelled += cancelled
        confirmations.store(wait=True)
        run.windows_done += confirm_step
        run.status = SyncRun.Status.PARTIAL if run.lines_failed else SyncRun.Status.SUCCEEDED
        now = timezone.now()
        SalesSiteAccount.objects.filter(pk=account.pk).update(last_synced_at=now)
        # Every call of the sync was accepted with this key: the account stops showing "Not tested", and a Failed
        # one's held tracking pushes go again, once its Account Number is known to match the key.
        account_connection_after_work(account_id=account.pk, adapter=adapter, work="the order sync")
        calls.flush()
    except SalesSiteError as exc:
        confirmations.salvage(send_queued=exc.code not in REFUSED)
        run.status, run.error_code, run.error_message = SyncRun.Status.FAILED, str(exc.code), exc.message
        logger.warning("sync of account %s failed: %s (%s)", account.pk, exc.code, exc.message)
        if exc.code == ErrorCode.RATE_LIMITED:
            _rate_limited(account=account, run=run, exc=exc)
        if exc.code in (ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN, ErrorCode.ACCOUNT_MISMATCH):
            # Retrying cannot help until the seller fixes the key or the IP list: show it on the account.
            SalesSiteAccount.objects.filter(pk=account.pk).update(
                connection_status=SalesSiteAccount.ConnectionStatus.FAILED,
                connection_message=exc.message, connection_checked_at=timezone.now())
    except LeaseLost as exc:
        confirmations.salvage(send_queued=False)
        run.status, run.error_code, run.error_message = SyncRun.Status.FAILED, "lease_lost", exc.message
        logger.warning("sync of account %s stopped: its lease expired", account.pk)
    except Exception as exc:
        confirmations.salvage(send_queued=False)
        if is_write_conflict(exc):
            # PostgreSQL stopped the day's transaction in a deadlock with a warehouse or seller action on the
            # same orders: that day is rolled back whole and the cursor did not move past it.
            run.status, run.error_code = SyncRun.Status.FAILED, "busy"
            run.error_message = ("Stopped by a change to the same orders made at that moment (the warehouse or "
                                 "the seller); nothing of the day being stored was kept. The next sync reads it again.")
            logger.warning("sync of account %s stopped by a conflicting transaction: %s", account.pk,
                           str(exc).splitlines()[0])
            return
        run.status, run.error_code = SyncRun.Status.FAILED, "internal"
        run.error_message = f"Unexpected error: {exc.__class__.__name__}. The operator has the details in the log."
        logger.exception("sync of account %s crashed", account.pk)
        raise
    finally:
        site.close()
        calls.flush()
        adapter.close()
        run.finished_at = timezone.now()
        _save(run, "status", "finished_at", "error_code", "error_message", "lines_cancelled", "lines_held",
              "lines_confirmed", "lines_failed", "windows_done")
