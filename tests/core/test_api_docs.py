"""docs/api.md lists every REST endpoint that exists (each method of each path in the URL configuration, as the
OpenAPI schema has them) and none that does not."""

from __future__ import annotations

import re
from pathlib import Path

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
