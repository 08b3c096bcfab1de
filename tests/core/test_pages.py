import re
from pathlib import Path

import pytest
from django.urls import reverse

from inventory.models import Sku
from tests.factories import PASSWORD, make_seller_user

PAGES = ["dashboard", "integrations:account-list", "orders:order-list", "waybills:print", "inventory:sku-list"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_pages_require_login(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_pages_render_for_a_seller(client, name):
    _, user = make_seller_user(name="테스트 상점")
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    body = response.content.decode()
    for label in ["Sales Site API", "Orders", "Print Waybill", "SKU Management"]:
        assert label in body
    assert "테스트 상점" in body


@pytest.mark.django_db
def test_login_and_logout(client):
    _, user = make_seller_user()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


@pytest.mark.django_db
def test_wrong_password_shows_an_error(client):
    _, user = make_seller_user()
    response = client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


@pytest.mark.django_db
def test_user_without_a_seller_gets_403_on_seller_pages(client, django_user_model):
    operator = django_user_model.objects.create_user(username="qfc1", password=PASSWORD, is_warehouse_operator=True)
    client.force_login(operator)
    assert client.get(reverse("integrations:account-list")).status_code == 403
    assert client.get(reverse("dashboard")).status_code == 200


def test_templates_and_static_load_nothing_from_other_hosts():
    root = Path(__file__).resolve().parents[2]
    external = re.compile(r"""(src|href)\s*=\s*["'](https?:)?//""", re.IGNORECASE)
    offenders = [
        str(path.relative_to(root))
        for folder in ("templates", "static/css", "static/js")
        for path in (root / folder).rglob("*")
        if path.is_file() and external.search(path.read_text(encoding="utf-8", errors="ignore"))
    ]
    assert offenders == []


@pytest.mark.django_db
def test_healthz_needs_no_login(client):
    assert client.get("/healthz").json() == {"ok": True}


@pytest.mark.django_db
def test_admin_lists_every_model_for_operators(admin_client):
    for url in ["/admin/inventory/fulfilmentorder/", "/admin/inventory/stockmovement/", "/admin/orders/order/",
                "/admin/waybills/trackingpush/", "/admin/integrations/salessiteaccount/"]:
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_warehouse_operator_menu_shows_warehouse_pages_only(client, django_user_model):
    operator = django_user_model.objects.create_user(username="qfc-menu", password=PASSWORD, is_warehouse_operator=True)
    client.force_login(operator)
    nav = client.get("/").content.decode().split("<nav>")[1].split("</nav>")[0]
    assert "Fulfilment orders" in nav and "Receiving" in nav
    assert "Sales Site API" not in nav and "Print Waybill" not in nav


@pytest.mark.django_db
def test_admin_never_shows_a_stored_api_key(admin_client):
    from tests.factories import make_account

    seller, _ = make_seller_user()
    account = make_account(seller=seller, api_key="VERY-SECRET-LOTTEON-KEY-9876")
    html = admin_client.get(f"/admin/integrations/salessiteaccount/{account.pk}/change/").content.decode()
    assert "VERY-SECRET" not in html and account.api_key_encrypted not in html
    assert "9876" in html  # the last four, as everywhere


@pytest.mark.django_db
def test_a_forbidden_page_says_why_inside_the_portal(client):
    """A seller opening a QFC page gets the portal's layout and the reason, not a bare "403 Forbidden"."""
    _, user = make_seller_user()
    client.force_login(user)
    response = client.get(reverse("inventory:fulfilment-list"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "Only QFC warehouse operators may open this page." in body
    assert "Back to the dashboard" in body and "SKU Management" in body


@pytest.mark.django_db
def test_a_missing_page_is_a_portal_page(client):
    _, user = make_seller_user()
    client.force_login(user)
    response = client.get("/orders/99999999/")
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_the_server_error_page_needs_no_request_context(client, settings):
    from django.template.loader import render_to_string

    assert "Something went wrong on our side" in render_to_string("500.html")


@pytest.mark.django_db
def test_an_unknown_api_path_answers_in_the_api_error_shape(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found" and "/api/docs/" in response.json()["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/v1/sales-site-accounts/abc/"),
    ("patch", "/api/v1/sales-site-accounts/abc/"),
    ("get", "/api/v1/orders/1x/"),
    ("post", "/api/v1/waybills/abc/set-aside/"),
    ("post", "/api/v1/tracking-pushes/abc/retry/"),
    ("get", "/api/v1/warehouse/fulfilment-orders/abc/"),
    ("get", "/api/schema/nothing"),
])
def test_every_404_under_the_api_answers_its_json_error(client, settings, debug, method, path):
    """Not Django's HTML page, also on a development server (DEBUG), whose 404 page skips handler404."""
    settings.DEBUG = debug
    _, user = make_seller_user()
    client.force_login(user)
    response = getattr(client, method)(path, content_type="application/json")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"message", "code", "extra"} and body["code"] == "not_found"
    assert "not a number" in body["message"] and "/api/docs/" in body["message"]


@pytest.mark.django_db
def test_an_api_path_missing_its_slash_is_still_redirected_first(client):
    _, user = make_seller_user()
    client.force_login(user)
    response = client.get("/api/v1/sales-site-accounts/12")
    assert response.status_code == 301 and response["Location"] == "/api/v1/sales-site-accounts/12/"


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize(("method", "path", "slashed"), [
    ("post", "/api/v1/skus", "/api/v1/skus/"),
    ("patch", "/api/v1/skus/1", "/api/v1/skus/1/"),
    ("put", "/api/v1/skus/1", "/api/v1/skus/1/"),
    ("delete", "/api/v1/sales-site-accounts/1", "/api/v1/sales-site-accounts/1/"),
    ("post", "/api/v1/orders/confirm?x=1", "/api/v1/orders/confirm/?x=1"),
])
def test_a_write_to_an_api_path_missing_its_slash_is_a_json_404_naming_the_path(client, settings, debug, method,
                                                                                path, slashed):
    """Not a redirect, which a client follows with a GET that drops the body (a POST to /api/v1/skus answered the
    list of SKUs), nor Django's RuntimeError page with DEBUG on."""
    settings.DEBUG = debug
    seller, user = make_seller_user()
    client.force_login(user)
    response = getattr(client, method)(path, {"kind": "single", "name": "머그", "code": "MUG-1"},
                                       content_type="application/json")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "not_found" and body["extra"] == {"path": slashed}
    assert f"{method.upper()} {slashed}" in body["message"]
    assert not Sku.objects.filter(seller=seller).exists()


@pytest.mark.django_db
def test_a_missing_page_stays_a_page_when_debugging(client, settings):
    settings.DEBUG = True
    _, user = make_seller_user()
    client.force_login(user)
    response = client.get("/orders/abc/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def h1_texts(body: str) -> list[str]:
    """The text of every <h1> of a page, tags and surrounding space removed."""
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h1\b[^>]*>(.*?)</h1>", body, re.S)]


def links(body: str) -> dict[str, str]:
    """Each link's text (tags removed) and where it goes."""
    return {re.sub(r"<[^>]+>", "", text).strip(): href
            for href, text in re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', body, re.S)}


@pytest.mark.django_db
def test_the_error_pages_have_one_heading_and_a_way_on(client):
    """403 and 404 name what happened in one <h1> and link on to the dashboard and Orders."""
    _, user = make_seller_user()
    client.force_login(user)
    forbidden = client.get(reverse("inventory:fulfilment-list")).content.decode()
    missing = client.get("/orders/99999999/").content.decode()
    assert h1_texts(forbidden) == ["You cannot open this page"]
    assert h1_texts(missing) == ["This page does not exist"]
    for body in (forbidden, missing):
        content = body.split('id="content"')[1]
        assert links(content) == {"Back to the dashboard": reverse("dashboard"), "Go to Orders": reverse("orders:order-list")}


@pytest.mark.django_db
def test_the_error_pages_offer_what_a_warehouse_operator_or_a_visitor_can_open(client, django_user_model):
    operator = django_user_model.objects.create_user(username="qfc-404", password=PASSWORD, is_warehouse_operator=True)
    client.force_login(operator)
    content = client.get(reverse("integrations:account-list")).content.decode().split('id="content"')[1]
    assert links(content) == {"Back to the dashboard": reverse("dashboard"),
                              "Go to Fulfilment orders": reverse("inventory:fulfilment-list")}
    client.logout()
    # Not signed in, an unknown address is a 404 (not the login redirect): it offers the login, not a Log out.
    body = client.get("/no-such-page/").content.decode()
    assert h1_texts(body) == ["This page does not exist"]
    assert links(body.split('id="content"')[1]) == {"Log in": reverse("login")}
    assert "Log out" not in body


@pytest.mark.django_db
def test_the_login_page_has_one_heading(client):
    assert h1_texts(client.get(reverse("login")).content.decode()) == ["Log in"]


@pytest.mark.django_db
def test_logging_out_says_so_and_links_to_the_login(client):
    _, user = make_seller_user()
    client.force_login(user)
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain == [(reverse("logged-out"), 302)]
    body = response.content.decode()
    assert h1_texts(body) == ["You have been logged out"]
    assert links(body)["Log in again"] == reverse("login")
    assert client.get(reverse("dashboard")).status_code == 302


@pytest.mark.django_db
def test_the_logged_out_page_does_not_tell_a_signed_in_user_they_are_out(client):
    _, user = make_seller_user()
    client.force_login(user)
    response = client.get(reverse("logged-out"))
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
