"""Stock movements: the one place that writes ``OptionSku.on_hand`` and ``OptionSku.reserved``.

Every change is a ``StockMovement`` row; the counters move by exactly the same amounts in the same
transaction, so on hand is always the sum of the rows' ``quantity`` and reserved the sum of their
``reserved_delta``. A change that would take on hand (or reserved) below zero is refused with a clear
message and nothing is written (the database refuses it too: check constraints on ``OptionSku``).

Set-based: the option SKUs of a call are locked and read in one query per batch, moved with one
``UPDATE … SET on_hand = on_hand + CASE id …`` per batch (``core/bulk.py``), and the rows written with
one bulk insert; then the options whose available
quantity changed are marked for Automatic Stock Qty Sync (``stock_sync_mark``) in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.bulk import rows_update
from core.exceptions import ApplicationError
from inventory.models import OptionSku, StockMovement
from inventory.services.mapping import chunked
from sellers.models import Seller, User

Kind = StockMovement.Kind
MAX_QUANTITY = 1_000_000  # one receipt or adjustment; a typo of a few zeros is refused, not booked


@dataclass(frozen=True)
class Move:
    """One movement to book: ``quantity`` changes on hand, ``reserved_delta`` changes reserved."""

    option_id: int
    kind: str
    quantity: int = 0
    reserved_delta: int = 0
    reason: str = ""
    note: str = ""
    fulfilment_id: int | None = None
    order_line_id: int | None = None


@transaction.atomic
def movements_book(*, seller_id: int, moves: Sequence[Move], actor: User | None = None) -> list[StockMovement]:
    """Write the movements and move the counters by the same amounts; refuse the whole call, changing
    nothing, when an option SKU is not the seller's or would end below zero."""
    moves = [move for move in moves if move.quantity or move.reserved_delta]
    if not moves:
        return []
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for move in moves:
        totals[move.option_id][0] += move.quantity
        totals[move.option_id][1] += move.reserved_delta

    now = timezone.now()
    for ids in chunked(sorted(totals), 500):
        rows = list(OptionSku.objects.select_for_update().filter(seller_id=seller_id, pk__in=ids)
                    .values_list("pk", "code", "on_hand", "reserved"))
        if len(rows) != len(ids):
            raise ApplicationError("Some of these option SKUs were not found.", code="not_found")
        for pk, code, on_hand, reserved in rows:
            change, held = totals[pk]
            if on_hand + change < 0:
                raise ApplicationError(
                    f"Not enough stock of {code}: {on_hand} on hand, {-change} to take out. On hand never goes "
                    "below 0: receive or adjust the stock first. Nothing changed.",
                    code="stock_negative", extra={"code": code, "on_hand": on_hand, "requested": -change})
            if reserved + held < 0:
                raise ApplicationError(
                    f"{code} has {reserved} reserved, fewer than the {-held} to release. Nothing changed.",
                    code="reserved_negative", extra={"code": code, "reserved": reserved})
        # on_hand = on_hand + CASE id WHEN … END: relative to the row's value, like F() (never a lost update).
        rows_update(OptionSku, ids=ids, constants={"updated_at": now}, increments={
            "on_hand": {pk: totals[pk][0] for pk in ids}, "reserved": {pk: totals[pk][1] for pk in ids}})

    created = StockMovement.objects.bulk_create(
        [StockMovement(seller_id=seller_id, option_id=m.option_id, kind=m.kind, quantity=m.quantity,
                       reserved_delta=m.reserved_delta, reason=m.reason, note=m.note[:300],
                       fulfilment_id=m.fulfilment_id, order_line_id=m.order_line_id, actor=actor)
         for m in moves],
        batch_size=1000,
    )
    # Only a change of available (on hand − reserved) matters to the sales sites.
    changed = [pk for pk, (change, held) in totals.items() if change != held]
    if changed:
        from inventory.services.stock_sync import stock_sync_mark

        stock_sync_mark(option_ids=changed)
    return created


def _quantity(value: int, *, allow_negative: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApplicationError("Enter the quantity as a whole number.", code="invalid_quantity")
    if value == 0:
        raise ApplicationError("Enter a quantity other than 0.", code="invalid_quantity")
    if value < 0 and not allow_negative:
        raise ApplicationError("A receipt adds stock: enter a quantity above 0 (use an adjustment to take stock "
                               "out).", code="invalid_quantity")
    if abs(value) > MAX_QUANTITY:
        raise ApplicationError(f"At most {MAX_QUANTITY:,} units in one movement.", code="invalid_quantity")
    return value


def stock_receive(*, seller: Seller, option: OptionSku, quantity: int, note: str = "",
                  actor: User | None = None) -> StockMovement:
    """An inbound receipt at the warehouse: on hand goes up by ``quantity``."""
    quantity = _quantity(quantity)
    if option.seller_id != seller.pk:
        raise ApplicationError("This option SKU belongs to another seller.", code="not_found")
    (movement,) = movements_book(seller_id=seller.pk, actor=actor, moves=[Move(
        option_id=option.pk, kind=Kind.RECEIPT, quantity=quantity, note=note.strip())])
    return movement


@transaction.atomic
def stock_adjust(*, seller: Seller, option: OptionSku, quantity: int, reason: str, note: str = "",
                 actor: User | None = None, on_hand_seen: int | None = None) -> StockMovement:
    """A correction of on hand (+ found, − damaged, a count, …) with its reason; never below zero.

    ``on_hand_seen`` is the on hand the correction was worked out from (the figure on the page). An adjustment
    corrects a count: from a page drawn before another operator's correction (or a receipt, a shipment) it
    would correct the same difference twice, so it is refused unless on hand is still that figure."""
    quantity = _quantity(quantity, allow_negative=True)
    if reason not in StockMovement.Reason.values:
        raise ApplicationError("Choose the reason of the adjustment.", code="reason_required")
    if reason == StockMovement.Reason.OTHER and not note.strip():
        raise ApplicationError("Say what happened in the note when the reason is Other.", code="note_required")
    if option.seller_id != seller.pk:
        raise ApplicationError("This option SKU belongs to another seller.", code="not_found")
    if on_hand_seen is not None:
        on_hand = OptionSku.objects.select_for_update().values_list("on_hand", flat=True).get(pk=option.pk)
        if on_hand != on_hand_seen:
            last = (StockMovement.objects.filter(option_id=option.pk).select_related("actor")
                    .order_by("-created_at", "-id").first())
            by = f" (last: {last.get_kind_display().lower()} {last.quantity:+d}" if last else ""
            by += f" by {last.actor.get_username()}" if last and last.actor else ""
            by += f", {timezone.localtime(last.created_at):%H:%M})" if last else ""
            raise ApplicationError(
                f"On hand of {option.code} changed since this page was shown: {on_hand_seen} then, {on_hand} now"
                f"{by}. Nothing was adjusted: check the count against {on_hand} and adjust again if it is still "
                "needed.", code="stock_changed", extra={"on_hand": on_hand, "on_hand_seen": on_hand_seen})
    (movement,) = movements_book(seller_id=seller.pk, actor=actor, moves=[Move(
        option_id=option.pk, kind=Kind.ADJUSTMENT, quantity=quantity, reason=reason, note=note.strip())])
    return movement


def stock_totals(*, option_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """(on hand, reserved) of each option SKU as the sum of its movements (for checks and tests)."""
    from django.db.models import Sum

    result: dict[int, tuple[int, int]] = {}
    for ids in chunked(sorted(set(option_ids))):
        for row in (StockMovement.objects.filter(option_id__in=ids).values("option_id")
                    .annotate(on_hand=Sum("quantity"), reserved=Sum("reserved_delta"))):
            result[row["option_id"]] = (row["on_hand"] or 0, row["reserved"] or 0)
    return result
