"""The OpenAPI schema of the inventory list endpoints says what they answer: a page {count, next, previous,
results}, with ``page`` and each filter documented; and a filter value they cannot use is a 400, as on /orders/."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.models import FulfilmentOrder, StockMovement
from inventory.selectors_fulfilment import TABS
from inventory.services.fulfilment import fulfilment_orders_send
from inventory.services.stock import stock_receive
from orders.services.manual import ManualItem, manual_order_create
from sellers.models import User
from tests.factories import make_seller_user
from tests.inventory.factories import make_single

HUGE = "9999999999999999999999999"  # beyond 64 bits: no row has it

# path -> (the component of one row, the query parameters it takes besides ``page``)
LISTS = {
    "/api/v1/skus/": ("SkuOutput", {"q", "status", "kind", "link"}),
    "/api/v1/needs-mapping/": ("NeedsMappingGroup", {"q"}),
    "/api/v1/fulfilment-orders/": ("Fulfilment", {"state"}),
    "/api/v1/stock-movements/": ("Movement", {"option", "kind"}),
    "/api/v1/stock-pushes/": ("StockPush", set()),
    "/api/v1/warehouse/fulfilment-orders/": ("Fulfilment", {"tab", "seller", "q"}),
}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _params(operation) -> dict[str, dict]:
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}


@pytest.mark.parametrize("path", list(LISTS))
def test_list_response_is_a_page_of_rows(schema, path):
    item, _ = LISTS[path]
    page = _resolve(schema, schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"])
    assert page["type"] == "object"
    assert set(page["properties"]) == {"count", "next", "previous", "results"}
    assert page["properties"]["count"]["type"] == "integer"
    assert page["properties"]["next"]["nullable"] and page["properties"]["previous"]["nullable"]
    results = page["properties"]["results"]
    assert results["type"] == "array" and results["items"] == {"$ref": f"#/components/schemas/{item}"}


@pytest.mark.parametrize("path", list(LISTS))
def test_list_documents_page_and_its_filters(schema, path):
    _, filters = LISTS[path]
    params = _params(schema["paths"][path]["get"])
    assert set(params) == {"page", *filters}
    assert params["page"]["schema"]["type"] == "integer"
    assert not any(p.get("required") for p in params.values())


def test_filter_parameters_document_their_values(schema):
    def enum(path, name):
        return set(_params(schema["paths"][path]["get"])[name]["schema"]["enum"]) - {""}

    assert enum("/api/v1/fulfilment-orders/", "state") == set(FulfilmentOrder.State.values)
    assert enum("/api/v1/stock-movements/", "kind") == set(StockMovement.Kind.values)
    assert enum("/api/v1/warehouse/fulfilment-orders/", "tab") == {value for value, _ in TABS}
    for path, name in (("/api/v1/stock-movements/", "option"), ("/api/v1/warehouse/fulfilment-orders/", "seller")):
        assert _params(schema["paths"][path]["get"])[name]["schema"]["type"] == "integer"


def test_sending_to_fulfilment_still_answers_a_plain_array(schema):
    post = schema["paths"]["/api/v1/fulfilment-orders/"]["post"]
    assert post["responses"]["201"]["content"]["application/json"]["schema"] == {
        "type": "array", "items": {"$ref": "#/components/schemas/Fulfilment"}}
    assert "page" not in _params(post)


# --- Filter values ----------------------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def setup(db):
    """One seller with an option SKU (a receipt, then a reservation) and one open fulfilment order."""
    seller, user = make_seller_user()
    option = make_single(seller=seller, code="MUG-1").options.get()
    stock_receive(seller=seller, option=option, quantity=5)
    order = manual_order_create(seller=seller, actor=user, recipient_name="김민준", zip_code="04524",
                                address="서울 중구 세종대로 110", recipient_mobile="010-1234-5678",
                                items=[ManualItem(product_name="머그", quantity=1, seller_code="MUG-1")])
    (fo,) = fulfilment_orders_send(seller=seller, order_ids=[order.pk], actor=user)
    operator = User.objects.create_user("qfc-schema", password="x", is_warehouse_operator=True)
    return {"seller": seller, "option": option, "fo": fo, "user": _api(user), "operator": _api(operator)}


BAD = [
    ("user", "/api/v1/stock-movements/", {"kind": "bogus"}, "kind"),
    ("user", "/api/v1/stock-movements/", {"option": "abc"}, "option"),
    ("user", "/api/v1/stock-movements/", {"option": "-1"}, "option"),
    ("user", "/api/v1/fulfilment-orders/", {"state": "bogus"}, "state"),
    ("operator", "/api/v1/warehouse/fulfilment-orders/", {"tab": "bogus"}, "tab"),
    ("operator", "/api/v1/warehouse/fulfilment-orders/", {"seller": "abc"}, "seller"),
]


@pytest.mark.parametrize(("who", "path", "query", "field"), BAD, ids=[f"{b[1]}?{b[3]}={b[2][b[3]]}" for b in BAD])
def test_a_filter_value_it_cannot_use_is_a_400(setup, who, path, query, field):
    response = setup[who].get(path, query)
    assert response.status_code == 400
    body = response.json()
    assert (body["message"], body["code"]) == ("Some fields are not valid.", "invalid")
    assert set(body["extra"]["fields"]) == {field}


def test_movement_filters(setup):
    client, option = setup["user"], setup["option"]

    def kinds(**query):
        response = client.get("/api/v1/stock-movements/", query)
        assert response.status_code == 200, response.json()
        return [row["kind"] for row in response.json()["results"]]

    assert kinds() == ["reservation", "receipt"]
    assert kinds(kind="") == ["reservation", "receipt"]
    assert kinds(kind="receipt") == ["receipt"]
    assert kinds(option=option.pk, kind="reservation") == ["reservation"]
    assert kinds(option=f" {option.pk} ") == ["reservation", "receipt"]
    assert kinds(option=option.pk + 1000) == []
    assert kinds(option=HUGE) == []  # an id beyond 64 bits is an unknown id, not an error
    assert kinds(option="0") == []


def test_fulfilment_filters(setup):
    client, operator, fo, seller = setup["user"], setup["operator"], setup["fo"], setup["seller"]

    def ids(api, path, **query):
        response = api.get(path, query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(client, "/api/v1/fulfilment-orders/") == [fo.pk]
    assert ids(client, "/api/v1/fulfilment-orders/", state="") == [fo.pk]
    assert ids(client, "/api/v1/fulfilment-orders/", state="open") == [fo.pk]
    assert ids(client, "/api/v1/fulfilment-orders/", state="shipped") == []

    warehouse = "/api/v1/warehouse/fulfilment-orders/"
    assert ids(operator, warehouse) == ids(operator, warehouse, tab="active") == ids(operator, warehouse, tab="") == [
        fo.pk]
    assert ids(operator, warehouse, tab="shipped") == []
    assert ids(operator, warehouse, seller=seller.pk, q=fo.order.order_no) == [fo.pk]
    assert ids(operator, warehouse, seller=seller.pk + 1000) == []
    assert ids(operator, warehouse, seller=HUGE) == []


def test_sku_writes_document_a_json_body_only(schema):
    """They refuse form bodies (415): a form cannot carry the option rows."""
    for method in ("post", "patch"):
        path = "/api/v1/skus/" if method == "post" else "/api/v1/skus/{id}/"
        assert set(schema["paths"][path][method]["requestBody"]["content"]) == {"application/json"}
    patch = _resolve(schema, schema["paths"]["/api/v1/skus/{id}/"]["patch"]["requestBody"]["content"][
        "application/json"]["schema"])
    assert "single option type" in patch["properties"]["options"]["description"]
