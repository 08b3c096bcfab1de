"""Every answer carries the Content-Security-Policy, and nothing in the templates needs it relaxed.
How the pages behave under it in a browser: tests/browser/test_content_security_policy.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from inventory.models import FulfilmentOrder
from orders.models import Order
from sellers.models import User
from tests.factories import PASSWORD, make_seller_user

ROOT = Path(__file__).resolve().parents[2]


def policy(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']} ({response.status_code}) has no Content-Security-Policy"
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


def check_strict(response) -> None:
    directives = policy(response)
    path = response.request["PATH_INFO"]
    assert directives["default-src"] == ["'self'"], path
    assert directives["script-src"] == ["'self'"], path  # no 'unsafe-inline', no 'unsafe-eval', no other host
    assert directives["style-src"] == ["'self'"], path
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"], path
    assert directives["base-uri"] == ["'self'"] and directives["form-action"] == ["'self'"], path


def plain_paths(patterns=None, prefix: str = "") -> list[str]:
    """Every URL of the project that takes no argument (the admin's and the API's own are left to their pages)."""
    found = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if "<" in route or "(?P" in route:
            continue
        if isinstance(entry, URLResolver):
            if route not in ("admin/", "api/v1/"):
                found += plain_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            found.append("/" + prefix + route.lstrip("^").rstrip("$"))
    return found


@pytest.mark.django_db
def test_every_page_carries_the_strict_policy(client):
    from tests.browser.test_accessibility import two_of_everything

    seller, user = make_seller_user(username="csp")
    ids = two_of_everything(seller, user)
    order = Order.objects.filter(seller=seller).first()
    sku = seller.skus.first()
    fo = FulfilmentOrder.objects.filter(order__seller=seller).first()
    User.objects.create_user("csp-qfc", password=PASSWORD, is_warehouse_operator=True)
    User.objects.create_superuser("csp-admin", password=PASSWORD)
    paths = plain_paths()
    assert "/orders/" in paths and "/inventory/fulfilment/" in paths and "/api/docs/" in paths
    with_ids = [f"/orders/{order.pk}/", f"/waybills/orders/{order.pk}/", ids["export"], ids["sku"],
                f"/inventory/skus/{sku.pk}/edit/", f"/inventory/fulfilment/{fo.pk}/", "/orders/99999999/",
                "/admin/", "/admin/orders/order/", f"/admin/orders/order/{order.pk}/change/"]

    checked = 0
    for username in (None, "csp", "csp-qfc", "csp-admin"):
        client.logout()
        if username:
            client.login(username=username, password=PASSWORD)
        for path in [*paths, *with_ids]:
            check_strict(client.get(path))
            checked += 1
    assert checked > 150


@pytest.mark.django_db
def test_the_api_docs_need_no_exception(client):
    """Swagger UI's start-up script is a file of its own, from the portal (drf-spectacular's split view)."""
    _, user = make_seller_user()
    client.force_login(user)
    page = client.get("/api/docs/")
    check_strict(page)
    html = page.content.decode()
    assert "<style" not in html
    scripts = re.findall(r"<script\b([^>]*)>", html)
    assert scripts and all('src="/' in attributes for attributes in scripts), scripts
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_templates_have_no_inline_script_style_or_handler():
    """What the policy refuses, caught before a browser sees it: inline <script> and <style>, style="",
    on…="" handlers, javascript: links and htmx's hx-on (evaluated code)."""
    refused = re.compile(r"""<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+\s*=|javascript:|\shx-on""",
                         re.IGNORECASE)
    offenders = [f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
                 for path in (ROOT / "templates").rglob("*.html")
                 for match in refused.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []
