"""Confirming lines at the sales site (LotteON 210): in batches, per-line results kept on the lines."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from integrations import registry
from integrations.base import ConfirmRequest, LineOutcome, LineRef
from integrations.errors import SalesSiteError
from integrations.models import SalesSiteAccount
from integrations.services import account_config
from orders.models import ConfirmState, LineStatus, Order, OrderEvent, OrderLine
from orders.services.store import orders_refresh
from sellers.models import Seller, User


def lines_confirm(*, account: SalesSiteAccount, line_ids: list[int], actor: User | None = None) -> tuple[int, int]:
    """Send 210 for these lines of one account; return (confirmed, failed). Only New lines are sent."""
    lines = list(
        OrderLine.objects.filter(
            pk__in=line_ids, seller_id=account.seller_id, order__account=account, status=LineStatus.NEW
        ).exclude(confirm_state=ConfirmState.CONFIRMED).select_related("order")
    )
    if not lines:
        return 0, 0
    requests = [
        ConfirmRequest(ref=LineRef(line.order.order_no, line.line_no, line.process_seq),
                       instructed_at=line.order.instructed_at, original_process_seq=line.original_process_seq,
                       claim_no=line.claim_no)
        for line in lines
    ]
    adapter = registry.adapter_for(account.site, account_config(account))
    try:
        outcomes = adapter.confirm(requests)
    finally:
        adapter.close()
    return _store_outcomes(account=account, lines=lines, outcomes=outcomes, actor=actor)


@transaction.atomic
def _store_outcomes(*, account, lines: list[OrderLine], outcomes: list[LineOutcome], actor) -> tuple[int, int]:
    by_ref = {LineRef(line.order.order_no, line.line_no, line.process_seq): line for line in lines}
    now = timezone.now()
    changed, events = [], []
    confirmed = failed = 0
    for outcome in outcomes:
        line = by_ref.get(outcome.ref)
        if line is None:
            continue
        if outcome.unknown:
            # Nobody knows yet whether it took: leave it pending; the next sync reads the live state first.
            continue
        line.confirm_attempts += 1
        line.updated_at = now
        if outcome.ok:
            line.confirm_state, line.confirm_error, line.confirmed_at = ConfirmState.CONFIRMED, "", now
            line.status = LineStatus.CONFIRMED
            line.site_status_code = outcome.site_status_code or line.site_status_code
            confirmed += 1
            events.append(OrderEvent(order=line.order, line=line, seller_id=account.seller_id, actor=actor,
                                     kind=OrderEvent.Kind.CONFIRMED, message=f"Line {line.line_no} confirmed"))
        else:
            line.confirm_state = ConfirmState.FAILED
            line.confirm_error = (outcome.message or outcome.code or "rejected by the sales site")[:500]
            failed += 1
            events.append(OrderEvent(
                order=line.order, line=line, seller_id=account.seller_id, actor=actor,
                kind=OrderEvent.Kind.CONFIRM_FAILED, message=f"Line {line.line_no}: {line.confirm_error}"[:500],
                details={"code": outcome.code},
            ))
        changed.append(line)
    OrderLine.objects.bulk_update(changed, ["confirm_state", "confirm_error", "confirmed_at", "confirm_attempts",
                                            "status", "site_status_code", "updated_at"])
    OrderEvent.objects.bulk_create(events)
    orders_refresh(order_ids={line.order_id for line in changed})
    return confirmed, failed


def orders_confirm(*, seller: Seller, order_ids: list[int], actor: User | None = None) -> tuple[int, int]:
    """The seller confirms selected orders by hand (Automatic Order Confirmation off)."""
    lines_by_account: dict[int, list[int]] = defaultdict(list)
    for line_id, account_id in OrderLine.objects.filter(
        seller=seller, order_id__in=order_ids, status=LineStatus.NEW, order__source=Order.Source.PULLED,
        order__account__isnull=False,
    ).values_list("id", "order__account_id"):
        lines_by_account[account_id].append(line_id)
    if not lines_by_account:
        raise ApplicationError("None of the selected orders has a New line to confirm.", code="nothing_to_confirm")
    totals = [0, 0]
    for account in SalesSiteAccount.objects.filter(seller=seller, pk__in=lines_by_account):
        try:
            confirmed, failed = lines_confirm(account=account, line_ids=lines_by_account[account.pk], actor=actor)
        except SalesSiteError as exc:
            raise ApplicationError(exc.message, code=str(exc.code)) from exc
        totals[0] += confirmed
        totals[1] += failed
    return totals[0], totals[1]
