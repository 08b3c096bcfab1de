import re
from pathlib import Path

import pytest
from django.urls import reverse

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
