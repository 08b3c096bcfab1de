"""The optional precondition of an API edit (docs/api.md, "Editing what a colleague may edit too").

A read answers an ``ETag``, the version of what the edit writes (each app's ``*_version`` service), and ``If-Match``
makes the edit conditional on it: the service compares it under the row's lock and refuses another version with
``changed_meanwhile`` (412). Kept apart from the serializers: a request without the header works as before."""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.response import Response

from core.exceptions import ApplicationError


def with_etag(response: Response, version: str) -> Response:
    response["ETag"] = f'"{version}"'
    return response


def if_match_version(request, current: Callable[[], str]) -> str | None:
    """The version If-Match requires, for the service's ``version``; None without the header or with ``*`` (anything
    that exists).

    Of several ETags the one that is ``current()`` is passed (the service compares it again under the row's lock); a
    weak ETag (``W/"…"``) never matches, as HTTP says of If-Match."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    versions = [tag.strip('"') for tag in tags if not tag.startswith("W/")] or ["(a weak ETag)"]
    now = current()
    return now if now in versions else versions[0]


def changed_meanwhile_for_api(error: ApplicationError, *, what: str) -> ApplicationError:
    """The service's refusal (a page's words: "since you opened this page") in the API's: a program re-reads the
    ``what`` ("SKU", "account") instead of reloading a page."""
    who = error.extra.get("changed_by") or "Someone else"
    return ApplicationError(f"{who} changed this {what} after the version in If-Match. Nothing was saved: GET the "
                            f"{what} again (its ETag) and send your change against the current values.",
                            code=error.code, extra=error.extra)


def precondition_schema(*, what: str, version_of: str, unsaved: str = "nothing is saved"
                        ) -> tuple[OpenApiParameter, OpenApiParameter, dict[int, OpenApiResponse]]:
    """The OpenAPI of the precondition for an edit of a ``what`` whose version covers ``version_of``: the ETag header
    of a read, the If-Match header of the edit, and the edit's 412."""
    etag = OpenApiParameter("ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200], description=(
        f"The {what}'s version ({version_of}): send it back in If-Match to edit only that version."))
    if_match = OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False, description=(
        f"The ETag of the {what} as you read it. When someone changed the {what} since, {unsaved} and the answer is "
        "412 `changed_meanwhile` (with the current `extra.version`). Without it the edit applies to whatever is "
        "current."))
    refused = {412: OpenApiResponse(description=f"The {what} changed since the ETag in If-Match: code "
                                    "`changed_meanwhile`; `extra` has `version`, `changed_by`, `changed_at`. "
                                    "Nothing was saved.")}
    return etag, if_match, refused
