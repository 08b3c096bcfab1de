"""What every REST API request body has in common."""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.settings import api_settings

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


NO_BODY = ("This request takes no body: nothing was changed. Send it empty; what it acts on is in its path "
           "(see the API schema).")


def body_refused(data) -> dict | None:
    """The field errors of a body sent to an action that reads none, or None when there is nothing to refuse."""
    if data is None or (isinstance(data, Mapping | list | str) and not data):
        return None
    if isinstance(data, Mapping):
        names = sorted(str(name) for name in data if name != "csrfmiddlewaretoken")
        return {name: [UNKNOWN_FIELD] for name in names} or None
    return {api_settings.NON_FIELD_ERRORS_KEY: [NO_BODY]}


class TakesNoBody:
    """An APIView whose actions (``no_body_methods``) read no request body refuses one that names anything.

    Such an action used to pass a body over, so ``POST /tracking-pushes/retry-failed/`` sent with
    ``{"account": 3}`` retried every account's numbers while its caller meant one. The check comes after
    authentication and permissions, before the action does anything."""

    no_body_methods: tuple[str, ...] = ("POST",)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in self.no_body_methods:
            refused = body_refused(request.data)
            if refused:
                raise serializers.ValidationError(refused)
