"""What the OpenAPI schema says about errors: drf-spectacular documents the answers a view declares (mostly its
success), not the ``{"message", "code", "extra"}`` body every failure has (``core.exceptions``). This hook adds
that body as the ``Error`` component and the error statuses every operation can answer with."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated

from core.exceptions import CONFLICT_CODES

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error answer of the API.",
    "properties": {
        "message": {"type": "string", "description": "What went wrong and what to do about it, for a person."},
        "code": {"type": "string", "description": "Stable for programs: `invalid` (field errors), `not_found`, "
                 "`not_authenticated`, `permission_denied`, `throttled`, `locked_out`, `invalid_credentials`, or the refusal's own code "
                 "(`wrong_state`, `busy`, …; `core.exceptions.CONFLICT_CODES` are 409, `changed_meanwhile` is 412)."},
        "extra": {"type": "object", "additionalProperties": {},
                  "description": "Details; for `invalid`, `fields` maps each field (or query parameter) to its "
                  "messages."},
    },
    "required": ["message", "code", "extra"],
}
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def refusals(*conflicts: str, not_found: str = "") -> dict[int, OpenApiResponse]:
    """The error answers an operation gives beside the ones every operation has: 409 with the codes it can refuse
    with (``core.exceptions.CONFLICT_CODES``) and, for an operation taking ids in its body, what its 404 means.
    Spread into ``extend_schema(responses={200: OutputSerializer, **refusals("wrong_state", "busy")})``; the body
    of each is the ``Error`` component (``error_responses`` below fills it in)."""
    unknown = set(conflicts) - CONFLICT_CODES
    if unknown:
        raise ValueError(f"Not conflict codes (core.exceptions.CONFLICT_CODES): {sorted(unknown)}")
    responses = {}
    if conflicts:
        responses[409] = OpenApiResponse(description="What the request acts on is in the way: code "
                                         + ", ".join(f"`{code}`" for code in conflicts) + ".")
    if not_found:
        responses[404] = OpenApiResponse(description=not_found)
    return responses


def _forbidden(view, method: str) -> str:
    """Why an operation can answer 403, or "" when it cannot: only a permission asking more than a signed-in user
    refuses one (``/me/`` asks for no more), and so does DRF's CSRF check of a session-signed-in write."""
    reasons = [permission.message for permission in view.get_permissions()
               if not isinstance(permission, (AllowAny, IsAuthenticated))]
    if method.upper() not in SAFE_METHODS and any(isinstance(authenticator, SessionAuthentication)
                                                   for authenticator in view.get_authenticators()):
        reasons.append("A request signed in by the portal's session cookie needs its CSRF token (`X-CSRFToken`); "
                       "with a token (`Authorization: Token <key>`) none is needed.")
    return " ".join(reasons)


def _statuses(path: str, operation: dict, forbidden: str) -> dict[str, str]:
    parameters = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    anonymous = {} in operation.get("security", [{}])
    statuses = {}
    if "requestBody" in operation or parameters - {"page"}:
        statuses["400"] = "The request has something to fix: code `invalid` with `extra.fields`, or the refusal's code."
    if not anonymous:
        statuses["401"] = "No valid `Authorization: Token <key>` (code `not_authenticated`, `authentication_failed`)."
    if forbidden:
        statuses["403"] = f"Not allowed (code `permission_denied`): {forbidden}"
    if "{" in path or "page" in parameters:
        statuses["404"] = "No such id of yours (`not_found`), or a page beyond the last."
    statuses["429"] = "Too many requests (`throttled`, with Retry-After)."
    statuses["default"] = ("Any other error, with the same body: 409 when what the request acts on is in the way "
                           "(`wrong_state`, `busy`, …), 502/504 when the sales site failed.")
    return statuses


def _views(generator) -> dict[tuple[str, str], object]:
    """The view of each operation, by its path as the schema spells it and its method (lower case)."""
    views = {}
    for path, _regex, method, callback in generator.endpoints:
        view = generator.create_view(callback, method)
        views[(generator.coerce_path(path, method, view), method.lower())] = view
    return views


def error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    views = _views(generator)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation["responses"]
            forbidden = _forbidden(views[path, method], method)
            for status, description in _statuses(path, operation, forbidden).items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if (status == "default" or status[0] in "45") and "content" not in response:
                    response["content"] = _ERROR
            operation["responses"] = dict(sorted(responses.items(), key=lambda item: item[0].replace("d", "9")))
    return result
