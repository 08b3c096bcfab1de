"""docs/api.md lists every REST endpoint that exists (each method of each path in the URL configuration, as the
OpenAPI schema has them) and none that does not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.api_schema import openapi

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ROW = re.compile(r"^\| `(GET|POST|PATCH|PUT|DELETE) (/api/v1/\S*)` \|", re.MULTILINE)


def test_docs_list_exactly_the_endpoints_that_exist():
    documented = [(method, path) for method, path in ROW.findall(DOC.read_text())]
    existing = {(method.upper(), path) for path, operations in openapi()["paths"].items()
                for method in operations if method in {"get", "post", "patch", "put", "delete"}}
    assert len(documented) == len(set(documented)), "an endpoint is listed twice"
    assert sorted(set(documented) - existing) == [], "listed but does not exist"
    assert sorted(existing - set(documented)) == [], "exists but is not listed in docs/api.md"


def test_schema_is_served_as_yaml_and_json(db):
    assert Client().get("/api/schema/").content.startswith(b"openapi:")
    assert Client().get("/api/schema/", {"format": "json"}).json()["openapi"].startswith("3.")


CONFLICTS = [
    ("post", "/api/v1/tracking-pushes/retry-failed/", {"nothing_to_retry", "cancel_requested"}),
    ("post", "/api/v1/tracking-pushes/{id}/retry/", {"nothing_to_retry"}),
    ("post", "/api/v1/tracking-pushes/{id}/correct/", {"not_a_conflict", "busy"}),
    ("post", "/api/v1/tracking-pushes/{id}/dismiss/", {"not_dismissable"}),
    ("post", "/api/v1/waybills/{id}/set-aside/", {"not_flagged", "reprint_needed"}),
    ("post", "/api/v1/waybills/print/", {"not_printable"}),
    ("post", "/api/v1/receiving/scans/", {"already_received", "tracking_no_used"}),
    ("post", "/api/v1/warehouse/fulfilment-orders/{id}/start-picking/", {"wrong_state"}),
    ("post", "/api/v1/warehouse/fulfilment-orders/{id}/pack/", {"wrong_state", "flagged", "cancel_requested"}),
    ("post", "/api/v1/warehouse/fulfilment-orders/{id}/ship/", {"flagged", "shipped_elsewhere", "stock_negative"}),
    ("post", "/api/v1/warehouse/fulfilment-orders/{id}/clear-flag/", {"not_flagged"}),
    ("post", "/api/v1/warehouse/fulfilment-orders/pick-list/", {"nothing_to_pick"}),
    ("post", "/api/v1/warehouse/stock-adjustments/", {"stock_negative"}),
    ("post", "/api/v1/orders/confirm/", {"nothing_to_confirm", "sync_running"}),
    ("post", "/api/v1/orders/{id}/release-hold/", {"wrong_state", "hold_changed"}),
    ("post", "/api/v1/orders/{id}/duplicate/", {"manual_in_progress"}),
    ("post", "/api/v1/manual-orders/", {"duplicate"}),
    ("post", "/api/v1/fulfilment-orders/", {"not_ready"}),
    ("post", "/api/v1/stock-pushes/retry/", {"nothing_to_retry"}),
    ("post", "/api/v1/stock-sync/", {"stock_sync_off"}),
    ("post", "/api/v1/sales-site-accounts/{id}/sync/", {"account_inactive"}),
]
ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


@pytest.mark.parametrize(("method", "path", "codes"), CONFLICTS, ids=[f"{m} {p}" for m, p, _ in CONFLICTS])
def test_operations_that_refuse_with_409_document_it(method, path, codes):
    responses = openapi()["paths"][path][method]["responses"]
    assert "409" in responses, f"{method.upper()} {path} does not list 409"
    assert responses["409"]["content"] == ERROR_BODY
    assert all(f"`{code}`" in responses["409"]["description"] for code in codes), responses["409"]["description"]


@pytest.mark.parametrize(("method", "path"), [("post", "/api/v1/stock-pushes/retry/"),
                                              ("post", "/api/v1/waybills/print/")])
def test_ids_taken_in_the_body_document_their_404(method, path):
    responses = openapi()["paths"][path][method]["responses"]
    assert "404" in responses and responses["404"]["content"] == ERROR_BODY


def test_an_operation_that_mentions_a_409_lists_it():
    missing = [f"{method.upper()} {path}" for path, operations in openapi()["paths"].items()
               for method, operation in operations.items()
               if "409" in operation.get("summary", "") + operation.get("description", "")
               and "409" not in operation["responses"]]
    assert missing == []


def test_refusals_take_conflict_codes_only():
    from core.schema import refusals

    assert set(refusals("wrong_state")) == {409}
    assert set(refusals(not_found="No such thing.")) == {404}
    with pytest.raises(ValueError, match="invalid_tracking_no"):
        refusals("wrong_state", "invalid_tracking_no")
