"""Recording a carrier's tracking number for order lines: the one entry for QFC receiving and, later, the
warehouse's fulfilment shipments. It checks the carrier and the number, writes outbox rows and queues the
push after commit; the push itself is ``waybills.services.push.tracking_push``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from integrations.shipping import Courier as CourierRecord
from orders.models import LineStatus, Order, OrderLine
from orders.services import hooks
from orders.services.lifecycle import lines_mark_shipped
from sellers.models import User
from waybills.labels.numbers import ScanError, packing_check
from waybills.models import TrackingPush, Waybill
from waybills.selectors import (
    courier_find,
    courier_list,
    default_site,
    order_not_pushed_site,
    site_name,
    site_takes_tracking,
    tracking_no_normalize,
)
from waybills.services.couriers import couriers_refresh
from waybills.services.push import push_enqueue

State = TrackingPush.State


@dataclass
class Recorded:
    """What ``tracking_record`` did: rows queued for the site, lines skipped and why."""

    courier: CourierRecord
    tracking_no: str
    pushes: list[TrackingPush] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)  # lines that already carry this number
    cancelled: list[int] = field(default_factory=list)  # lines not pushed: cancelled by the buyer
    # recorded and shipped, nothing to push: manual orders, and sites that take no tracking numbers
    not_pushed: list[int] = field(default_factory=list)


def tracking_number_check(*, site: str, courier_code: str, tracking_no: str) -> tuple[CourierRecord, str]:
    """The carrier (from the site's cached list, or the generic list of a site without one) and the tracking
    number in the site's form, or an ``ApplicationError`` that says what is wrong. Used before anything is
    written."""
    courier = courier_find(site=site, value=courier_code)
    if courier is None:
        known = ", ".join(f"{c.code} {c.name}" for c in courier_list(site=site)[:20])
        raise ApplicationError(f"Unknown carrier {courier_code!r}. Choose one of the list: {known}.",
                               code="unknown_courier")
    try:
        number = tracking_no_normalize(site=site, value=tracking_no)
    except ValueError as exc:
        # The reason is the site's own rule (LotteON: 1–15 letters/digits), not one site's wording for all.
        where = f" for {site_name(site)}" if site_takes_tracking(site) else ""
        raise ApplicationError(
            f"{tracking_no.strip() or 'An empty value'} is not a valid tracking number{where}: {exc}.",
            code="invalid_tracking_no") from None
    return courier, number


# Korean carriers' numbers have 10 to 13 digits; a number this short is most likely a partial scan or a typing
# slip, and it goes to the buyer at once. Some carriers issue shorter ones: entered twice, it is recorded.
MIN_TRACKING_LENGTH = 8


def tracking_no_plausible(number: str, *, short_confirmed: bool, again: str) -> None:
    """Refuse, changing nothing, a carrier's tracking number that is a packing label, or shorter than
    ``MIN_TRACKING_LENGTH`` unless ``short_confirmed`` (the same number given a second time). ``again`` tells
    the person how to confirm it."""
    try:
        label = packing_check(number)
    except ScanError:
        label = ""
    if label:
        raise ApplicationError(f"{label} is a packing label, not the carrier's tracking number: scan the barcode on "
                               "the carrier's waybill. Nothing changed.", code="tracking_no_is_label")
    if len(number) < MIN_TRACKING_LENGTH and not short_confirmed:
        raise ApplicationError(
            f"{number} has only {len(number)} character{'s' if len(number) != 1 else ''}: carriers' tracking numbers "
            f"are longer, so this looks like a partial scan or a typing slip. {again} Nothing changed.",
            code="tracking_no_short")


def _site_of(lines: list[OrderLine]) -> str:
    sites = {line.order.site for line in lines if line.order.site}
    if len(sites) > 1:
        raise ApplicationError("These lines belong to different sales sites; record them one site at a time.",
                               code="mixed_sites")
    return sites.pop() if sites else default_site()


def tracking_record(
    *, seller_id: int, line_ids: Iterable[int], courier_code: str, tracking_no: str, actor: User | None = None,
    origin: str = TrackingPush.Origin.FULFILMENT, waybill: Waybill | None = None,
) -> Recorded:
    """Record that these lines left with ``courier_code`` and ``tracking_no`` and push it to the sales site.

    - The carrier must be in the site's carrier list (LotteON 89, cached a day; the generic list for a site
      without one); the number must fit the site's rules (LotteON: 1–15 letters/digits once spaces and
      dashes are removed; otherwise 1–30).
    - Cancelled lines are skipped; lines of manual orders (no sales-site account) and of sites that do not
      take tracking numbers from SmartShip (no ``TRACKING_PUSH``) are marked shipped at once, with nothing
      to push.
    - A line whose number the site already confirmed gets a correction (139) when the number differs, and
      nothing when it is the same; a number not sent yet (or refused) is replaced by the new one.
    - The push is queued after commit; ``tracking_push`` sends it.
    """
    ids = sorted(set(line_ids))
    if not ids:
        raise ApplicationError("Every line of this order was cancelled by the buyer: there is nothing to ship.",
                               code="cancelled")
    lines = list(OrderLine.objects.filter(seller_id=seller_id, pk__in=ids).select_related("order", "order__account"))
    if len(lines) != len(ids):
        raise ApplicationError("Some of these order lines were not found.", code="not_found")
    site = _site_of(lines)
    # The carrier list is refreshed (an HTTP call when older than a day) before any transaction opens.
    couriers_refresh(site=site, account=next((line.order.account for line in lines if line.order.account_id), None))
    with transaction.atomic():
        return _record(seller_id=seller_id, ids=ids, site=site, courier_code=courier_code, tracking_no=tracking_no,
                       actor=actor, origin=origin, waybill=waybill)


def _record(*, seller_id: int, ids: list[int], site: str, courier_code: str, tracking_no: str, actor: User | None,
            origin: str, waybill: Waybill | None) -> Recorded:
    lines = list(OrderLine.objects.select_for_update(of=("self",)).filter(seller_id=seller_id, pk__in=ids)
                 .select_related("order", "order__account"))
    courier, number = tracking_number_check(site=site, courier_code=courier_code, tracking_no=tracking_no)
    held = [line for line in lines if line.on_hold]
    if held:
        # QFC receiving, Ship and a number recorded later pass here: sending the number would ship what the buyer
        # asked to cancel before the seller answered. A number queued before the request (an invoice) is kept
        # back where pushes are sent (push._claim).
        raise ApplicationError(
            f"Order {held[0].order.order_no} is on hold: the buyer asked to cancel line "
            f"{', '.join(line.line_no for line in held)}. The seller approves or rejects the request at the sales "
            "site first; nothing was recorded.", code="cancel_requested",
            extra={"order_no": held[0].order.order_no, "lines": [line.pk for line in held]})
    result = Recorded(courier=courier, tracking_no=number)

    open_rows = {p.line_id: p for p in TrackingPush.objects.select_for_update().filter(
        line_id__in=ids, state__in=TrackingPush.OPEN_STATES)}
    confirmed_rows: dict[int, TrackingPush] = {}
    for push in TrackingPush.objects.filter(line_id__in=ids, state=State.CONFIRMED).order_by("confirmed_at", "pk"):
        confirmed_rows[push.line_id] = push  # the latest confirmed number of each line

    new_rows: list[TrackingPush] = []
    superseded: list[int] = []
    manual: list[int] = []
    elsewhere: dict[str, list[int]] = {}  # site name → lines of a site that takes no tracking numbers
    for line in lines:
        if line.status == LineStatus.CANCELLED:
            result.cancelled.append(line.pk)
            continue
        order = line.order
        if order.source == Order.Source.MANUAL or order.account_id is None:
            manual.append(line.pk)
            continue
        if name := order_not_pushed_site(order):
            # The site does not take tracking numbers from SmartShip (no TRACKING_PUSH): recorded and shipped
            # here, with no outbox row; the seller enters the number at the site.
            elsewhere.setdefault(name, []).append(line.pk)
            continue
        current = open_rows.get(line.pk)
        done = confirmed_rows.get(line.pk)
        if current is not None and current.tracking_no == number and current.courier_code == courier.code:
            result.unchanged.append(line.pk)
            continue
        if current is None and done is not None and done.tracking_no == number and done.courier_code == courier.code:
            result.unchanged.append(line.pk)
            continue
        previous = ""
        if current is not None:
            if current.state in (State.SENDING, State.UNKNOWN):
                raise ApplicationError(
                    f"Line {line.line_no} of order {order.order_no}: the tracking number {current.tracking_no} is "
                    "being sent or checked with the sales site right now. Try again in a minute.", code="busy")
            if current.state == State.CONFLICT:
                previous = current.site_tracking_no
            superseded.append(current.pk)
        if not previous and done is not None:
            previous = done.tracking_no
        new_rows.append(TrackingPush(
            seller_id=seller_id, account_id=order.account_id, order_id=order.pk, line_id=line.pk,
            waybill=waybill, kind=TrackingPush.Kind.CORRECT if previous else TrackingPush.Kind.SHIP,
            origin=origin, courier_code=courier.code, tracking_no=number, previous_tracking_no=previous,
            created_by=actor,
        ))
    not_pushed = [pk for ids_of_site in elsewhere.values() for pk in ids_of_site]
    if not new_rows and not manual and not not_pushed and not result.unchanged:
        raise ApplicationError("Every line of this order was cancelled by the buyer: there is nothing to ship.",
                               code="cancelled")
    if superseded:
        TrackingPush.objects.filter(pk__in=superseded).update(
            state=State.SUPERSEDED, updated_at=timezone.now(),
            last_message=f"Replaced by {courier.name} {number}.")
    TrackingPush.objects.bulk_create(new_rows)
    result.pushes = new_rows
    if manual:
        lines_mark_shipped(seller_id=seller_id, line_ids=manual, actor=actor,
                           message=f"Shipped with {courier.name} {number} (manual order: not pushed to a sales site)")
    for name, site_lines in elsewhere.items():
        lines_mark_shipped(seller_id=seller_id, line_ids=site_lines, actor=actor,
                           message=f"Shipped with {courier.name} {number} (not pushed: {name} does not take "
                           f"tracking numbers from SmartShip; enter it at {name})")
    result.not_pushed = [*manual, *not_pushed]
    if origin != TrackingPush.Origin.FULFILMENT:
        # Left with a label or invoice of the seller's: a fulfilment order of these lines has nothing to ship.
        hooks.lines_shipped(seller_id=seller_id, line_ids=[*(p.line_id for p in new_rows), *manual, *not_pushed])
    push_enqueue(account_ids=[p.account_id for p in new_rows])
    return result
