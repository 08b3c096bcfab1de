"""Bad input from a request is a clear message that changes nothing: never a 500.

Ids beyond the database's integer range, JSON nested too deeply to parse, and ``next``/``back`` values
pointing at another site."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from rest_framework.test import APIClient

from core.ids import MAX_ID, id_or_none, ids_from
from integrations.models import SalesSiteAccount, SyncRun
from inventory.models import FulfilmentOrder, StockMovement, StockPush
from inventory.services.stock import stock_receive
from orders.models import Order, OrderEvent, OrderLine, OrderStatus
from sellers.models import User
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.inventory.factories import make_single
from tests.orders.factories import make_order
from waybills.models import PrintBatch, TrackingPush, Waybill

HUGE = "9999999999999999999999999"  # typed into a form field
HUGE_JSON = 10**20  # [100000000000000000000] in a JSON body
EVIL = "https://evil.example.com/"


@pytest.fixture
def seller_setup(db):
    seller, user = make_seller_user()
    account = make_account(seller=seller)
    order = make_order(seller=seller, account=account)
    confirmed = make_order(seller=seller, account=account, status=OrderStatus.CONFIRMED)
    operator = User.objects.create_user(username="qfc-operator", password=PASSWORD, is_warehouse_operator=True)
    return {"seller": seller, "user": user, "account": account, "order": order, "confirmed": confirmed,
            "operator": operator}


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def _state() -> tuple:
    """What a request could have changed."""
    return (
        list(Order.objects.order_by("pk").values_list("pk", "status")),
        list(OrderLine.objects.order_by("pk").values_list("pk", "status", "confirm_state", "confirm_attempts")),
        OrderEvent.objects.count(), PrintBatch.objects.count(), Waybill.objects.count(),
        list(TrackingPush.objects.order_by("pk").values_list("pk", "state")),
        FulfilmentOrder.objects.count(), StockMovement.objects.count(),
        list(StockPush.objects.order_by("pk").values_list("pk", "state")), SyncRun.objects.count(),
        list(SalesSiteAccount.objects.order_by("pk").values_list("pk", "is_active")),
    )


def test_id_helpers():
    assert id_or_none("42") == 42 and id_or_none(" 7 ") == 7 and id_or_none(7) == 7
    assert id_or_none(str(MAX_ID)) == MAX_ID
    for bad in (str(MAX_ID + 1), HUGE, "0", "-1", "", None, "abc", "4.2", "²", "١٢", True):
        assert id_or_none(bad) is None, bad
    assert ids_from(["3", "1", "3", HUGE, "x", "²"]) == [1, 3]
    assert ids_from(None) == []


# --- Defect 1: ids beyond the database's range ------------------------------------------------------------

UI_CASES = [
    ("seller", "post", "/orders/confirm/", {"order_ids": HUGE}),
    ("seller", "post", "/waybills/print/", {"order_ids": HUGE, "kind": "invoice", "paper": "label"}),
    ("seller", "post", "/waybills/push-failures/", {"action": "retry", "push_ids": HUGE}),
    ("seller", "post", "/inventory/fulfilment/send/", {"ids": HUGE}),
    ("seller", "post", "/inventory/stock-sync/", {"action": "retry", "ids": HUGE}),
    ("seller", "post", "/inventory/stock-sync/", {"action": "sync", "account": "²"}),
    ("seller", "post", "/inventory/skus/check-links/", {"sku_ids": HUGE}),
    ("operator", "post", "/inventory/fulfilment/pick-list/", {"ids": HUGE}),
    ("operator", "get", f"/inventory/fulfilment/{HUGE}/", {}),
    ("operator", "post", f"/inventory/fulfilment/{HUGE}/", {"action": "pick"}),
    ("operator", "get", "/inventory/stock/movements/", {"option": HUGE}),
    ("operator", "post", "/inventory/stock/", {"option": HUGE, "quantity": "1", "action": "receipt"}),
    ("seller", "get", "/inventory/movements/", {"option": HUGE}),
    ("seller", "get", "/sales-sites/syncs/", {"account": HUGE}),
    ("seller", "get", "/waybills/print/", {"batch": HUGE}),
    ("seller", "get", "/waybills/print/", {"batch": "²"}),
]


@pytest.mark.parametrize(("who", "method", "url", "data"), UI_CASES, ids=[f"{c[1]} {c[2]} {c[3]}" for c in UI_CASES])
def test_pages_take_an_id_beyond_the_database_range_as_unknown(seller_setup, who, method, url, data):
    client = _client(seller_setup["user" if who == "seller" else "operator"])
    before = _state()
    response = getattr(client, method)(url, data)
    assert response.status_code < 500
    assert _state() == before


API_CASES = [
    ("seller", "post", "/api/v1/orders/confirm/", {"order_ids": [HUGE_JSON]}),
    ("seller", "post", "/api/v1/waybills/print/", {"order_ids": [HUGE_JSON]}),
    ("seller", "post", "/api/v1/fulfilment-orders/", {"order_ids": [HUGE_JSON]}),
    ("seller", "post", "/api/v1/stock-pushes/retry/", {"ids": [HUGE_JSON]}),
    ("seller", "post", "/api/v1/stock-sync/", {"account": HUGE_JSON}),
    ("operator", "post", "/api/v1/warehouse/stock-receipts/", {"option": HUGE_JSON, "quantity": 1}),
    ("operator", "post", "/api/v1/warehouse/stock-adjustments/",
     {"option": HUGE_JSON, "quantity": 1, "reason": "count"}),
]


@pytest.mark.parametrize(("who", "method", "url", "data"), API_CASES, ids=[c[2] for c in API_CASES])
def test_api_refuses_an_id_beyond_the_database_range_with_a_400(seller_setup, who, method, url, data):
    client = _api(seller_setup["user" if who == "seller" else "operator"])
    before = _state()
    response = getattr(client, method)(url, data, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"message", "code", "extra"}
    assert _state() == before


@pytest.mark.parametrize("url", [
    f"/api/v1/tracking-pushes/?order={HUGE}", f"/api/v1/stock-movements/?option={HUGE}",
    "/api/v1/tracking-pushes/?order=²", "/api/v1/warehouse/fulfilment-orders/?seller=²",
])
def test_api_filter_by_an_id_beyond_the_range_finds_nothing(seller_setup, url):
    who = "operator" if "warehouse" in url else "user"
    response = _api(seller_setup[who]).get(url)
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_api_movements_filter_by_an_id_beyond_the_range_is_not_ignored(seller_setup):
    seller = seller_setup["seller"]
    option = make_single(seller=seller).options.get()
    stock_receive(seller=seller, option=option, quantity=3)
    client = _api(seller_setup["user"])
    assert client.get("/api/v1/stock-movements/").json()["count"] == 1
    assert client.get("/api/v1/stock-movements/", {"option": option.pk}).json()["count"] == 1
    assert client.get("/api/v1/stock-movements/", {"option": HUGE}).json()["count"] == 0
    assert client.get("/api/v1/stock-movements/", {"option": "abc"}).status_code == 400  # not an id: said so


def test_api_order_filter_with_a_non_ascii_digit_is_a_400(seller_setup):
    response = _api(seller_setup["user"]).get("/api/v1/orders/", {"account": "²"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_api_retry_of_a_push_id_beyond_the_range_is_a_404(seller_setup):
    response = _api(seller_setup["user"]).post(f"/api/v1/tracking-pushes/{HUGE}/retry/")
    assert response.status_code == 404
    assert set(response.json()) == {"message", "code", "extra"}


def test_confirm_page_says_nothing_to_confirm_for_an_id_beyond_the_range(seller_setup):
    client = _client(seller_setup["user"])
    response = client.post("/orders/confirm/", {"order_ids": HUGE}, follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["Select at least one New order to confirm."]


def _int_routes():
    def walk(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, route)
            elif "<int:" in route:
                yield "/" + re.sub(r"<int:\w+>", HUGE, route)
    return sorted({route for route in walk(get_resolver()) if "<" not in route})


def test_every_url_with_an_id_in_its_path_takes_one_beyond_the_range(seller_setup):
    """A sweep: GET and an empty POST to each URL with an <int:…> part, as a seller and as the QFC operator."""
    routes = _int_routes()
    assert len(routes) > 20
    failures = []
    for who in ("user", "operator"):
        client = _client(seller_setup[who])
        for url in routes:
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                if response.status_code >= 500:
                    failures.append((who, method, url, response.status_code))
    assert failures == []


# --- Defect 2: JSON nested too deeply ------------------------------------------------------------------------

DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize("url", ["/api/v1/auth/token/", "/api/v1/orders/confirm/", "/api/v1/fulfilment-orders/"])
def test_json_nested_too_deeply_is_a_400(seller_setup, url):
    client = APIClient(raise_request_exception=False)
    if url != "/api/v1/auth/token/":
        client.force_authenticate(seller_setup["user"])
    before = _state()
    response = client.generic("POST", url, DEEP, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"message", "code", "extra"}
    assert "nested too deeply" in body["message"]
    assert _state() == before


@pytest.mark.parametrize("url, body", [
    ("/api/v1/waybills/print/", '{"order_ids": [1], "kind": "\\ud800"}'),
    ("/api/v1/waybills/print/", '{"order_ids": [1], "paper": "\\udfff"}'),
    ("/api/v1/skus/", '{"kind": "\\ud800", "name": "x"}'),
    ("/api/v1/sales-site-accounts/", '{"site": "\\ud800", "shop_id": "x"}'),
    ("/api/v1/orders/confirm/", '{"\\ud800": 1}'),
])
def test_json_with_a_lone_surrogate_is_a_400(seller_setup, url, body):
    client = _api(seller_setup["user"])
    before = _state()
    response = client.generic("POST", url, body, content_type="application/json")
    assert response.status_code == 400, response.status_code
    assert "lone UTF-16 surrogate" in response.json()["message"]
    assert _state() == before
    # A character written as a surrogate pair is a character.
    emoji = client.generic("POST", "/api/v1/waybills/print/", '{"order_ids": [1], "kind": "\\ud83d\\ude00"}',
                           content_type="application/json")
    assert emoji.status_code == 400 and "😀" in emoji.json()["extra"]["fields"]["kind"][0]


def test_token_endpoint_still_takes_a_form_and_json(seller_setup):
    client = APIClient()
    user = seller_setup["user"]
    assert client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}).status_code == 200
    assert client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD},
                       format="json").status_code == 200


# --- Defect 3: open redirects --------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [EVIL, "//evil.example.com/x", "https:///evil.example.com/"])
@pytest.mark.parametrize("active", [False, True])
def test_account_activate_does_not_redirect_to_another_site(seller_setup, target, active):
    account = seller_setup["account"]
    url = f"/sales-sites/{account.pk}/{'activate' if active else 'deactivate'}/"
    response = _client(seller_setup["user"]).post(url, {"next": target})
    assert response.status_code == 302
    assert response["Location"] == "/sales-sites/"


def test_account_activate_still_goes_back_to_a_page_of_the_portal(seller_setup):
    account = seller_setup["account"]
    response = _client(seller_setup["user"]).post(f"/sales-sites/{account.pk}/deactivate/",
                                                  {"next": f"/sales-sites/{account.pk}/"})
    assert response["Location"] == f"/sales-sites/{account.pk}/"


@pytest.mark.parametrize("target", [EVIL, "//evil.example.com/x", "/\\evil.example.com/x"])
def test_print_does_not_redirect_to_another_site(seller_setup, target):
    client = _client(seller_setup["user"])
    invalid = client.post("/waybills/print/", {"next": target})  # no selection: back with an error
    assert invalid.status_code == 302 and invalid["Location"] == "/waybills/print/"
    printed = client.post("/waybills/print/", {"order_ids": seller_setup["confirmed"].pk, "kind": "invoice",
                                               "paper": "label", "next": target})
    assert printed.status_code == 302
    assert printed["Location"] == f"/waybills/print/?batch={PrintBatch.objects.get().pk}"


def test_print_still_goes_back_to_the_filtered_page(seller_setup):
    response = _client(seller_setup["user"]).post("/waybills/print/", {"next": "/waybills/print/?kind=packing"})
    assert response["Location"] == "/waybills/print/?kind=packing"


@pytest.mark.parametrize("target", [EVIL, "//evil.example.com/x"])
def test_push_failures_does_not_redirect_to_another_site(seller_setup, target):
    response = _client(seller_setup["user"]).post("/waybills/push-failures/", {"action": "retry", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/waybills/push-failures/"


@pytest.mark.parametrize("target", [EVIL, "//evil.example.com/x"])
def test_pick_list_does_not_redirect_to_another_site(seller_setup, target):
    response = _client(seller_setup["operator"]).post("/inventory/fulfilment/pick-list/", {"back": target})
    assert response.status_code == 302
    assert response["Location"] == "/inventory/fulfilment/"


@pytest.mark.parametrize(("url", "data", "default"), [
    ("/orders/confirm/", {}, "/orders/"),
    ("/inventory/skus/check-links/", {}, "/inventory/skus/"),
])
def test_other_next_values_keep_to_the_portal(seller_setup, url, data, default):
    response = _client(seller_setup["user"]).post(url, {**data, "next": EVIL})
    assert response.status_code == 302
    assert response["Location"] == default


@pytest.mark.parametrize("target", ["abc", "orders:order-list", "orders/", "javascript:alert(1)"])
def test_a_next_value_that_is_not_a_path_goes_to_the_default(seller_setup, target):
    """A bare word was taken for a URL pattern's name by redirect(): a 500 after the action was done."""
    client = _client(seller_setup["user"])
    account = seller_setup["account"]
    response = client.post(f"/sales-sites/{account.pk}/deactivate/", {"next": target})
    assert (response.status_code, response["Location"]) == (302, "/sales-sites/")
    response = client.post("/orders/confirm/", {"order_ids": [seller_setup["order"].pk], "next": target})
    assert (response.status_code, response["Location"]) == (302, "/orders/")


@pytest.mark.parametrize("params", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"},
                                    {"date_from": "1999-12-31", "date_to": "2100-01-01"}])
@pytest.mark.parametrize("url", ["/orders/", "/orders/export/", "/waybills/print/"])
def test_pages_refuse_a_date_at_the_calendars_edge_with_a_message(seller_setup, url, params):
    # The export sends the seller back to the list, which says what is wrong (no file of another selection).
    response = _client(seller_setup["user"]).get(url, params, follow=True)
    assert response.status_code == 200, response.status_code
    assert "Enter a date between 2000-01-01 and 2099-12-31." in response.content.decode()


@pytest.mark.parametrize("params", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"},
                                    {"updated_since": "0001-01-01T00:00:00"}, {"updated_since": "0001-01-01"},
                                    {"updated_since": "9999-12-31T23:59:59+09:00"}])
def test_api_refuses_a_date_at_the_calendars_edge_with_a_400(seller_setup, params):
    response = _api(seller_setup["user"]).get("/api/v1/orders/", params)
    assert response.status_code == 400, response.content
    (field,) = params
    assert response.json()["extra"]["fields"][field] == ["Enter a date between 2000-01-01 and 2099-12-31."]
    assert _api(seller_setup["user"]).get("/api/v1/orders/", {"date_to": "2099-12-31"}).status_code == 200


@pytest.mark.parametrize("state", ["\x00", "nope"])
def test_api_push_list_refuses_a_state_that_is_not_one(seller_setup, state):
    response = _api(seller_setup["user"]).get("/api/v1/tracking-pushes/", {"state": state})
    assert response.status_code == 400 and "state" in response.json()["extra"]["fields"]
    assert _api(seller_setup["user"]).get("/api/v1/tracking-pushes/", {"state": "failed"}).status_code == 200


# --- NUL characters in text read straight from a request ---------------------------------------------------------

@pytest.fixture
def no_nul_reaches_the_database():
    """PostgreSQL refuses a text parameter holding NUL (ValueError: "A string literal cannot contain NUL (0x00)
    characters"): a 500 there, while SQLite takes it. Every query is checked, so SQLite shows it too."""
    from django.db import connection

    sent = []

    def check(execute, sql, params, many, context):
        rows = params if many else [params]
        if any(isinstance(value, str) and "\x00" in value for row in rows or () for value in row or ()):
            sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(check):
        yield sent


@pytest.mark.parametrize(("url", "params"), [
    ("/inventory/fulfilment/send/", {"q": "TSHIRT\x00"}),
    ("/inventory/fulfilment/send/", {"q": "TSHIRT\x00", "tab": "waiting"}),
    ("/inventory/needs-mapping/", {"pick": "TSHIRT-BLK", "q": "TSHIRT\x00"}),
])
def test_seller_searches_with_a_nul_character_are_not_a_500(seller_setup, no_nul_reaches_the_database, url, params):
    make_single(seller=seller_setup["seller"], code="TSHIRT-BLK")
    response = _client(seller_setup["user"]).get(url, params)
    assert response.status_code == 200, response.status_code
    assert no_nul_reaches_the_database == []


def test_pick_sku_with_a_nul_character_in_the_code_is_a_message(seller_setup, no_nul_reaches_the_database):
    """Needs mapping ▸ Pick SKU posts the code as typed (no form field refuses NUL on the way)."""
    option = make_single(seller=seller_setup["seller"], code="TSHIRT-BLK").options.get()
    before = _state()
    response = _client(seller_setup["user"]).post("/inventory/needs-mapping/",
                                                  {"code": "TSHIRT\x00BLK", "option_id": option.pk})
    assert response.status_code == 400, response.status_code
    assert "cannot contain tabs or line breaks" in response.content.decode()
    assert no_nul_reaches_the_database == []
    option.refresh_from_db()
    assert option.code == "TSHIRT-BLK" and _state() == before


def test_a_token_with_a_nul_character_is_a_401(seller_setup, no_nul_reaches_the_database):
    """Gunicorn refuses such a header, but runserver and other servers pass it on to the token lookup."""
    client = APIClient(raise_request_exception=False)
    response = client.get("/api/v1/orders/", HTTP_AUTHORIZATION="Token 0123456789abcdef\x000123456789abcdef0123456")
    assert response.status_code == 401, response.status_code
    assert response.json()["code"] == "authentication_failed"
    assert no_nul_reaches_the_database == []


def test_a_session_cookie_with_a_nul_character_is_signed_out(seller_setup, no_nul_reaches_the_database):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    response = client.get("/orders/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert no_nul_reaches_the_database == []
