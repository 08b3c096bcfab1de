"""Automatic Stock Qty Sync: push each linked option's available quantity to its sales site.

How it fits together (docs/inventory.md, "Automatic Stock Qty Sync"):

- Every stock change (``inventory.services.stock.movements_book``) calls ``stock_sync_mark`` in its own
  transaction: the ``StockPush`` row of each linked option at each account with the option on becomes
  *dirty*, and a push of those accounts is queued after commit. A lost task loses nothing: the rows stay
  dirty, and the periodic full sync pushes whatever differs anyway.
- ``stock_sync`` runs one account under a per-account lock: it claims the dirty rows (a full sync: every
  linked row) *before* reading the stock figures, so a change committed meanwhile marks its row dirty
  again and is pushed by the next pass; it pushes ``max(0, on hand − reserved)`` only where that differs
  from the last quantity the site accepted, ``SMARTSHIP_STOCK_PUSH_BATCH`` rows per call (LotteON 86),
  stores every row's result right after its call, then puts back on sale (LotteON 111 SALE) the options
  the site took off sale at stock 0 once they have stock again.
- The site's own state (LotteON 94, once per product) is read only where it matters: the first push of
  an option with stock (was it sold out at 0 before SmartShip managed it?), a restock from 0 (still sold
  out because of stock, or stopped by the seller since? only the former is put back on sale), an
  option the site refused whose reason is not known yet (stock not managed, option gone), and, in a full
  sync, options not read for a day (a quantity changed at the store center is pushed over: ``_recheck``).
- Faults (docs/inventory.md, "Faults"): a write is never trusted before its answer is stored. The row
  forgets what the site holds (``pushed_quantity``, ``site_checked_at``) before its 86 goes out and again
  when the answer is lost, so the next push reads the site back (94) first: a lost 86 with 0 that LotteON
  applied (sold out by stock) is then followed by 111 SALE after a restock, and a lost write that applied
  is not sent again. A claimed row carries the run's id (``claimed_by``) until the run ends, so a worker
  killed after its claim leaves the row to the next run. The lock is renewed before and after every write:
  a run that lost it (it outlived it and another run took over) stops without writing again.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from core.bulk import rows_update
from core.exceptions import RELOAD_LIST, ApplicationError
from core.locks import lease_acquire, lease_extend, lease_release
from integrations import registry
from integrations.base import Capability
from integrations.catalog import SiteStockState, StockItemRef, StockPushOutcome, StockPushRequest
from integrations.errors import ErrorCode, SalesSiteError
from integrations.models import SalesSiteAccount
from integrations.services import KEY_UNREADABLE, KeyUnreadable, account_config, account_key_unreadable
from inventory.models import LinkStatus, SiteOptionLink, StockPush, StockSyncRun
from inventory.services.mapping import chunked
from sellers.models import Seller, User

logger = logging.getLogger("smartship.inventory.stock_sync")
State = StockPush.State
Trigger = StockSyncRun.Trigger
LOCK_SECONDS = 600
LEASE_LOST = "lease_lost"
MAX_PASSES = 5  # a run looks again for rows marked while it pushed, at most this many times
NOT_MANAGED = ("{site} does not manage stock for this option (the product was registered with stock management "
               "off; LotteON shows 999999999): SmartShip does not push its stock. Turn stock management on at "
               "{site}, then retry.")
PUSH_FIELDS = ("site_product_id", "site_option_id", "state", "pushed_quantity", "pushed_at", "attempted_quantity",
               "site_checked_at", "site_status", "stock_managed", "sold_out_by_stock", "resume_sale", "code",
               "message", "failures", "failed_at", "lost_at")


# --- Marking (inside the transaction that changed the stock) --------------------------------------

def stock_sync_mark(*, option_ids: Iterable[int]) -> set[int]:
    """Mark the linked options of accounts with Automatic Stock Qty Sync on as waiting, and queue a push
    of those accounts after commit; return the account ids. Three or four queries per 500 options."""
    accounts: set[int] = set()
    now = timezone.now()
    for ids in chunked(sorted(set(option_ids)), 500):
        links = SiteOptionLink.objects.filter(option_id__in=ids, status=LinkStatus.LINKED, account__is_active=True,
                                              account__auto_stock_sync=True)
        found = set(links.values_list("account_id", flat=True).distinct())
        if not found:
            continue
        accounts |= found
        # A link's first change creates its row (dirty); then every row of these links is marked. In that
        # order, a row another transaction inserted at the same moment is marked too.
        StockPush.objects.bulk_create(
            [StockPush(link_id=pk, seller_id=seller_id, account_id=account_id, option_id=option_id,
                       site_product_id=product, site_option_id=option, dirty=True)
             for pk, seller_id, account_id, option_id, product, option in links.filter(stock_push__isnull=True)
             .values_list("pk", "seller_id", "account_id", "option_id", "site_product_id", "site_option_id")],
            ignore_conflicts=True, batch_size=500)
        StockPush.objects.filter(link__in=links).update(dirty=True, updated_at=now)
    stock_push_enqueue(account_ids=accounts, trigger=Trigger.CHANGE)
    return accounts


def stock_push_enqueue(*, account_ids: Iterable[int], trigger: str = Trigger.CHANGE, full: bool = False) -> None:
    """After commit, queue one push per account. A broker that cannot be reached loses nothing: the rows
    stay dirty for the next push or the periodic full sync."""
    ids = sorted({pk for pk in account_ids if pk})
    if not ids:
        return

    def send() -> None:
        from inventory.tasks import sync_stock_account

        for pk in ids:
            try:
                sync_stock_account.apply_async((pk,), {"full": full, "trigger": str(trigger)}, expires=LOCK_SECONDS)
            except Exception:
                logger.exception("could not queue the stock push of account %s; the full sync will send it", pk)

    transaction.on_commit(send)


# --- Requests from people --------------------------------------------------------------------------

def stock_accounts(*, seller: Seller) -> list[SalesSiteAccount]:
    """The seller's accounts on sales sites that can take stock (whether the option is on or not)."""
    accounts = []
    for account in SalesSiteAccount.objects.filter(seller=seller).order_by("site", "shop_id"):
        try:
            site = registry.get(account.site)
        except registry.UnknownSalesSite:
            continue
        if site.supports(Capability.STOCK_SYNC):
            accounts.append(account)
    return accounts


def stock_sync_request(*, seller: Seller, account_id: int | None = None, actor: User | None = None) -> list[int]:
    """Sync stock now (a full sync) for one of the seller's accounts, or all with the option on."""
    accounts = [a for a in stock_accounts(seller=seller) if account_id is None or a.pk == account_id]
    if account_id is not None and not accounts:
        if SalesSiteAccount.objects.filter(seller=seller, pk=account_id).exists():
            raise ApplicationError("This account's sales site does not take stock quantities from SmartShip.",
                                   code="not_supported")
        raise ApplicationError("No such sales-site account.", code="not_found")
    ready = [a.pk for a in accounts if a.is_active and a.auto_stock_sync]
    if not ready:
        raise ApplicationError("Automatic Stock Qty Sync is off: turn it on in Sales Site API ▸ the account's "
                               "settings, then sync.", code="stock_sync_off")
    with transaction.atomic():
        stock_push_enqueue(account_ids=ready, trigger=Trigger.MANUAL, full=True)
    return ready


@transaction.atomic
def stock_pushes_retry(*, seller: Seller, push_ids: Sequence[int] | None = None, actor: User | None = None) -> int:
    """Send refused (or skipped) options again: the site's state is read afresh (the seller may have fixed
    it there) and the current quantity pushed. Without ids: every refused option of the seller."""
    rows = StockPush.objects.filter(seller=seller, state__in=[State.FAILED, State.SKIPPED])
    if push_ids is not None:
        rows = rows.filter(pk__in=list(push_ids))
    found = list(rows.values_list("pk", "account_id"))
    if push_ids is not None and len(found) != len(set(push_ids)):
        # Refused no more (a double click, a retry that went through) is not the same as unknown.
        if StockPush.objects.filter(seller=seller, pk__in=list(push_ids)).count() == len(set(push_ids)):
            raise ApplicationError("Some of these stock pushes are not refused any more: nothing to retry for "
                                   f"them. {RELOAD_LIST.capitalize()}.", code="nothing_to_retry")
        raise ApplicationError("Some of these stock pushes were not found.", code="not_found")
    ids = [pk for pk, _ in found]
    for batch in chunked(ids):
        StockPush.objects.filter(pk__in=batch).update(
            dirty=True, state=State.PENDING, site_checked_at=None, stock_managed=True, updated_at=timezone.now(),
            message="Retry requested")
    stock_push_enqueue(account_ids={account for _, account in found}, trigger=Trigger.RETRY)
    return len(ids)


# --- The per-account lock ----------------------------------------------------------------------------

def lease_name(account_id: int) -> str:
    return f"stock-sync:{account_id}"


# --- The run ----------------------------------------------------------------------------------------

class _LeaseLost(Exception):
    """This run outlived its lock and another run of the account took it: it must not write to the site
    again, or an older figure could land after the newer run's."""


@dataclass
class _Hold:
    name: str
    token: str
    ttl: timedelta

    def renew(self) -> None:
        if not lease_extend(name=self.name, token=self.token, ttl=self.ttl):
            raise _LeaseLost


@dataclass(eq=False)
class _Item:
    push: StockPush
    quantity: int  # what the site should hold now: max(0, on hand − reserved)
    code: str  # the option SKU's Seller defined code, for messages
    link_ok: bool
    changed: bool = False  # a field to write
    lost: bool = False  # the site's answer was lost: mark the row again

    @property
    def ref(self) -> StockItemRef:
        return StockItemRef(self.push.site_product_id, self.push.site_option_id)


@dataclass
class _Pass:
    items: list[_Item] = field(default_factory=list)
    settled: set[int] = field(default_factory=set)  # push ids whose result is stored
    lost: set[int] = field(default_factory=set)  # push ids whose answer was lost: marked again after the run
    settling: set[int] = field(default_factory=set)  # push ids whose lost write may still land: left alone


def stock_sync(*, account_id: int, full: bool = False, trigger: str = Trigger.COMMAND) -> StockSyncRun:
    """Push the account's changed quantities now (the Celery task and ``manage.py sync_stock`` call this).

    ``full``: look at every linked option, not only those marked since the last run.
    """
    account = SalesSiteAccount.objects.select_related("seller").filter(pk=account_id).first()
    if account is None:  # deleted after its push was queued: nothing is linked to it any more
        return StockSyncRun(trigger=trigger, full=full, status=StockSyncRun.Status.SKIPPED,
                            error_message=f"No sales-site account {account_id} (deleted): nothing was pushed.")
    run = StockSyncRun(seller_id=account.seller_id, account=account, trigger=trigger, full=full)
    if not account.is_active or not account.auto_stock_sync:
        return _finish(run, StockSyncRun.Status.SKIPPED, message="Automatic Stock Qty Sync is off for this account "
                       "(or the account is inactive): nothing was pushed.")
    try:
        site = registry.get(account.site)
    except registry.UnknownSalesSite:
        return _finish(run, StockSyncRun.Status.SKIPPED, message=f"Unknown sales site {account.site}.")
    if not site.supports(Capability.STOCK_SYNC):
        return _finish(run, StockSyncRun.Status.SKIPPED, message=f"{site.name} does not take stock from SmartShip.")
    if account.connection_status == SalesSiteAccount.ConnectionStatus.FAILED:
        # The site refused this account's key or this server (401/403): every 86 would fail the same way, and
        # repeated failing writes can get the server's IP blocked (API.md §4). The changes stay marked; the
        # order sync (which reads) or Test Connection sets the status back, and the next push sends them.
        message = (f"The connection to {site.name} failed ({account.connection_message or 'key or server refused'}): "
                   "stock waits until Test Connection succeeds in Sales Site API, then the changes are pushed.")
        if trigger == Trigger.CHANGE:
            run.status, run.error_message = StockSyncRun.Status.SKIPPED, message  # no row per stock change
            return run
        return _finish(run, StockSyncRun.Status.SKIPPED, message=message)
    ttl = timedelta(seconds=getattr(settings, "SMARTSHIP_STOCK_LOCK_SECONDS", LOCK_SECONDS))
    token = lease_acquire(name=lease_name(account.pk), ttl=ttl)
    if token is None:
        message = "Another stock push of this account was running; it looks for new changes before it stops, so nothing waits."
        if trigger == Trigger.CHANGE:
            # Queued by a stock change while a push ran: that push takes the change, and a row saying so for
            # every change (nine per first order sync, one per stored day) only buried the pushes that worked.
            run.status, run.error_message = StockSyncRun.Status.SKIPPED, message
            return run
        return _finish(run, StockSyncRun.Status.SKIPPED, message=message)
    # This run holds the lock now, so a run of the account still shown running is one whose worker died (killed,
    # restarted) before it could say how it ended; the rows it left are taken by this run (``_claim``). A run
    # that is alive after all (it outlived the lock) writes its own ending over this when it stops.
    StockSyncRun.objects.filter(account=account, status=StockSyncRun.Status.RUNNING).update(
        status=StockSyncRun.Status.FAILED, finished_at=timezone.now(), error_code="lost",
        error_message="This push stopped before it finished (its worker was stopped or restarted). The next push "
        "took over what it left.")
    run.save()
    try:
        _run(account=account, site_name=site.name, run=run, full=full, hold=_Hold(lease_name(account.pk), token, ttl))
    finally:
        lease_release(name=lease_name(account.pk), token=token)
    settle = timedelta(seconds=settings.SMARTSHIP_STOCK_SETTLE_SECONDS)
    last_lost = StockPush.objects.filter(account=account, dirty=True, lost_at__gt=timezone.now() - settle).aggregate(
        last=Max("lost_at"))["last"]
    if last_lost is not None:
        _queue_after_settling(account_id=account.pk, at=last_lost + settle)
    # Not after a failure or a lost answer: what they leave dirty would be sent into the same fault at once,
    # again and again; the next change or the periodic full sync tries it. Refused options are not dirty.
    again = (run.status in (StockSyncRun.Status.SUCCEEDED, StockSyncRun.Status.PARTIAL, StockSyncRun.Status.UNSETTLED)
             and not run.error_code or run.error_code == LEASE_LOST)
    if again and StockPush.objects.filter(account=account, dirty=True).exclude(
            lost_at__gt=timezone.now() - settle).exists():
        # A change committed after this push last looked, while it still held the lock: that change's own
        # push found the lock taken and stopped. One more push takes it now, not the next full sync (also
        # when some options were refused). A run that lost its lock hands what it left to whoever runs
        # next the same way.
        stock_push_enqueue(account_ids=[account.pk], trigger=Trigger.CHANGE)
    return run


def _queue_after_settling(*, account_id: int, at: datetime) -> None:
    """One push of the account when the options whose write was lost may be read back (the task's own retries,
    a minute apart and three at most, may all fall before that). Queued once per account and moment."""
    countdown = max(1, math.ceil((at - timezone.now()).total_seconds()))
    if not cache.add(f"stock-settle:{account_id}", True, timeout=countdown):
        return  # queued already, by the run that lost the answer or by another that found it settling

    def send() -> None:
        from inventory.tasks import sync_stock_account

        try:
            sync_stock_account.apply_async((account_id,), {"trigger": str(Trigger.CHANGE)}, countdown=countdown,
                                           expires=countdown + LOCK_SECONDS)
        except Exception:
            logger.exception("could not queue the stock push of account %s; the full sync will send it", account_id)

    transaction.on_commit(send)


def _finish(run: StockSyncRun, status: str, *, message: str = "", code: str = "") -> StockSyncRun:
    run.status, run.finished_at = status, timezone.now()
    run.error_message, run.error_code = message[:500], code[:40]
    run.save()
    return run


def _run(*, account: SalesSiteAccount, site_name: str, run: StockSyncRun, full: bool, hold: _Hold) -> None:
    try:
        config = account_config(account)
    except KeyUnreadable as exc:
        # Before anything is claimed: the marked quantities stay waiting for the push after the key is fixed.
        # Not a transient code, so the task does not retry it.
        account_key_unreadable(account, during="stock push")
        _finish(run, StockSyncRun.Status.FAILED, code=KEY_UNREADABLE,
                message=f"{exc.message} The quantities not sent yet wait for the next push.")
        return
    adapter = registry.adapter_for(account.site, config)
    batch_size = max(1, min(settings.SMARTSHIP_STOCK_PUSH_BATCH, getattr(adapter, "stock_batch_size", 100)))
    current: _Pass | None = None
    lost: set[int] = set()
    settling: set[int] = set()
    try:
        for number in range(MAX_PASSES):
            current = _Pass(items=_claim(account=account, run=run, full=full and number == 0))
            if not current.items:
                break
            _push(adapter=adapter, run=run, items=current, batch_size=batch_size, site_name=site_name, hold=hold,
                  full=full and number == 0)
            lost |= current.lost
            settling |= current.settling
            current = None
            hold.renew()
            if not StockPush.objects.filter(account=account, dirty=True).exists():
                break
        _close(account=account, run=run, ids=lost | settling)
        _finish_pushed(run, site_name=site_name, lost=lost, settling=settling)
    except _LeaseLost:
        logger.warning("stock push of account %s outlived its lock; another push took over", account.pk)
        _close(account=account, run=run, ids=_unsettled(current) | lost | settling)
        _finish(run, StockSyncRun.Status.FAILED, code=LEASE_LOST,
                message=f"This push ran longer than its lock ({int(hold.ttl.total_seconds())} s) and another push "
                f"of the account took over: it stopped without sending anything more to {site_name}. What it "
                "had not finished waits for the next push.")
    except SalesSiteError as exc:
        logger.warning("stock push of account %s failed: %s (%s)", account.pk, exc.code, exc.message)
        _close(account=account, run=run, ids=_unsettled(current) | lost | settling)
        if exc.code in (ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN, ErrorCode.ACCOUNT_MISMATCH):
            SalesSiteAccount.objects.filter(pk=account.pk).update(
                connection_status=SalesSiteAccount.ConnectionStatus.FAILED,
                connection_message=exc.message, connection_checked_at=timezone.now())
        if exc.code == ErrorCode.RATE_LIMITED:
            _finish(run, StockSyncRun.Status.LIMITED, code=str(exc.code),
                    message=f"Stopped: {site_name} limited requests (too many calls per minute). Nothing was lost: "
                    "the quantities not sent yet go with the next push, in a minute.")
        else:
            _finish(run, StockSyncRun.Status.FAILED, code=str(exc.code),
                    message=f"{exc.message} The quantities not sent yet wait for the next push.")
    except Exception as exc:
        _close(account=account, run=run, ids=_unsettled(current) | lost | settling)
        logger.exception("stock push of account %s crashed", account.pk)
        _finish(run, StockSyncRun.Status.FAILED, code="internal",
                message=f"Unexpected error: {exc.__class__.__name__}. The operator has the details in the log.")
        raise
    finally:
        adapter.close()


def _finish_pushed(run: StockSyncRun, *, site_name: str, lost: set[int], settling: set[int]) -> None:
    """End a run that went through. *Finished with refusals* only when the site refused something; options whose
    state at the site is not known (an answer lost now, or a lost write of an earlier run that may still land) make
    it *Waiting for a read-back*, never *Succeeded*: those changes have not been seen to arrive."""
    run.waiting = len(lost | settling)
    status = StockSyncRun.Status.PARTIAL if run.failed else (
        StockSyncRun.Status.UNSETTLED if run.waiting else StockSyncRun.Status.SUCCEEDED)
    notes = []
    if lost:
        # Not sent again by this run (it may have applied): the next push reads the site back first.
        notes.append(f"{site_name}'s answer was lost for {len(lost)} option(s); the next push reads them back from "
                     f"{site_name} and sends what is still needed.")
    if settling - lost:
        until = StockPush.objects.filter(pk__in=list(settling - lost)).aggregate(last=Max("lost_at"))["last"]
        when = (f" until {timezone.localtime(until + timedelta(seconds=settings.SMARTSHIP_STOCK_SETTLE_SECONDS)):%H:%M:%S}"
                if until else "")
        notes.append(f"Nothing was sent for {len(settling - lost)} option(s): an earlier push to them got no answer "
                     f"and may still land at {site_name}, so they are left alone{when}, then read back and sent if "
                     "still needed.")
    _finish(run, status, code=str(ErrorCode.OUTCOME_UNKNOWN) if lost else "", message=" ".join(notes))


def _unsettled(current: _Pass | None) -> set[int]:
    """The rows of a pass stopped part way that wait for the next push: not settled, or answer lost."""
    if current is None:
        return set()
    return ({item.push.pk for item in current.items if item.push.pk not in current.settled} | current.lost
            | current.settling)


def _close(*, account: SalesSiteAccount, run: StockSyncRun, ids: set[int]) -> None:
    """Mark the rows left to the next push, then let go of this run's claims. In that order: a row is
    never without both marks, whatever stops the worker in between."""
    for batch in chunked(sorted(ids)):
        StockPush.objects.filter(pk__in=batch).update(dirty=True)
    StockPush.objects.filter(account=account, claimed_by=run.pk).update(claimed_by=None)


def _claim(*, account: SalesSiteAccount, run: StockSyncRun, full: bool) -> list[_Item]:
    """Take the rows to look at (dirty ones, or all for a full sync), clearing ``dirty`` *before* the stock
    figures are read: a change committed after this marks its row again and is pushed by the next pass.
    Rows still claimed by another run are taken as if dirty: that run holds the lock no more (this one
    does), so it died or lost the lock before it stored them."""
    # Links linked since the last run (learned from an order, found by Check LotteON link) get their row.
    new_links = list(SiteOptionLink.objects.filter(account=account, status=LinkStatus.LINKED, stock_push__isnull=True)
                     .values_list("pk", "seller_id", "option_id", "site_product_id", "site_option_id"))
    StockPush.objects.bulk_create(
        [StockPush(link_id=pk, seller_id=seller_id, account=account, option_id=option_id, site_product_id=product,
                   site_option_id=option, dirty=True) for pk, seller_id, option_id, product, option in new_links],
        ignore_conflicts=True, batch_size=500)
    rows = StockPush.objects.filter(account=account)
    waiting = Q(dirty=True) | (Q(claimed_by__isnull=False) & ~Q(claimed_by=run.pk))
    if full:
        rows.filter(waiting).update(dirty=False, claimed_by=run.pk)
        ids = list(rows.values_list("pk", flat=True))
    else:
        ids = list(rows.filter(waiting).values_list("pk", flat=True))
        for batch in chunked(ids):
            StockPush.objects.filter(pk__in=batch).update(dirty=False, claimed_by=run.pk)
    items: list[_Item] = []
    for batch in chunked(ids):
        for push in (StockPush.objects.filter(pk__in=batch).select_related("link", "option")
                     .only(*PUSH_FIELDS, "updated_at", "link__status", "link__site_product_id", "link__site_option_id",
                           "option__on_hand", "option__reserved", "option__code", "account_id", "option_id",
                           "seller_id", "link_id")):
            push.dirty = False
            link = push.link
            link_ok = link.status == LinkStatus.LINKED and bool(link.site_product_id and link.site_option_id)
            moved = link_ok and (push.site_product_id, push.site_option_id) != (link.site_product_id,
                                                                               link.site_option_id)
            if moved:
                # The link now names another option at the site: what we knew belongs to the old one.
                push.site_product_id, push.site_option_id = link.site_product_id, link.site_option_id
                push.pushed_quantity = push.pushed_at = push.site_checked_at = None
                push.stock_managed, push.sold_out_by_stock, push.resume_sale = True, False, False
                push.site_status = ""
            items.append(_Item(push=push, quantity=max(0, push.option.on_hand - push.option.reserved),
                               code=push.option.code, link_ok=link_ok, changed=moved))
    return items


def _push(*, adapter, run: StockSyncRun, items: _Pass, batch_size: int, site_name: str, hold: _Hold,
          full: bool = False) -> None:
    now = timezone.now()
    run.checked += len(items.items)
    to_send: list[_Item] = []
    in_line: list[_Item] = []  # the site should hold our figure already
    settle = timedelta(seconds=settings.SMARTSHIP_STOCK_SETTLE_SECONDS)
    for item in items.items:
        push = item.push
        if push.lost_at is not None:
            if now - push.lost_at < settle:
                # Its lost write may still land at the site: read back now, the site could show the figure from
                # before it, and a late 86 would then overwrite what this run sends. Marked again after the run,
                # which queues the push that reads it back once the time is up (stock_sync).
                items.settling.add(push.pk)
                continue
            _set(item, lost_at=None)
        if not item.link_ok:
            if push.state != State.SKIPPED or push.code != "not_linked":
                _set(item, state=State.SKIPPED, code="not_linked",
                     message=f"Not linked to a {site_name} option any more: nothing is pushed.")
        elif not push.stock_managed:
            if push.state != State.SKIPPED:
                _set(item, state=State.SKIPPED, code="stock_not_managed", message=NOT_MANAGED.format(site=site_name))
            run.skipped += 1
        elif push.pushed_quantity != item.quantity or (push.resume_sale and item.quantity > 0):
            to_send.append(item)
        else:
            in_line.append(item)
            if push.state != State.SYNCED:
                _set(item, state=State.SYNCED, code="", message=f"{site_name} already has {item.quantity}.")
    checked: set[int] = set()  # read just now: not read again before the write
    if full:
        again, checked = _recheck(adapter=adapter, run=run, items=in_line, site_name=site_name, now=now, hold=hold)
        to_send += again
    sending = {i.push.pk for i in to_send}
    _store([i for i in items.items if i.push.pk not in sending], items, now)

    # Read the site's state where it decides what to do (see the module docstring). Not known includes a
    # write whose answer never came back: what the site holds then is read, not guessed.
    to_read = [i for i in to_send if i.push.pk not in checked and (i.push.site_checked_at is None or (
        i.quantity > 0 and (i.push.pushed_quantity == 0 or i.push.resume_sale)))]
    if to_read:
        settled = _learn(adapter=adapter, run=run, items=to_read, site_name=site_name, now=now)
        hold.renew()  # what was read may be older than what a run that took over the lock stored since
        _store(settled, items, now)
        run.skipped += sum(1 for i in settled if not i.push.stock_managed)
        run.failed += sum(1 for i in settled if i.push.stock_managed)
        gone = {i.push.pk for i in settled}
        to_send = [i for i in to_send if i.push.pk not in gone]

    not_sent: set[int] = set()  # refused or lost in this run: no sale-status change for them
    stock = [i for i in to_send if i.push.pushed_quantity != i.quantity]
    for start in range(0, len(stock), batch_size):
        batch = stock[start:start + batch_size]
        outcomes = _write(batch, run=run, hold=hold, forget=True, send=lambda b=batch: adapter.push_stock(
            [StockPushRequest(i.push.site_product_id, i.push.site_option_id, i.quantity) for i in b]))
        run.calls += 1
        refused, unread = _apply_stock(batch, outcomes, run=run, site_name=site_name)
        not_sent.update(refused)
        if unread:
            # Why did the site refuse? Read those options (stock not managed, option gone).
            _learn(adapter=adapter, run=run, items=unread, site_name=site_name, now=timezone.now(),
                   after_refusal=True)
            hold.renew()
            moved = sum(1 for i in unread if not i.push.stock_managed)
            run.skipped += moved
            run.failed -= moved
        _store(batch, items, timezone.now())

    resume = [i for i in to_send if i.push.pk not in not_sent and i.push.resume_sale
              and i.push.pushed_quantity == i.quantity and i.quantity > 0]
    for start in range(0, len(resume), batch_size):
        batch = resume[start:start + batch_size]
        # Their 86 is stored, but the 111 is still owed: until its answer is stored they are unsettled, so a
        # 111 refused as a whole (429, 401, ...) or a lost lock marks them again for the push that retries.
        items.settled.difference_update(i.push.pk for i in batch)
        outcomes = _write(batch, run=run, hold=hold, forget=False,
                          send=lambda b=batch: adapter.resume_sale([i.ref for i in b]))
        run.calls += 1
        _apply_resume(batch, outcomes, run=run, site_name=site_name)
        _store(batch, items, timezone.now())
    # What was learned of the rows that needed no write after all (the site had the figure already, or is
    # on sale already, or was stopped by the seller).
    _store([i for i in to_send if i.push.pk not in items.settled], items, timezone.now())
    StockSyncRun.objects.filter(pk=run.pk).update(checked=run.checked, pushed=run.pushed, failed=run.failed,
                                                  skipped=run.skipped, resumed=run.resumed, calls=run.calls)


def _recheck(*, adapter, run: StockSyncRun, items: list[_Item], site_name: str, now: datetime,
             hold: _Hold) -> tuple[list[_Item], set[int]]:
    """A full sync reads back the options whose site state is the oldest (none read for
    ``SMARTSHIP_STOCK_RECHECK_HOURS``, or for Sync stock now none read in this run; at most ``SMARTSHIP_STOCK_RECHECK_PRODUCTS`` products, one call each):
    a quantity changed at the site by hand (the store center, another tool) is put back in line with the
    warehouse, instead of waiting for the warehouse figure to move. Returns the options to push again and
    the ids of those read."""
    # Sync stock now is pressed when the seller doubts what LotteON shows: every option not read in this run
    # is due, the oldest first, within the same per-run limit.
    if run.trigger == Trigger.MANUAL:
        before = run.started_at or now
    else:
        before = now - timedelta(hours=settings.SMARTSHIP_STOCK_RECHECK_HOURS)
    due = sorted((i for i in items if i.push.site_checked_at is None or i.push.site_checked_at < before),
                 key=lambda i: (i.push.site_checked_at is not None, i.push.site_checked_at or now, i.push.pk))
    products: set[str] = set()
    for item in due:
        if len(products) >= settings.SMARTSHIP_STOCK_RECHECK_PRODUCTS:
            break
        products.add(item.push.site_product_id)
    due = [i for i in due if i.push.site_product_id in products]
    if not due:
        return [], set()
    held = {i.push.pk: i.push.pushed_quantity for i in due}
    settled = _learn(adapter=adapter, run=run, items=due, site_name=site_name, now=now, recheck=True)
    hold.renew()
    run.skipped += sum(1 for i in settled if not i.push.stock_managed)
    run.failed += sum(1 for i in settled if i.push.stock_managed)
    gone = {i.push.pk for i in settled}
    drifted = [i for i in due if i.push.pk not in gone and i.push.pushed_quantity != held[i.push.pk]]
    if drifted:
        logger.info("stock of %s options of account %s was changed at %s; pushing the warehouse's figure again",
                    len(drifted), run.account_id, site_name)
    again = [i for i in due if i.push.pk not in gone and (
        i.push.pushed_quantity != i.quantity or (i.push.resume_sale and i.quantity > 0))]
    return again, {i.push.pk for i in due}


def _write(batch: list[_Item], *, run: StockSyncRun, hold: _Hold, forget: bool,
           send: Callable[[], list[StockPushOutcome]]) -> list[StockPushOutcome]:
    """One write call to the site, made only while this run holds the lock.

    Before an 86 the rows forget what the site holds: if the worker dies before the answer is stored,
    the next run reads the site back instead of trusting a figure the site may no longer have (e.g. an
    86 with 0 that made LotteON sell the option out). Every row written carries this run's claim, so the
    next run takes it again. A lock lost during the call leaves the rows forgotten (a newer run may have
    stored its result meanwhile, and this write may have landed after its write)."""
    hold.renew()
    changes: dict = {"claimed_by": run.pk}
    if forget:
        # lost_at too: a worker killed during the call, or a run taking over a run that outlived its lock, finds
        # the write possibly still on its way; a stored answer clears it (the rows' own value in memory).
        changes.update(pushed_quantity=None, site_checked_at=None, lost_at=timezone.now())
    for ids in chunked([i.push.pk for i in batch]):
        StockPush.objects.filter(pk__in=ids).update(**changes)
    try:
        outcomes = send()
    except SalesSiteError:
        # The adapter raises only errors that applied nothing: what the rows knew still holds.
        if forget:
            _write_rows([i.push for i in batch], timezone.now())
        raise
    try:
        hold.renew()
    except _LeaseLost:
        if forget:
            for ids in chunked([i.push.pk for i in batch]):
                StockPush.objects.filter(pk__in=ids).update(pushed_quantity=None, site_checked_at=None)
        raise
    return outcomes


def _set(item: _Item, **values) -> None:
    item.changed = True
    for name, value in values.items():
        setattr(item.push, name, value[:500] if name == "message" and isinstance(value, str) else value)


def _store(batch: list[_Item], items: _Pass, now: datetime) -> None:
    """Write the rows whose result changed, in one UPDATE per 500 rows: a field with the same value on every
    row is set once, the others per row with CASE (``core/bulk.py``). ``dirty`` is never written here:
    a change committed while this run pushed has set it again, and it must stay set; rows whose answer was
    lost are marked again after the run."""
    _write_rows([item.push for item in batch if item.changed], now)
    items.lost.update(i.push.pk for i in batch if i.lost)
    for i in batch:
        i.changed = False
    items.settled.update(i.push.pk for i in batch)


def _write_rows(pushes: list[StockPush], now: datetime) -> None:
    if not pushes:
        return
    constants: dict = {"updated_at": now}
    values: dict = {}
    for name in PUSH_FIELDS:
        distinct = {getattr(push, name) for push in pushes}
        if len(distinct) == 1:
            constants[name] = distinct.pop()
        else:
            values[name] = {push.pk: getattr(push, name) for push in pushes}
    rows_update(StockPush, ids=[push.pk for push in pushes], constants=constants, values=values)


def _learn(*, adapter, run: StockSyncRun, items: list[_Item], site_name: str, now: datetime,
           after_refusal: bool = False, recheck: bool = False) -> list[_Item]:
    """Read the site's state of these options (one call per product) and keep what it says; return the
    options that cannot take stock (not known at the site, stock not managed there). ``recheck``: options
    the site should hold our figure for; what it holds instead becomes the figure to correct."""
    states: dict[StockItemRef, SiteStockState] = {s.ref: s for s in adapter.stock_states([i.ref for i in items])}
    run.calls += len({i.push.site_product_id for i in items})
    settled = []
    for item in items:
        push = item.push
        state = states.get(item.ref)
        if state is None:
            continue
        item.changed = True
        push.site_checked_at = now
        if not state.found:
            if not after_refusal:
                _set(item, state=State.FAILED, code="not_found", attempted_quantity=item.quantity,
                     message=state.message or f"{site_name} does not know this option.",
                     failures=push.failures + 1, failed_at=now)
                settled.append(item)
            continue
        push.site_status = (f"{state.sale_status} ({state.sale_status_reason})" if state.sale_status_reason
                            else state.sale_status)[:20]
        push.stock_managed = state.stock_managed
        push.sold_out_by_stock = state.sold_out_by_stock
        if not state.stock_managed:
            _set(item, state=State.SKIPPED, code="stock_not_managed", message=NOT_MANAGED.format(site=site_name),
                 resume_sale=False)
            settled.append(item)
            continue
        # Only an option sold out because of its stock goes back on sale; on sale already, or stopped by
        # the seller: never touched.
        push.resume_sale = state.sold_out_by_stock and item.quantity > 0
        if recheck and state.stock != push.pushed_quantity:
            push.pushed_quantity = state.stock
            _set(item, message=f"{site_name} held {state.stock} (changed there): the warehouse's "
                               f"{item.quantity} is pushed again.")
        elif not after_refusal and state.stock == item.quantity and push.pushed_quantity != item.quantity:
            # The site holds the figure already (typically a write whose answer was lost had applied):
            # sending it again would only repeat a write.
            push.pushed_quantity = item.quantity
            _set(item, state=State.SYNCED, code="", attempted_quantity=item.quantity, failures=0, failed_at=None,
                 message=f"{site_name} already has {item.quantity}.")
    return settled


def _apply_stock(batch: list[_Item], outcomes: list[StockPushOutcome], *, run: StockSyncRun,
                 site_name: str) -> tuple[set[int], list[_Item]]:
    """Keep each option's result; return the ids not applied, and the options refused for the first time
    in a row (read once from the site to tell why: stock not managed, option gone)."""
    now = timezone.now()
    by_ref = {o.ref: o for o in outcomes}
    not_applied: set[int] = set()
    unread = []
    for item in batch:
        push = item.push
        outcome = by_ref.get(item.ref)
        if outcome is None or outcome.unknown:
            # The answer was lost: the site may hold the new figure (and, at 0, have sold the option out)
            # or the old one. Forgotten, so the next push reads the site back before it writes.
            item.lost = True
            not_applied.add(push.pk)
            _set(item, state=State.PENDING, code="unknown", attempted_quantity=item.quantity, pushed_quantity=None,
                 site_checked_at=None, lost_at=now, message=f"{site_name}'s answer was lost; a push in a minute "
                 f"or two reads the option back from {site_name} and sends what is still needed.")
            continue
        if outcome.ok:
            push.pushed_quantity, push.pushed_at, push.attempted_quantity = item.quantity, now, item.quantity
            push.failures, push.failed_at = 0, None
            if item.quantity == 0:
                if push.site_status in ("", "SALE"):
                    # The site takes a selling option off sale at stock 0 (LotteON SOUT/SOUT_STK).
                    push.sold_out_by_stock, push.site_status = True, "SOUT (SOUT_STK)"
                push.resume_sale = False
                message = f"{site_name} has 0: the option shows sold out."
            else:
                push.resume_sale = push.sold_out_by_stock
                message = f"{site_name} has {item.quantity}."
            _set(item, state=State.SYNCED, code=outcome.code, message=message)
            run.pushed += 1
        else:
            not_applied.add(push.pk)
            _set(item, state=State.FAILED, code=outcome.code or "refused", attempted_quantity=item.quantity,
                 message=f"{site_name} refused {item.quantity}: {outcome.message or outcome.code}",
                 failures=push.failures + 1, failed_at=now)
            run.failed += 1
            if push.failures == 1:
                unread.append(item)  # the first refusal in a row: read the option once to say why
    return not_applied, unread


def _apply_resume(batch: list[_Item], outcomes: list[StockPushOutcome], *, run: StockSyncRun, site_name: str) -> None:
    now = timezone.now()
    by_ref = {o.ref: o for o in outcomes}
    for item in batch:
        push = item.push
        outcome = by_ref.get(item.ref)
        if outcome is None or outcome.unknown:
            item.lost = True  # still owed: the next pass reads the state and sends it if still needed
            continue
        if outcome.ok:
            push.resume_sale, push.sold_out_by_stock, push.site_status = False, False, "SALE"
            _set(item, state=State.SYNCED, message=f"{site_name} has {push.pushed_quantity} and the option is on "
                 "sale again.")
            run.resumed += 1
        else:
            _set(item, state=State.FAILED, code=outcome.code or "refused", failures=push.failures + 1, failed_at=now,
                 message=f"{site_name} has {push.pushed_quantity}, but putting the option back on sale was refused: "
                 f"{outcome.message or outcome.code}")
            run.failed += 1


# --- Beat ----------------------------------------------------------------------------------------------

def stock_accounts_waiting() -> list[int]:
    """Beat's sweep: accounts pushing stock, their connection not failed, with a change marked over a minute ago
    and still not taken by a push (its task was lost, the worker was down, or the connection failed and is back:
    nothing else would send it before the full sync). Refused options are not dirty, so none is re-sent here."""
    before = timezone.now() - timedelta(seconds=60)
    return sorted(set(StockPush.objects.filter(
        dirty=True, claimed_by__isnull=True, updated_at__lt=before, account__is_active=True,
        account__auto_stock_sync=True,
    ).exclude(account__connection_status=SalesSiteAccount.ConnectionStatus.FAILED)
        .values_list("account_id", flat=True).distinct()))


def stock_accounts_due(*, connected_only: bool = True) -> list[int]:
    """The accounts a full sync is for: active, with Automatic Stock Qty Sync on. The periodic one leaves out those
    whose connection failed (each push would only say that stock waits, every half hour; the Stock sync page
    says so once); ``manage.py sync_stock`` lists them with that reason."""
    accounts = SalesSiteAccount.objects.filter(is_active=True, auto_stock_sync=True)
    if connected_only:
        accounts = accounts.exclude(connection_status=SalesSiteAccount.ConnectionStatus.FAILED)
    return list(accounts.values_list("pk", flat=True))
