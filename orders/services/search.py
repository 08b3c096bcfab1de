"""The Orders list search: one normalised text per order, matched as a substring through an index.

``Order.search_text`` holds what a seller may search an order by, normalised once when the order or its
lines are written: order number, sales-site order number, orderer and recipient names, the orderer's
e-mail, each line's product name, option name and seller codes, then the four phone numbers as digits
only. Values are lower-cased (Unicode case folding after NFKC, so full-width Latin and decomposed Hangul
from a Mac-made Excel file match what a seller types) with whitespace collapsed, and joined by control
characters that a query cannot contain (``str.split`` treats them as whitespace), so a query never
matches across two fields.

The phones come last, after their own marker: a query shorter than three characters is matched only
before that marker, because two digits would match nearly every phone number.

Indexes (migration ``orders/0005``): a ``pg_trgm`` GIN index on PostgreSQL and an FTS5 trigram table
kept in step by triggers on SQLite. Both answer a substring of at least three characters; shorter
queries scan the seller's ``search_text`` column. Rules and limits: docs/orders.md.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection as default_connection
from django.db.models import BooleanField, F, Q
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Lookup

FIELD_SEP = "\x1f"  # between two values
PHONES = "\x1e"  # once per text, before the phone numbers
MIN_INDEXED = 3  # both indexes are made of trigrams: a shorter substring cannot be looked up

ORDER_FIELDS = ("order_no", "reference_order_no", "orderer_name", "recipient_name", "orderer_email")
PHONE_FIELDS = ("recipient_mobile", "recipient_phone", "orderer_mobile", "orderer_phone")
LINE_FIELDS = ("product_name", "option_name", "seller_product_code", "seller_option_code")

# SQLite: a contentless FTS5 trigram table, its rows keyed by seller * 2**32 + order id so that one
# seller's matches are one rowid range (FTS5 seeks rowid ranges): a small seller's search does not wade
# through the matches of a large one. Order ids stay below 2**32 on SQLite. Triggers keep it in step;
# a contentless table stores no text, so a 'delete' must be given the exact text that was indexed.
FTS_TABLE = "orders_order_search"
SELLER_SHIFT = 2**32
SQLITE_FTS_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS orders_order_search USING fts5("
    "search_text, content='', columnsize=0, tokenize='trigram')"
)
SQLITE_TRIGGERS = {
    "orders_order_search_insert": """
        CREATE TRIGGER IF NOT EXISTS orders_order_search_insert AFTER INSERT ON orders_order BEGIN
            INSERT INTO orders_order_search(rowid, search_text)
            VALUES (new.seller_id * 4294967296 + new.id, new.search_text);
        END""",
    "orders_order_search_delete": """
        CREATE TRIGGER IF NOT EXISTS orders_order_search_delete AFTER DELETE ON orders_order BEGIN
            INSERT INTO orders_order_search(orders_order_search, rowid, search_text)
            VALUES ('delete', old.seller_id * 4294967296 + old.id, old.search_text);
        END""",
    "orders_order_search_update": """
        CREATE TRIGGER IF NOT EXISTS orders_order_search_update AFTER UPDATE OF search_text, seller_id ON orders_order
        WHEN old.search_text IS NOT new.search_text OR old.seller_id IS NOT new.seller_id BEGIN
            INSERT INTO orders_order_search(orders_order_search, rowid, search_text)
            VALUES ('delete', old.seller_id * 4294967296 + old.id, old.search_text);
            INSERT INTO orders_order_search(rowid, search_text)
            VALUES (new.seller_id * 4294967296 + new.id, new.search_text);
        END""",
}
SQLITE_FTS_REINDEX = (
    "INSERT INTO orders_order_search(orders_order_search) VALUES ('delete-all')",
    "INSERT INTO orders_order_search(rowid, search_text) "
    "SELECT seller_id * 4294967296 + id, search_text FROM orders_order",
)
# The seller's orders whose text holds the phrase: a rowid range of the FTS table, mapped back to ids.
SQLITE_FTS_LOOKUP = ("SELECT rowid - %s FROM orders_order_search "
                     "WHERE orders_order_search MATCH %s AND rowid BETWEEN %s AND %s")
# PostgreSQL: the trigram index (pg_trgm, also created by the migration).
PG_INDEX = "order_search_trgm"
PG_INDEX_CREATE = "CREATE INDEX IF NOT EXISTS order_search_trgm ON orders_order USING gin (search_text gin_trgm_ops)"
# The planner's estimate of how many orders a LIKE matches comes from sampled values: with the default
# 100, a name in 0.3 % of 100,000 orders was taken for 1 % and the page walked 17,000 orders by time
# (9.5 ms) instead of reading the 323 matches from the index (1.5 ms).
PG_STATISTICS = "ALTER TABLE orders_order ALTER COLUMN search_text SET STATISTICS 1000"


# --- Normalising -----------------------------------------------------------------------------------


def _normalise(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFKC", str(value)).casefold().split())


def _digits(value: Any) -> str:
    return re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", str(value or "")))


def _get(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, Mapping) else getattr(row, name, "")


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def search_text_of(order: Any, lines: Iterable[Any]) -> str:
    """The ``search_text`` of an order and its lines (model instances, historical ones, or dicts)."""
    values = [_normalise(_get(order, name)) for name in ORDER_FIELDS]
    for line in lines:
        values.extend(_normalise(_get(line, name)) for name in LINE_FIELDS)
    phones = [_digits(_get(order, name)) for name in PHONE_FIELDS]
    return FIELD_SEP.join(_unique(values)) + PHONES + FIELD_SEP.join(_unique(phones))


def search_query_normalise(q: str) -> tuple[str, ...]:
    """The substrings a query is looked up as: normalised like the stored text and, for a query of
    digits, dashes and spaces, also as digits only (so 010-5555-0000 finds the stored 01055550000
    while TSHIRT-BLK or M20261127-0001 still match as typed). Empty for an empty query."""
    term = _normalise(q)
    if not term:
        return ()
    variants = [term]
    if re.fullmatch(r"[0-9\- ]+", term):
        digits = _digits(term)
        if digits != term and len(digits) >= MIN_INDEXED:
            variants.append(digits)
    return tuple(variants)


# --- Matching --------------------------------------------------------------------------------------


class _Like(Lookup):
    """``column LIKE pattern`` with the pattern built here (the term's own wildcards escaped).

    Django's ``contains`` only makes ``%term%``; a short query needs ``%term%<phones marker>%``. No
    UPPER()/ILIKE: both sides are already case-folded, and a plain LIKE is what pg_trgm's index answers.
    """

    lookup_name = "search_like"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # "LIKE %s" on PostgreSQL (backslash is its escape), "LIKE %s ESCAPE '\'" on SQLite.
        return f"{lhs} {connection.operators['contains'] % rhs}", [*lhs_params, *rhs_params]


def _like(connection, term: str, *, before_phones: bool) -> Q:
    escaped = connection.ops.prep_for_like_query(term)
    pattern = f"%{escaped}%{PHONES}%" if before_phones else f"%{escaped}%"
    return Q(_Like(F("search_text"), pattern))


@functools.cache
def sqlite_has_trigram_fts() -> bool:
    """Whether this process's SQLite can build an FTS5 trigram table (3.34+, compiled with FTS5).

    Asked of a private in-memory database, so deciding costs the portal's database no query.
    """
    try:
        probe = sqlite3.connect(":memory:")
        try:
            probe.execute("CREATE VIRTUAL TABLE probe USING fts5(x, tokenize='trigram')")
        finally:
            probe.close()
    except sqlite3.Error:
        return False
    return True


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def search_q(q: str, *, seller_id: int, common: bool = False, connection=default_connection) -> Q:
    """The filter for a query, to be combined with ``seller=seller_id``; ``Q()`` for an empty query.

    ``common``: the query is known to match many of the seller's orders (more than the list counts).
    PostgreSQL's planner sees that in its statistics; SQLite cannot estimate an FTS5 lookup, so it is
    told: for a rare query it reads the few matches and sorts them, for a common one it walks the
    seller's orders in list order and keeps the matches until the page is full.
    """
    variants = search_query_normalise(q)
    condition = Q()
    fts = connection.vendor == "sqlite" and sqlite_has_trigram_fts()
    indexed = [term for term in variants if len(term) >= MIN_INDEXED]
    for term in variants:
        if len(term) < MIN_INDEXED:
            # No trigram to look up: a scan of the one column, phones left out (see the module doc).
            # Never the FTS table: SQLite 3.40's trigram LIKE answers a pattern of two Hangul
            # characters (three bytes or more) with no rows at all instead of scanning.
            condition |= _like(connection, term, before_phones=True)
        elif not fts:
            condition |= _like(connection, term, before_phones=False)
    if indexed and fts:
        # A trigram phrase is a substring match. MATCH rather than LIKE on the FTS table: the term may
        # contain % or _, and FTS5 does not use its index for LIKE … ESCAPE.
        match = " OR ".join(_fts_phrase(term) for term in indexed)
        low = seller_id * SELLER_SHIFT
        # "+id" keeps SQLite from driving the query by the looked-up ids (see the docstring).
        column = '+"orders_order"."id"' if common else '"orders_order"."id"'
        condition |= Q(RawSQL(f"{column} IN ({SQLITE_FTS_LOOKUP})",  # noqa: S611 - constant SQL, values as parameters
                              (low, match, low, low + SELLER_SHIFT - 1), output_field=BooleanField()))
    return condition


# --- Writing ---------------------------------------------------------------------------------------


def search_text_backfill(order_model, line_model, *, order_ids: Iterable[int] | None = None,
                         batch_size: int = 1000) -> int:
    """Recompute ``search_text`` of the given orders (all when None) from the database, in batches of
    ``batch_size`` orders (three queries each); returns how many changed. Takes the model classes so
    the migration can run it on its historical models."""
    wanted = sorted(set(order_ids)) if order_ids is not None else None
    changed = 0
    last = 0
    while True:
        orders = order_model.objects.order_by("pk")
        if wanted is not None:
            chunk = [pk for pk in wanted if pk > last][:batch_size]
            if not chunk:
                break
            orders = orders.filter(pk__in=chunk)
        else:
            orders = orders.filter(pk__gt=last)[:batch_size]
        rows = list(orders.only("pk", "search_text", *ORDER_FIELDS, *PHONE_FIELDS))
        if not rows:
            break
        last = rows[-1].pk
        lines: dict[int, list[dict]] = defaultdict(list)
        for line in line_model.objects.filter(order_id__in=[row.pk for row in rows]).order_by(
                "order_id", "line_no", "process_seq", "id").values("order_id", *LINE_FIELDS):
            lines[line["order_id"]].append(line)
        stale = []
        for row in rows:
            text = search_text_of(row, lines[row.pk])
            if text != row.search_text:
                row.search_text = text
                stale.append(row)
        if stale:
            order_model.objects.bulk_update(stale, ["search_text"])
            changed += len(stale)
        if wanted is None and len(rows) < batch_size:
            break
    return changed


def orders_search_refresh(*, order_ids: Iterable[int]) -> int:
    """Recompute ``search_text`` of orders written outside the services that set it (admin, tests)."""
    from orders.models import Order, OrderLine

    return search_text_backfill(Order, OrderLine, order_ids=order_ids)


# --- Index upkeep ----------------------------------------------------------------------------------


def search_index_create(schema_editor) -> None:
    """Build the index for the database of ``schema_editor`` (the migration's forward step)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_INDEX_CREATE)
        schema_editor.execute(PG_STATISTICS)
    elif vendor == "sqlite":
        sqlite_search_index_ensure(schema_editor.connection)


def search_index_drop(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS order_search_trgm")
        schema_editor.execute("ALTER TABLE orders_order ALTER COLUMN search_text SET STATISTICS -1")
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute("DROP TABLE IF EXISTS orders_order_search")


def sqlite_search_index_ensure(connection) -> bool:
    """Create the FTS5 table and its triggers where missing and re-index if anything was missing.

    Runs after every migrate: SQLite rebuilds a table for most schema changes (copy, drop, rename), and
    dropping ``orders_order`` drops its triggers with it, which would leave the index silently stale.
    Without FTS5 trigram support nothing is created and the search scans ``search_text``. Returns
    whether it had to repair anything.
    """
    if connection.vendor != "sqlite" or not sqlite_has_trigram_fts():
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {name for (name,) in cursor.fetchall()}
        if "orders_order" not in present:
            return False
        cursor.execute("SELECT name FROM pragma_table_info('orders_order')")
        if "search_text" not in {name for (name,) in cursor.fetchall()}:
            return False  # migrated back before orders/0005
        if present >= {FTS_TABLE, *SQLITE_TRIGGERS}:
            return False
        cursor.execute(SQLITE_FTS_CREATE)
        for sql in (*SQLITE_TRIGGERS.values(), *SQLITE_FTS_REINDEX):
            cursor.execute(sql)
    return True
