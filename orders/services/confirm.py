"""Confirming lines at the sales site (LotteON 210): in batches, per-line results kept on the lines."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.bulk import rows_insert
from core.exceptions import ApplicationError
from core.locks import lease_acquire, lease_release
from integrations import registry
from integrations.base import ConfirmRequest, LineOutcome, LineRef
from integrations.errors import SalesSiteError
from integrations.models import SalesSiteAccount
from integrations.services import account_config
from orders.models import ConfirmState, LineStatus, Order, OrderEvent, OrderLine
from orders.services import hooks
from orders.services.sites import site_confirms, site_name
from orders.services.store import orders_refresh
from sellers.models import Seller, User

# The sync sends 210 for a line at most this many times; after that the line waits, flagged, for the
# seller's Confirm: the API warns that the same failing write sent again and again can get the
# server's IP blocked (API.md §4).
AUTO_CONFIRM_ATTEMPTS = 5
# How long Confirm waits for the account's lock: enough for a double click's first request to finish
# (a second or two), short of holding a web worker for a sync, which runs for minutes.
CONFIRM_WAIT_SECONDS = 3


class ConfirmTarget(NamedTuple):
    """A line to confirm, as sending 210 and keeping its answer read it: not the payload, which is most
    of a row, and not a model instance (a large sync confirms thousands of lines)."""

    pk: int
    order_id: int
    ref: LineRef
    quantity: int
    instructed_at: datetime | None
    original_process_seq: str
    claim_no: str
    unanswered: bool  # the last 210 got no answer: read the state before sending again


def confirm_requests(
    *, account: SalesSiteAccount, line_ids: list[int], cancelled: Mapping[LineRef, tuple[int, int]] | None = None,
    automatic: bool = False,
) -> tuple[list[ConfirmTarget], list[ConfirmRequest]]:
    """The lines among these that still need 210 and their requests: New, not confirmed, and not
    wholly cancelled by completed cancellations not yet applied (``cancelled``: line → (cancelled,
    quantity ordered before the claims), as ``store.cancelled_quantities`` gives it). ``automatic``
    (the sync) leaves out lines already sent ``AUTO_CONFIRM_ATTEMPTS`` times."""
    cancelled = cancelled or {}
    # Lines and their orders are read apart, each by primary key: joined, PostgreSQL planned the
    # first sync's query from statistics of still-empty tables and scanned every order of the
    # account once per line (0.5 s for 900 lines).
    candidates = OrderLine.objects.filter(pk__in=line_ids, seller_id=account.seller_id, status=LineStatus.NEW).exclude(
        confirm_state=ConfirmState.CONFIRMED)
    if automatic:
        candidates = candidates.filter(confirm_attempts__lt=AUTO_CONFIRM_ATTEMPTS)
    rows = list(candidates.values_list(
        "id", "order_id", "line_no", "process_seq", "quantity", "original_process_seq", "claim_no", "confirm_state"))
    orders = {
        pk: (order_no, instructed_at) for pk, order_no, instructed_at in Order.objects.filter(
            pk__in={row[1] for row in rows}, account=account).values_list("id", "order_no", "instructed_at")
    }
    lines = []
    for pk, order_id, line_no, process_seq, quantity, original_process_seq, claim_no, state in rows:
        if order_id not in orders:
            continue  # another account's line
        order_no, instructed_at = orders[order_id]
        line = ConfirmTarget(pk, order_id, LineRef(order_no, line_no, process_seq), quantity, instructed_at,
                             original_process_seq, claim_no, state == ConfirmState.UNKNOWN)
        quantity, ordered = cancelled.get(line.ref, (0, 0))
        if quantity < max(line.quantity, ordered):  # not wholly cancelled
            lines.append(line)
    requests = [
        ConfirmRequest(ref=line.ref, instructed_at=line.instructed_at, original_process_seq=line.original_process_seq,
                       claim_no=line.claim_no, read_back_first=line.unanswered)
        for line in lines
    ]
    return lines, requests


class ConfirmCounts(NamedTuple):
    confirmed: int
    failed: int
    sent: int  # lines still to confirm when the call was made; the rest of ``sent`` has no answer yet


def lines_confirm(*, account: SalesSiteAccount, line_ids: list[int], actor: User | None = None) -> ConfirmCounts:
    """Send 210 for these lines of one account. Only New lines are sent."""
    if not site_confirms(account.site):
        raise _not_supported({account.site})
    lines, requests = confirm_requests(account=account, line_ids=line_ids)
    if not lines:
        return ConfirmCounts(0, 0, 0)
    adapter = registry.adapter_for(account.site, account_config(account))
    try:
        outcomes = adapter.confirm(requests)
    finally:
        adapter.close()
    confirmed, failed = confirm_outcomes_store(account=account, lines=lines, outcomes=outcomes, actor=actor)
    return ConfirmCounts(confirmed, failed, len(lines))


@transaction.atomic
def confirm_outcomes_store(
    *, account: SalesSiteAccount, lines: list[ConfirmTarget], outcomes: list[LineOutcome], actor: User | None = None
) -> tuple[int, int]:
    """Keep each line's result. Lines with the same result share one UPDATE (a batch is usually all
    confirmed), and the timeline gets one event per order."""
    by_ref = {line.ref: line for line in lines}
    now = timezone.now()
    succeeded: dict[str, list[ConfirmTarget]] = defaultdict(list)  # by the site's new status code
    failed: dict[tuple[str, str], list[ConfirmTarget]] = defaultdict(list)  # by (error, code)
    unanswered: dict[str, list[ConfirmTarget]] = defaultdict(list)  # by message
    for outcome in outcomes:
        line = by_ref.get(outcome.ref)
        if line is None:
            continue
        if outcome.unknown:
            # Nobody knows yet whether it took: the next sync, or Confirm, reads the live state first.
            unanswered[(outcome.message or "no answer from the sales site")[:500]].append(line)
            continue
        if outcome.ok:
            succeeded[outcome.site_status_code].append(line)
        else:
            error = (outcome.message or outcome.code or "rejected by the sales site")[:500]
            failed[(error, outcome.code)].append(line)

    touched = OrderLine.objects.filter(seller_id=account.seller_id)
    for status_code, group in succeeded.items():
        update = {"confirm_state": ConfirmState.CONFIRMED, "confirm_error": "", "confirmed_at": now,
                  "status": LineStatus.CONFIRMED, "confirm_attempts": F("confirm_attempts") + 1, "updated_at": now}
        if status_code:
            update["site_status_code"] = status_code
        touched.filter(pk__in=[line.pk for line in group]).update(**update)
    for (error, _code), group in failed.items():
        touched.filter(pk__in=[line.pk for line in group]).update(
            confirm_state=ConfirmState.FAILED, confirm_error=error,
            confirm_attempts=F("confirm_attempts") + 1, updated_at=now)
    for error, group in unanswered.items():
        touched.filter(pk__in=[line.pk for line in group]).update(
            confirm_state=ConfirmState.UNKNOWN, confirm_error=error, updated_at=now)

    events = []
    for kind, groups in ((OrderEvent.Kind.CONFIRMED, succeeded.values()),
                         (OrderEvent.Kind.CONFIRM_FAILED, failed.values())):
        per_order: dict[int, list[ConfirmTarget]] = defaultdict(list)
        for group in groups:
            for line in group:
                per_order[line.order_id].append(line)
        for order_lines in per_order.values():
            numbers = ", ".join(line.ref.line_no for line in order_lines)
            if kind == OrderEvent.Kind.CONFIRMED:
                message = f"Confirmed at the sales site: line {numbers}"
            else:
                message = f"Confirmation failed for line {numbers}: {_error_of(order_lines[0], failed)}"
            events.append((order_lines[0].order_id, account.seller_id, actor.pk if actor else None, kind, message[:500]))
    rows_insert(OrderEvent, ("order_id", "seller_id", "actor_id", "kind", "message"), events)
    orders_refresh(order_ids={line.order_id for groups in (succeeded, failed, unanswered)
                              for group in groups.values() for line in group})
    hooks.lines_confirmed(seller_id=account.seller_id,
                          line_ids=[line.pk for group in succeeded.values() for line in group])
    return sum(map(len, succeeded.values())), sum(map(len, failed.values()))


def _error_of(line: ConfirmTarget, failed: dict[tuple[str, str], list[ConfirmTarget]]) -> str:
    return next(error for (error, _), group in failed.items() if line in group)


def orders_confirm(*, seller: Seller, order_ids: list[int], actor: User | None = None) -> tuple[int, int]:
    """The seller confirms selected orders by hand (Automatic Order Confirmation off). Orders of a site
    without a confirmation step are left out: they need none."""
    known = set(Order.objects.filter(seller=seller, pk__in=order_ids).values_list("pk", flat=True))
    if missing := sorted(set(order_ids) - known):
        # Another seller's order, or none: the same answer as any unknown id (404 in the API).
        raise ApplicationError(f"Nothing was confirmed: order {', '.join(map(str, missing[:10]))} was not found.",
                               code="not_found", extra={"orders": missing})
    lines_by_account: dict[int, list[int]] = defaultdict(list)
    for line_id, account_id, site in OrderLine.objects.filter(
        seller=seller, order_id__in=order_ids, status=LineStatus.NEW, order__source=Order.Source.PULLED,
        order__account__isnull=False,
    ).values_list("id", "order__account_id", "order__site"):
        if site_confirms(site):
            lines_by_account[account_id].append(line_id)
    if not lines_by_account:
        unconfirmable = {
            site for site in Order.objects.filter(seller=seller, pk__in=order_ids, source=Order.Source.PULLED)
            .values_list("site", flat=True).distinct() if not site_confirms(site)
        }
        if unconfirmable:
            raise _not_supported(unconfirmable)
        raise ApplicationError("None of the selected orders has a New line to confirm.", code="nothing_to_confirm")
    totals = [0, 0, 0]
    for account in SalesSiteAccount.objects.filter(seller=seller, pk__in=lines_by_account):
        # The account's sync lease: a double click, or a sync confirming the same lines, would send 210
        # twice. The second comes after the first is stored, finds the lines no longer New and sends nothing.
        token = _account_lease(account)
        try:
            counts = lines_confirm(account=account, line_ids=lines_by_account[account.pk], actor=actor)
        except SalesSiteError as exc:
            raise ApplicationError(exc.message, code=str(exc.code)) from exc
        finally:
            lease_release(name=_lease_name(account.pk), token=token)
        totals = [total + count for total, count in zip(totals, counts, strict=True)]
    if not totals[2]:
        # All were confirmed while this request waited for the one before it (another person, a double click,
        # the sync): not "no answer from the site", which (0 confirmed, 0 failed) of lines sent means.
        raise ApplicationError("The selected orders were confirmed a moment ago (by someone else or by the sync): "
                               "nothing was sent again.", code="nothing_to_confirm")
    return totals[0], totals[1]


def _not_supported(sites: set[str]) -> ApplicationError:
    names = " and ".join(sorted(site_name(site) for site in sites))
    has, its = ("have", "their") if len(sites) > 1 else ("has", "its")
    return ApplicationError(
        f"{names} {has} no order confirmation step: {its} orders need no confirmation and go to Product "
        "preparation as soon as they are pulled, ready for fulfilment.", code="confirmation_not_supported")


def _lease_name(account_id: int) -> str:
    from orders.services.sync import lease_name  # the sync imports this module

    return lease_name(account_id)


def _account_lease(account: SalesSiteAccount) -> str:
    ttl = timedelta(seconds=settings.SMARTSHIP_SYNC_LOCK_SECONDS)
    deadline = time.monotonic() + CONFIRM_WAIT_SECONDS
    while (token := lease_acquire(name=_lease_name(account.pk), ttl=ttl)) is None:
        if time.monotonic() > deadline:
            raise ApplicationError(
                f"Orders of {account} are being synced right now, and the sync confirms them itself when "
                "Automatic Order Confirmation is on. Try again in a minute.", code="sync_running")
        time.sleep(0.25)
    return token
