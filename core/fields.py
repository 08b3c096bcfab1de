"""Serializer fields shared by the REST API's apps."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.ids import id_or_none

UNKNOWN_ID = 0  # what IdFilterField makes of digits no row can have: the filter then finds nothing


@extend_schema_field(OpenApiTypes.INT)
class IdFilterField(serializers.CharField):
    """A query parameter naming a record by its id; blank is no filter. Digits no row can have (beyond 64 bits,
    see ``core.ids``) are an unknown id, ``UNKNOWN_ID``, that finds nothing; anything else is refused (400)."""

    default_error_messages = {"not_an_id": "A valid integer is required."}

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, allow_blank=True, **kwargs)

    def to_internal_value(self, data) -> int:
        text = super().to_internal_value(data)
        if not text.isdigit():
            self.fail("not_an_id")
        return id_or_none(text) or UNKNOWN_ID
