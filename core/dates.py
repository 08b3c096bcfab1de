"""Days and moments read from requests: only those a seller could mean.

The calendar's edges cannot reach a query: the day after 9999-12-31 does not exist (a day range ends at the
next day's start), and SQLite cannot store year 1 once it is moved to UTC. A value outside these years is
refused with a message, like any other bad date.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from rest_framework import serializers

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
OUT_OF_RANGE = f"Enter a date between {FIRST_DAY:%Y-%m-%d} and {LAST_DAY:%Y-%m-%d}."


def day_in_range(value: date | datetime) -> None:
    """A validator for form and serializer date fields."""
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(OUT_OF_RANGE, code="date_out_of_range")


class MomentField(serializers.DateTimeField):
    """A DateTimeField whose value stays within ``FIRST_DAY``…``LAST_DAY``: DRF's own fails with an
    OverflowError (a 500) moving year 1 to UTC."""

    def to_internal_value(self, value):
        try:
            moment = super().to_internal_value(value)
        except OverflowError:
            raise serializers.ValidationError(OUT_OF_RANGE, code="date_out_of_range") from None
        day_in_range(moment)
        return moment
