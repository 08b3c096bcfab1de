"""A page's own requests (htmx polls, QFC receiving's scans) when the user is signed out or the page's CSRF
token no longer holds: answered so the page can react, never with a login page or Django's CSRF page to swap
into a card or to read as JSON."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import PASSWORD, make_account, make_seller_user

pytestmark = pytest.mark.django_db


def test_a_signed_out_htmx_poll_sends_the_whole_page_to_the_login(client):
    response = client.get("/sales-sites/syncs/1/progress/", HTTP_HX_REQUEST="true",
                          HTTP_HX_CURRENT_URL="http://testserver/sales-sites/7/?tab=runs")
    assert response.status_code == 204 and response.content == b""
    assert response["HX-Redirect"] == "/accounts/login/?next=/sales-sites/7/%3Ftab%3Druns"

    # A page of another host is not taken as where to come back to.
    response = client.get("/sales-sites/syncs/1/progress/", HTTP_HX_REQUEST="true",
                          HTTP_HX_CURRENT_URL="https://evil.example/phish")
    assert response["HX-Redirect"] == "/accounts/login/?next=/"


def test_a_signed_out_script_asking_for_json_gets_a_401_it_can_show(client):
    response = client.get("/waybills/receiving/lookup/", {"label": "PK00000000018"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "signed_out" and "sign in again" in response.json()["message"]
    response = client.post("/waybills/receiving/", {"label": "PK00000000018"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 401 and response.json()["code"] == "signed_out"


def test_a_person_signed_out_is_still_sent_to_the_login_page(client):
    response = client.get("/orders/?status=new")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/orders/%3Fstatus%3Dnew"


def test_a_form_sent_with_a_stale_token_says_the_page_was_out_of_date_and_changes_nothing():
    seller, user = make_seller_user(username="stale")
    account = make_account(seller=seller)
    browser = Client(enforce_csrf_checks=True)
    browser.login(username="stale", password=PASSWORD)
    page = f"http://testserver/sales-sites/{account.pk}/"
    response = browser.post(f"/sales-sites/{account.pk}/deactivate/", HTTP_REFERER=page)
    assert response.status_code == 403
    text = response.content.decode()
    assert "This page was out of date" in text and "reload the page and try again" in text
    assert f'href="{page}"' in text, "a way back to the page it came from"
    account.refresh_from_db()
    assert account.is_active

    # A referer of another host is no way back.
    response = browser.post("/orders/confirm/", {"order_ids": "1"}, HTTP_REFERER="https://evil.example/")
    assert response.status_code == 403 and "evil.example" not in response.content.decode()

    answer = browser.post("/waybills/receiving/", {"label": "PK00000000018"}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 403 and answer.json()["code"] == "page_out_of_date"


def test_a_form_sent_after_the_session_ended_says_nothing_was_done_at_the_login(client):
    """Print pressed in a tab left open after logging out in another: the login page says so and brings the
    user back to the page the form was on (not to the form's address, which takes no GET)."""
    response = client.post("/waybills/print/", {"order_ids": "1", "kind": "invoice"},
                           HTTP_REFERER="http://testserver/waybills/print/?kind=packing")
    assert response["Location"] == "/accounts/login/?next=/waybills/print/%3Fkind%3Dpacking"
    page = client.get(response["Location"]).content.decode()
    assert "You are signed out" in page and "Nothing was changed." in page
    # A referer of another host is no way back.
    response = client.post("/orders/confirm/", {"order_ids": "1"}, HTTP_REFERER="https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=/"
