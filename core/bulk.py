"""Set-based writes with plain parameters, for the hot paths where Django's ORM spends more time in
Python than the database spends on the statement.

``rows_update``: one ``UPDATE … SET col = CASE id WHEN … THEN … END`` per batch of rows, for values
that differ per row. Django's ``bulk_update`` (and ``Case(When(...))`` in ``update``) build one expression object per row and
field and resolve each: about 0.35 s of Python per 1,000 rows per field, which made a 5,000-option stock
push spend 40 s in Python (bench/stock_sync.py). This writes the same statement with plain parameters,
portable between SQLite and PostgreSQL (the ``ELSE`` branch keeps the column's type), in milliseconds.
Values go through each field's ``get_db_prep_save``, so datetimes, booleans and NULLs are adapted as
Django would.

``objects_insert``: what ``bulk_create`` does for plain new rows (multi-row ``INSERT … RETURNING id``),
without the SQL compiler's per-value expression resolution, which was three quarters of the time an
order sync spent storing 10,000 lines (bench/sync_orders.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Model
from django.utils import timezone

ROWS_PER_STATEMENT = 500
INSERT_ROWS_PER_STATEMENT = 1000


def rows_update(
    model: type[Model], *, ids: Sequence[int], values: Mapping[str, Mapping[int, Any]] | None = None,
    increments: Mapping[str, Mapping[int, int]] | None = None, constants: Mapping[str, Any] | None = None,
) -> int:
    """Set ``values[field][pk]`` per row, add ``increments[field][pk]`` to the current value, and set
    ``constants[field]`` on every row of ``ids``; return the number of rows updated."""
    values, increments, constants = values or {}, increments or {}, constants or {}
    meta = model._meta
    quote = connection.ops.quote_name
    table, pk_column = quote(meta.db_table), quote(meta.pk.column)
    per_row = len(values) + len(increments)
    limit = connection.features.max_query_params or 10_000
    size = max(1, min(ROWS_PER_STATEMENT, (limit - len(constants) - 10) // (2 * per_row + 1)))
    updated = 0
    ids = list(ids)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), size):
            batch = ids[start:start + size]
            sets: list[str] = []
            params: list[Any] = []
            for name, value in constants.items():
                field = meta.get_field(name)
                sets.append(f"{quote(field.column)} = %s")
                params.append(field.get_db_prep_save(value, connection))
            for name, by_pk in values.items():
                field = meta.get_field(name)
                rows = [pk for pk in batch if pk in by_pk]
                if rows:
                    column = quote(field.column)
                    sets.append(f"{column} = CASE {pk_column} {' '.join(['WHEN %s THEN %s'] * len(rows))} "
                                f"ELSE {column} END")
                    params += [item for pk in rows for item in (pk, field.get_db_prep_save(by_pk[pk], connection))]
            for name, by_pk in increments.items():
                field = meta.get_field(name)
                rows = [pk for pk in batch if by_pk.get(pk)]
                if rows:
                    column = quote(field.column)
                    sets.append(f"{column} = {column} + CASE {pk_column} "
                                f"{' '.join(['WHEN %s THEN %s'] * len(rows))} ELSE 0 END")
                    params += [item for pk in rows for item in (pk, int(by_pk[pk]))]
            if not sets:
                continue
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(
                f"UPDATE {table} SET {', '.join(sets)} WHERE {pk_column} IN ({marks})",  # noqa: S608 - names from the model, values as parameters
                [*params, *batch],
            )
            updated += cursor.rowcount
    return updated


# Field types whose Python value is already what the database driver takes.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)


def objects_insert(objs: Sequence[Model]) -> None:
    """Insert new model instances of one model and set their primary keys, like ``bulk_create``.

    Every concrete column is written from the instance; ``auto_now``/``auto_now_add`` columns get the
    current time (also set on the instances). No signals, no conflict handling: for new rows only.
    """
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
    adapt = [None if isinstance(field, _PLAIN) else field for field in fields]
    relations = [field for field in fields if isinstance(field, models.ForeignKey)]
    for obj in objs:
        # A related object saved after it was assigned: take its new primary key, as save() would.
        for field in relations:
            if getattr(obj, field.attname) is None and field.is_cached(obj):
                related = field.get_cached_value(obj)
                if related is not None:
                    setattr(obj, field.name, related)  # sets the id and keeps the cached object
    # The connection itself, not the ``django.db.connection`` proxy: the proxy resolves the
    # thread's connection on every attribute access, once per value here.
    conn = connections[DEFAULT_DB_ALIAS]
    quote = conn.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    if not conn.features.can_return_rows_from_bulk_insert:  # pragma: no cover - SQLite ≥ 3.35 and PostgreSQL do
        raise NotImplementedError("objects_insert needs INSERT … RETURNING")
    pk_column = quote(meta.pk.column)
    limit = conn.features.max_query_params or 10_000
    size = max(1, min(INSERT_ROWS_PER_STATEMENT, limit // len(fields)))
    row_marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with conn.cursor() as cursor:
        for start in range(0, len(objs), size):
            batch = objs[start:start + size]
            params: list[Any] = []
            for obj in batch:
                for field, prep in zip(fields, adapt, strict=True):
                    value = getattr(obj, field.attname)
                    params.append(value if prep is None else prep.get_db_prep_save(value, conn))
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 - names from the model, values as parameters
                f"VALUES {', '.join([row_marks] * len(batch))} RETURNING {pk_column}", params)
            # Both databases return the rows of a multi-row VALUES in order (bulk_create relies on it too).
            for obj, (pk,) in zip(batch, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = conn.alias
