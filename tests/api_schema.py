"""Checks a real API response against the OpenAPI schema drf-spectacular generates (what /api/schema/ serves):
the status is documented for the operation, so is the content type, and a JSON body validates, with no field the
schema does not name. OpenAPI 3.0 is turned into JSON Schema (``nullable``, ``writeOnly``) for ``jsonschema``."""

from __future__ import annotations

import functools
import json
import re

import jsonschema
from drf_spectacular.generators import SchemaGenerator


@functools.cache
def openapi() -> dict:
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


def _json_schema(node):
    """A response schema of OpenAPI 3.0 as JSON Schema, closed: an object allows only the properties it names."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if "properties" in node:
        write_only = {name for name, prop in node["properties"].items() if prop.get("writeOnly")}
        node["properties"] = {name: prop for name, prop in node["properties"].items() if name not in write_only}
        node["required"] = [name for name in node.get("required", []) if name not in write_only]
        node.setdefault("additionalProperties", False)
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


@functools.cache
def _components() -> dict:
    return _json_schema(openapi()["components"]["schemas"])


@functools.cache
def _templates() -> list[tuple[re.Pattern, str]]:
    # Literal paths first: /orders/confirm/ is not /orders/{id}/.
    paths = sorted(openapi()["paths"], key=lambda path: path.count("{"))
    return [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path) for path in paths]


def operation_of(method: str, url: str) -> tuple[str, dict]:
    path = url.split("?", 1)[0]
    template = next((template for pattern, template in _templates() if pattern.match(path)), None)
    assert template, f"{path} is not in the schema"
    operation = openapi()["paths"][template].get(method.lower())
    assert operation, f"{method} {template} is not in the schema"
    return template, operation


def schema_problems(method: str, url: str, response) -> list[str]:
    """What in ``response`` the schema does not describe (empty: it matches)."""
    template, operation = operation_of(method, url)
    where = f"{method} {template} {response.status_code}"
    documented = operation["responses"].get(str(response.status_code)) or operation["responses"].get("default")
    if documented is None or (response.status_code < 400 and str(response.status_code) not in operation["responses"]):
        return [f"{where}: status not documented"]
    content = documented.get("content", {})
    media_type = response.get("Content-Type", "").split(";")[0] if response.has_header("Content-Type") else ""
    if not content:
        return [f"{where}: a {media_type} body where none is documented"] if response.content else []
    if media_type not in content:
        return [f"{where}: {media_type or 'no body'} is not among {sorted(content)}"]
    if media_type != "application/json":
        return []
    schema = {"allOf": [_json_schema(content[media_type]["schema"])], "components": {"schemas": _components()}}
    body = json.loads(response.content)
    return [f"{where}: at /{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in jsonschema.Draft7Validator(schema).iter_errors(body)]
