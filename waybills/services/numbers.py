"""Issuing the portal's own numbers from counter rows (docs/waybills.md "Numbers")."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from waybills.labels.numbers import packing_format, qsp_format
from waybills.models import NumberCounter, WaybillKind

COUNTERS = {WaybillKind.INVOICE: "qsp", WaybillKind.PACKING: "packing"}
FORMATS = {WaybillKind.INVOICE: qsp_format, WaybillKind.PACKING: packing_format}


@transaction.atomic
def serials_reserve(*, name: str, count: int) -> range:
    """Take ``count`` consecutive serials of a counter. The increment happens in the database first
    (``UPDATE … SET last_value = last_value + n``), which takes the row's write lock before the new value
    is read back: two processes never get the same serial (PostgreSQL row lock; SQLite's single writer),
    and a serial once taken is never handed out again, whatever happens to what it was used for."""
    if count < 1:
        return range(0)
    updated = NumberCounter.objects.filter(name=name).update(last_value=F("last_value") + count)
    if not updated:
        try:
            with transaction.atomic():
                NumberCounter.objects.create(name=name, last_value=count)
        except IntegrityError:  # created by another process meanwhile
            NumberCounter.objects.filter(name=name).update(last_value=F("last_value") + count)
    last = NumberCounter.objects.select_for_update().values_list("last_value", flat=True).get(name=name)
    return range(last - count + 1, last + 1)


def numbers_issue(*, kind: str, count: int) -> list[str]:
    """``count`` new QSP tracking numbers (invoices) or packing label codes, never issued before."""
    return [FORMATS[kind](serial) for serial in serials_reserve(name=COUNTERS[kind], count=count)]
