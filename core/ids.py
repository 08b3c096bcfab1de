"""Record ids read from requests: whole numbers the database can hold, anything else is no id.

A value beyond the 64-bit range (``9999999999999999999999999``) cannot reach a query: SQLite refuses to
bind it (OverflowError) and PostgreSQL answers "bigint out of range". Forms and views read ids with
``id_or_none`` / ``ids_from``; REST serializers bound their id fields with ``ID_BOUNDS``. An id out of
range is then an unknown id like any other.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_ID = 2**63 - 1  # BigAutoField (DEFAULT_AUTO_FIELD) and SQLite INTEGER
ID_BOUNDS = {"min_value": 1, "max_value": MAX_ID}  # for serializers.IntegerField / forms.IntegerField carrying ids


def id_or_none(value) -> int | None:
    """The id ``value`` spells (ASCII digits, surrounding blanks ignored), or None if it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def ids_from(values: Iterable | None) -> list[int]:
    """The ids among ``values``, each once, in order; the others are left out."""
    return sorted({number for value in values or () if (number := id_or_none(value)) is not None})
