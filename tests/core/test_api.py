import pytest
from django.test import Client
from rest_framework.test import APIClient

from sellers.models import User
from tests.api_schema import openapi, schema_problems
from tests.factories import PASSWORD, make_account, make_seller_user


@pytest.fixture
def api():
    return APIClient()


@pytest.mark.django_db
def test_token_auth_and_me(api):
    seller, user = make_seller_user(name="Token Shop")
    response = api.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Token " + response.json()["token"])
    me = api.get("/api/v1/me/").json()
    assert me == {"username": user.username, "is_warehouse_operator": False, "seller_id": seller.pk, "seller_name": "Token Shop"}


@pytest.mark.django_db
def test_api_without_credentials_is_refused_with_a_json_message(api):
    response = api.get("/api/v1/sales-site-accounts/")
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"message", "code", "extra"}


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["someone", "nobody"])
def test_wrong_credentials_token_request_is_a_clear_400(api, username):
    make_seller_user(username="someone")
    response = api.post("/api/v1/auth/token/", {"username": username, "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"message": "Unable to log in with these credentials: check the username and password "
                                          "(a user that is not active cannot log in either).",
                               "code": "invalid_credentials", "extra": {}}
    assert schema_problems("POST", "/api/v1/auth/token/", response) == []


@pytest.mark.django_db
def test_an_inactive_user_gets_no_token(api):
    _, user = make_seller_user()
    user.is_active = False
    user.save()
    response = api.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_credentials"


@pytest.mark.django_db
def test_a_missing_field_is_still_a_field_error(api):
    response = api.post("/api/v1/auth/token/", {"username": "someone"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "password" in response.json()["extra"]["fields"]


@pytest.mark.django_db
def test_the_token_answer_matches_the_schema(api):
    _, user = make_seller_user()
    response = api.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert schema_problems("POST", "/api/v1/auth/token/", response) == []


@pytest.mark.django_db
def test_me_documents_the_refusals_it_can_answer_and_no_other():
    """/me/ asks only for a signed-in user (any: a seller's, an operator, one of neither), and is a read: nothing
    answers it with 403, which the schema listed for every operation needing a sign-in."""
    responses = openapi()["paths"]["/api/v1/me/"]["get"]["responses"]
    assert "403" not in responses and {"200", "401", "429"} <= set(responses)
    nobody = User.objects.create_user("no-seller", password="x")
    client = APIClient()
    assert client.get("/api/v1/me/").status_code == 401
    client.force_authenticate(nobody)
    assert client.get("/api/v1/me/").json()["seller_id"] is None
    # Where a 403 is listed, it says what refuses: the seller membership, the operator role, the CSRF of a session.
    seller_write = openapi()["paths"]["/api/v1/skus/"]["post"]["responses"]["403"]["description"]
    assert "user of a seller" in seller_write and "CSRF" in seller_write
    assert "warehouse operators" in openapi()["paths"]["/api/v1/warehouse/couriers/"]["get"]["responses"]["403"][
        "description"]


@pytest.mark.django_db
def test_the_token_request_is_not_refused_for_a_session_or_a_stale_token():
    """The body's username and password are its credentials: a browser signed in to the portal (whose session
    cookie made DRF ask for a CSRF token, 403) or a client still sending an old token (401) gets its token."""
    _, user = make_seller_user()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    answer = browser.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD},
                          content_type="application/json")
    assert answer.status_code == 200, answer.content
    stale = APIClient()
    stale.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    answer = stale.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
    assert answer.status_code == 200, answer.content
    assert set(openapi()["paths"]["/api/v1/auth/token/"]["post"]["responses"]) == {"200", "400", "429", "default"}


@pytest.mark.django_db
def test_seller_sees_only_its_own_accounts(api):
    seller_a, user_a = make_seller_user()
    seller_b, _ = make_seller_user()
    own = make_account(seller=seller_a, shop_id="mine")
    other = make_account(seller=seller_b, shop_id="theirs", api_key="secret-of-b-1234", account_number="LO20000002")
    api.force_authenticate(user_a)

    listed = api.get("/api/v1/sales-site-accounts/").json()
    assert [row["shop_id"] for row in listed] == ["mine"]
    assert api.get(f"/api/v1/sales-site-accounts/{own.pk}/").status_code == 200
    response = api.get(f"/api/v1/sales-site-accounts/{other.pk}/")
    assert response.status_code == 404
    assert "theirs" not in response.content.decode()


@pytest.mark.django_db
def test_seller_pages_show_only_own_accounts(client):
    seller_a, user_a = make_seller_user()
    seller_b, _ = make_seller_user()
    make_account(seller=seller_a, shop_id="mine-shop")
    make_account(seller=seller_b, shop_id="their-shop", account_number="LO20000002")
    client.force_login(user_a)
    body = client.get("/sales-sites/").content.decode()
    assert "mine-shop" in body and "their-shop" not in body


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served_locally(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/sales-site-accounts/" in schema.content
    _, user = make_seller_user()
    client.force_login(user)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_openapi_schema_builds_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi:")


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_body_beyond_djangos_limits_is_a_json_400(settings, debug):
    """Django refuses it when DRF reads the body; that was its HTML 400 page (the technical one with DEBUG on)."""
    settings.DEBUG = debug
    seller, user = make_seller_user()
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(user)
    big = api.post("/api/v1/skus/", {"kind": "single", "name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
                                     "code": "BIG-1"}, format="json")
    fields = api.post("/api/v1/orders/confirm/", "&".join(
        f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)),
        content_type="application/x-www-form-urlencoded")
    for response in (big, fields):
        assert (response.status_code, response["Content-Type"]) == (400, "application/json"), response.content[:200]
        assert response.json()["code"] == "too_large" and "nothing was changed" in response.json()["message"]
    assert not seller.skus.exists()
