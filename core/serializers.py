"""What every REST API request body has in common."""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers
from rest_framework.fields import empty

UNKNOWN_FIELD = "Not a field this request takes: nothing was changed. Check the name against the API schema."


class InputSerializer(serializers.Serializer):
    """A request body that names only fields it takes.

    DRF drops names it does not know, so a misspelt option (``auto_stok_sync``) or a field that cannot change
    here was answered 200 with nothing done about it. ``read_back`` names the read-only fields of the resource
    edited, which a program may send back as it read them (they are passed over, as DRF does);
    ``csrfmiddlewaretoken`` comes with any form a signed-in browser posts."""

    read_back: frozenset[str] = frozenset()

    def run_validation(self, data=empty):
        unknown = {}
        if isinstance(data, Mapping):
            taken = {name for name, field in self.fields.items() if not field.read_only}
            taken |= self.read_back | {"csrfmiddlewaretoken"}
            unknown = {str(name): [UNKNOWN_FIELD] for name in sorted(data, key=str) if name not in taken}
        try:
            value = super().run_validation(data)
        except serializers.ValidationError as error:
            # Both together: "courier" not taken beside "courier_code" missing says what was meant.
            if unknown and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value
