"""Set-based writes with plain parameters, for the hot paths where Django's ORM spends more time in
Python than the database spends on the statement.

``rows_update``: one ``UPDATE … SET col = CASE id WHEN … THEN … END`` per batch of rows, for values
that differ per row. Django's ``bulk_update`` (and ``Case(When(...))`` in ``update``) build one expression object per row and
field and resolve each: about 0.35 s of Python per 1,000 rows per field, which made a 5,000-option stock
push spend 40 s in Python (bench/stock_sync.py). This writes the same statement with plain parameters,
portable between SQLite and PostgreSQL (the ``ELSE`` branch keeps the column's type), in milliseconds.
Values go through each field's ``get_db_prep_save``, so datetimes, booleans and NULLs are adapted as
Django would. ``changes_update`` picks between it and one plain ``UPDATE`` per distinct change, whichever
takes fewer statements.

``objects_insert``: what ``bulk_create`` does for plain new rows (multi-row ``INSERT … RETURNING id``;
on PostgreSQL ``INSERT … SELECT * FROM UNNEST(…)``, one array per column, as ``bulk_create`` there),
without the SQL compiler's per-value expression resolution, which was three quarters of the time an
order sync spent storing 10,000 lines (bench/sync_orders.py). ``rows_insert`` does the same from plain
rows, for rows nobody needs as objects afterwards; ``instance_maker`` builds many new instances
faster than keyword construction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from typing import Any

import orjson
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



def changes_update(model: type[Model], *, changes: Mapping[int, Mapping[str, Any]],
                   constants: Mapping[str, Any] | None = None) -> None:
    """Write ``changes[pk]`` (field → new value) to each row, and ``constants`` to every row changed.

    Rows changed alike share one ``UPDATE`` (a batch confirmed: every order New → Confirmed), the
    shortest statement. Rows that change in many ways (a reason naming each order's lines and number)
    would cost one of those per row: ``rows_update`` writes them a batch of rows per statement instead.
    Whichever takes fewer statements is used, so a change never costs more than one per batch."""
    constants = constants or {}
    groups: dict[tuple, list[int]] = {}
    for pk, fields in changes.items():
        if fields:
            groups.setdefault(tuple(sorted(fields.items())), []).append(pk)
    rows = sum(map(len, groups.values()))
    if len(groups) <= -(-rows // ROWS_PER_STATEMENT):
        for fields, ids in groups.items():
            model._default_manager.filter(pk__in=ids).update(**dict(fields), **constants)
        return
    values: dict[str, dict[int, Any]] = {}
    for pk, fields in changes.items():
        for name, value in fields.items():
            values.setdefault(name, {})[pk] = value
    rows_update(model, ids=[pk for ids in groups.values() for pk in ids], values=values, constants=constants)

class _Adapted:
    """A field's ``get_db_prep_save``, remembered per value: the rows of one insert share most of their
    datetimes (``created_at``/``updated_at`` are one ``now``), and adapting a datetime for SQLite is a
    timezone conversion and an isoformat each time. Equal values of one type adapt alike."""

    def __init__(self, field: models.Field, conn) -> None:
        self.field, self.conn, self.seen = field, conn, {}
        # JSON documents (the raw payload of every pulled line) are written by orjson, five times
        # faster than the standard library's encoder Django uses; the database stores the same
        # document. A custom encoder, or a value orjson cannot write, goes Django's way.
        self.json = isinstance(field, models.JSONField) and field.encoder is None

    def __call__(self, value: Any) -> Any:
        try:
            key = (type(value), value)
            return self.seen[key]
        except KeyError:
            adapted = self.seen[key] = self.field.get_db_prep_save(value, self.conn)
            return adapted
        except TypeError:  # unhashable: a JSON document, shared only when empty (most events' details)
            if value:
                if self.json:
                    try:
                        return orjson.dumps(value).decode()
                    except TypeError:
                        pass
                return self.field.get_db_prep_save(value, self.conn)
            key = (type(value), None)
            if key not in self.seen:
                self.seen[key] = self.field.get_db_prep_save(value, self.conn)
            return self.seen[key]


# Field types whose Python value is already what the database driver takes.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)


def objects_insert(objs: Sequence[Model]) -> None:
    """Insert new model instances of one model and set their primary keys, like ``bulk_create``.

    Every concrete column is written from the instance; ``auto_now``/``auto_now_add`` columns get the
    current time (also set on the instances). No signals, no conflict handling: for new rows only.
    """
    if not objs:
        return
    meta = type(objs[0])._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    for field in fields:
        if _stamped(field):
            for obj in objs:
                setattr(obj, field.attname, now)
    relations = [field for field in fields if isinstance(field, models.ForeignKey)]
    for obj in objs:
        # A related object saved after it was assigned: take its new primary key, as save() would.
        for field in relations:
            if getattr(obj, field.attname) is None and field.is_cached(obj):
                related = field.get_cached_value(obj)
                if related is not None:
                    setattr(obj, field.name, related)  # sets the id and keeps the cached object
    attnames = [field.attname for field in fields]

    def row(obj: Model) -> list[Any]:
        values = obj.__dict__
        return [values[name] if name in values else getattr(obj, name) for name in attnames]

    conn = connections[DEFAULT_DB_ALIAS]
    pks = _insert(conn, meta, fields, [row(obj) for obj in objs], returning=True)
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = conn.alias


def instance_maker(model: type[Model]) -> Callable[..., Model]:
    """A constructor of new ``model`` instances for hot loops: ``make(order=order, quantity=2, …)``.

    It goes through Django's positional constructor, the one used for rows read from the database,
    with each field's default for what is not given; related objects are cached on the instance as
    keyword construction would (``objects_insert`` takes their primary keys once they have one).
    Keyword construction matches every keyword against every field: ~27 µs for an order line against
    ~12 µs here, on 7,500 new lines in a large sync.
    """
    fields = model._meta.concrete_fields
    position = {field.attname: i for i, field in enumerate(fields)}
    relations = {field.name: (field, position[field.attname]) for field in fields if field.is_relation}
    constants = [None if callable(field.default) else field.get_default() for field in fields]
    factories = [(i, field.get_default) for i, field in enumerate(fields) if callable(field.default)]

    def make(**values: Any) -> Model:
        args = constants.copy()
        for i, factory in factories:
            args[i] = factory()
        related = []
        for name, value in values.items():
            if name in position:
                args[position[name]] = value
            elif name in relations:
                field, i = relations[name]
                args[i] = None if value is None else value.pk
                related.append((field, value))
            else:
                raise TypeError(f"{model.__name__} has no field {name!r}")
        obj = model(*args)
        for field, value in related:
            field.set_cached_value(obj, value)
        return obj

    return make


def rows_insert(model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]], *,
                returning: bool = False) -> list[int]:
    """Insert plain rows (values in the order of ``names``, attribute names such as ``order_id``)
    without building model instances; return their new primary keys in order with ``returning``.

    Columns not named get the field's default, ``auto_now``/``auto_now_add`` ones the current time.
    For rows nobody needs as objects afterwards (timeline events): building an instance costs more
    than writing its row.
    """
    if not rows:
        return []
    meta = model._meta
    named = [meta.get_field(name) for name in names]
    now = timezone.now()
    others = [f for f in meta.concrete_fields if not f.primary_key and f not in named]
    filled = [now if _stamped(f) else f.get_default() for f in others]
    if filled:
        rows = [[*values, *filled] for values in rows]
    return _insert(connections[DEFAULT_DB_ALIAS], meta, [*named, *others], rows, returning=returning)


def _stamped(field: models.Field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _insert(conn, meta, fields: list[models.Field], rows: Sequence[Sequence[Any]], *, returning: bool) -> list[int]:
    """Multi-row ``INSERT`` of ``rows`` (values in the order of ``fields``), batched under the
    connection's parameter limit. ``conn`` is the connection itself, not the ``django.db.connection``
    proxy, which resolves the thread's connection on every attribute access, once per value here."""
    if returning and not conn.features.can_return_rows_from_bulk_insert:  # pragma: no cover - SQLite ≥ 3.35 and PostgreSQL do
        raise NotImplementedError("inserting rows needs INSERT … RETURNING")
    quote = conn.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    adapters = [None if isinstance(field, _PLAIN) else _Adapted(field, conn) for field in fields]
    tail = f" RETURNING {quote(meta.pk.column)}" if returning else ""
    head = f"INSERT INTO {quote(meta.db_table)} ({columns}) "
    if conn.vendor == "postgresql":
        return _insert_unnest(conn, fields, adapters, rows, head, tail)
    plain = not any(adapters)
    limit = conn.features.max_query_params or 10_000
    size = max(1, min(INSERT_ROWS_PER_STATEMENT, limit // len(fields)))
    row_marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pks: list[int] = []
    with conn.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start:start + size]
            if plain:
                params = list(chain.from_iterable(batch))
            else:
                # Column by column: the plain columns are copied by C code, only the others call Python.
                by_column = [values if adapt is None else map(adapt, values)
                             for values, adapt in zip(zip(*batch, strict=True), adapters, strict=True)]
                params = list(chain.from_iterable(zip(*by_column, strict=True)))
            cursor.execute(f"{head}VALUES {', '.join([row_marks] * len(batch))}{tail}", params)
            if returning:
                # Both databases return the rows of a multi-row VALUES in order (bulk_create relies on it too).
                pks.extend(pk for (pk,) in cursor.fetchall())
    return pks


def _insert_unnest(conn, fields, adapters, rows, head: str, tail: str) -> list[int]:
    """PostgreSQL: one array per column, ``INSERT … SELECT * FROM UNNEST(…)``, as Django's own
    ``bulk_create`` does there since 5.2. A ``VALUES`` list of 300 rows × 30 columns is 9,000
    literals for the server to parse and plan; 30 arrays took a sixth less time per order line
    (0.87 s → 0.72 s for the 7,516 lines of bench/sync_orders.py).
    Rows come back in the arrays' order (``bulk_create`` relies on that too)."""
    # The column types without their lengths, as Django does: an explicit cast to varchar(n) would cut
    # a longer text, where the insert itself refuses it as it refuses it from VALUES.
    casts = ", ".join(f"(%s)::{field.db_type(conn).split('(')[0]}[]" for field in fields)
    pks: list[int] = []
    with conn.cursor() as cursor:
        for start in range(0, len(rows), INSERT_ROWS_PER_STATEMENT):
            batch = rows[start:start + INSERT_ROWS_PER_STATEMENT]
            params = [list(values) if adapt is None else [adapt(value) for value in values]
                      for values, adapt in zip(zip(*batch, strict=True), adapters, strict=True)]
            cursor.execute(f"{head}SELECT * FROM UNNEST({casts}){tail}", params)  # noqa: S608 - names and types from the model
            if tail:
                pks.extend(pk for (pk,) in cursor.fetchall())
    return pks
