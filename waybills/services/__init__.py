"""Writes of the waybills app, split by subject (STYLE.md: a module past ~400 lines becomes a package).

- ``numbers``: QSP and packing-label serials from a counter row.
- ``couriers``: the sales sites' carrier lists, cached for a day.
- ``printing``: Print Waybill (``waybills_print``).
- ``tracking``: ``tracking_record``, the one entry for a carrier's tracking number (QFC receiving, fulfilment).
- ``receiving``: the QFC receiving scan (``packing_receive``).
- ``push``: the outbox drain (``tracking_push``), retries and corrections.
"""
