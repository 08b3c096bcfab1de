"""Password guessing: a username is locked out from one client address after too many failed sign-ins.

Real axes on real SQL: the failures are rows in axes' AccessAttempt table; the cool-off is passed by moving
those rows back in time.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from sellers.models import User
from tests.core.test_config import production_env, run_manage
from tests.factories import PASSWORD, make_seller_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
OFFICE = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
LOCKED = "Too many failed sign-ins for this username from your address. Try again in 15 minutes at the latest."


@pytest.fixture(autouse=True)
def _fast_hashes_and_fresh_throttles(settings):
    # Dozens of sign-ins per test: the password hasher is not what is tested here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # DRF's throttle counts live in the cache, which outlives a test
    yield
    cache.clear()


@pytest.fixture
def limit(settings) -> int:
    # The defaults, which the messages below name.
    assert settings.AXES_FAILURE_LIMIT == 5 and settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    return settings.AXES_FAILURE_LIMIT


def sign_in(username: str, password: str, *, ip: str = OFFICE, **headers):
    """One sign-in on the login page from a fresh browser at ``ip``."""
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)
    response.signed_in = response.wsgi_request.user.is_authenticated  # (client.session would create a session)
    return response


def get_token(username: str, password: str, *, ip: str = OFFICE):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip)


def fail(username: str, times: int, *, ip: str = OFFICE, **headers) -> list:
    return [sign_in(username, "not-the-password", ip=ip, **headers) for _ in range(times)]


def assert_locked_page(response, username: str) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    body = response.content.decode()
    assert LOCKED in body
    assert "correct username and password" not in body
    # The login page again, as it looks, with the username kept.
    assert 'class="auth-card"' in body and 'class="alert alert-error"' in body
    assert f'value="{username}"' in body
    assert not response.signed_in


def test_failures_below_the_limit_then_the_right_password_signs_in_and_clears_the_count(limit):
    _, user = make_seller_user()
    for response in fail(user.username, limit - 1):
        assert response.status_code == 200
        assert "correct username and password" in response.content.decode()
    assert AccessAttempt.objects.get(username=user.username, ip_address=OFFICE).failures_since_start == limit - 1

    response = sign_in(user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.signed_in
    assert not AccessAttempt.objects.filter(username=user.username).exists()

    # The count started again: another limit - 1 failures still do not lock.
    fail(user.username, limit - 1)
    assert sign_in(user.username, PASSWORD).signed_in


def test_the_limit_locks_that_username_from_that_address_only(limit):
    _, user = make_seller_user()
    _, colleague = make_seller_user()

    *before, last = fail(user.username, limit)
    assert {r.status_code for r in before} == {200}
    assert_locked_page(last, user.username)  # the failure that reaches the limit already says so

    assert_locked_page(sign_in(user.username, PASSWORD), user.username)  # the right password is refused too
    assert sign_in(colleague.username, PASSWORD).signed_in  # a colleague behind the same address
    assert sign_in(user.username, PASSWORD, ip=ELSEWHERE).signed_in  # the same person from another address


def test_the_lockout_ends_after_the_cool_off(limit, settings):
    _, user = make_seller_user()
    fail(user.username, limit)
    attempts = AccessAttempt.objects.filter(username=user.username, ip_address=OFFICE)

    locked_at = timezone.now() - settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    attempts.update(attempt_time=locked_at)
    assert_locked_page(sign_in(user.username, PASSWORD), user.username)
    # Tries during the lockout are refused and not recorded: the cool-off runs from the failure that locked it,
    # and nobody can grow the record by trying on.
    for _ in range(20):
        sign_in(user.username, "not-the-password", QUERY_STRING="x=" + "y" * 1000)
    attempt = attempts.get()
    assert attempt.attempt_time == locked_at and len(attempt.get_data) < 2000

    attempts.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert sign_in(user.username, PASSWORD).signed_in


def test_a_locked_out_sign_in_changes_nothing_else(limit):
    _, user = make_seller_user()
    fail(user.username, limit)
    user.refresh_from_db()
    before = (user.last_login, Session.objects.count(), AccessLog.objects.count(), Token.objects.count())

    assert sign_in(user.username, PASSWORD).status_code == 429
    assert get_token(user.username, PASSWORD).status_code == 429

    user.refresh_from_db()
    assert (user.last_login, Session.objects.count(), AccessLog.objects.count(), Token.objects.count()) == before


def test_the_token_endpoint_locks_out_with_a_json_429(limit):
    _, user = make_seller_user()
    for _ in range(limit - 1):
        response = get_token(user.username, "not-the-password")
        assert response.status_code == 400 and response.json()["code"] == "invalid_credentials"

    response = get_token(user.username, "not-the-password")
    assert response.status_code == 429
    assert response.json() == {"message": LOCKED, "code": "locked_out", "extra": {}}
    assert response["Retry-After"] == "900"

    response = get_token(user.username, PASSWORD)
    assert response.status_code == 429 and response.json()["code"] == "locked_out"
    assert not Token.objects.filter(user=user).exists()
    assert get_token(user.username, PASSWORD, ip=ELSEWHERE).status_code == 200


def test_the_login_page_and_the_token_endpoint_share_one_count(limit):
    _, user = make_seller_user()
    fail(user.username, limit - 1)
    assert get_token(user.username, "not-the-password").status_code == 429
    assert sign_in(user.username, PASSWORD).status_code == 429


def test_a_token_clears_the_count_like_a_sign_in(limit):
    _, user = make_seller_user()
    for _ in range(2):
        for _ in range(limit - 1):
            assert get_token(user.username, "not-the-password").status_code == 400
        assert get_token(user.username, PASSWORD).status_code == 200


def test_the_admin_login_is_locked_out_too(limit):
    User.objects.create_superuser("root", "root@example.com", PASSWORD)
    client = Client()
    for _ in range(limit - 1):
        assert client.post("/admin/login/?next=/admin/", {"username": "root", "password": "nope"}).status_code == 200
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": "nope"})
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302  # still signed out


def test_an_operator_unlocks_with_the_axes_commands(limit):
    _, user = make_seller_user()
    fail(user.username, limit)
    call_command("axes_reset_username", user.username)
    assert sign_in(user.username, PASSWORD).signed_in

    fail(user.username, limit)
    call_command("axes_reset_ip_username", OFFICE, user.username)
    assert sign_in(user.username, PASSWORD).signed_in


def test_behind_the_proxy_the_address_is_the_one_it_appended(limit, settings):
    settings.SMARTSHIP_BEHIND_PROXY = True
    _, user = make_seller_user()
    _, neighbour = make_seller_user()
    proxy = "10.0.0.2"
    # The client writes a different address of its own in front each time; the proxy appends the real one.
    for n in range(limit):
        sign_in(user.username, "not-the-password", ip=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {OFFICE}")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [OFFICE]
    assert sign_in(user.username, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=OFFICE).status_code == 429
    assert sign_in(user.username, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE).signed_in
    assert sign_in(neighbour.username, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=OFFICE).signed_in


def test_x_forwarded_for_is_believed_only_from_the_proxy(limit, settings):
    """A client reaching the server directly cannot name an address: not to escape the count, nor to lock
    someone else's office out."""
    settings.SMARTSHIP_BEHIND_PROXY = True
    _, user = make_seller_user()
    for n in range(limit):
        sign_in(user.username, "not-the-password", ip="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.9"]
    assert sign_in(user.username, PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR=OFFICE).signed_in


def test_a_proxy_entry_with_a_port_and_ipv6_clients_by_their_block(limit, settings):
    settings.SMARTSHIP_BEHIND_PROXY = True
    _, user = make_seller_user()
    _, other = make_seller_user()
    proxy = "10.0.0.2"
    for n in range(limit):  # a load balancer that appends ip:port: still the client's address
        sign_in(user.username, "not-the-password", ip=proxy, HTTP_X_FORWARDED_FOR=f"{OFFICE}:{40000 + n}")
    assert sign_in(user.username, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=f"{OFFICE}:50000").status_code == 429
    assert sign_in(user.username, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE).signed_in
    # Every address of one /64 is one client: a new address for each guess does not help.
    for n in range(limit):
        sign_in(other.username, "not-the-password", ip=proxy, HTTP_X_FORWARDED_FOR=f"[2001:db8:1:2::{n + 1:x}]:443")
    assert sign_in(other.username, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="2001:db8:1:2:ffff::1").status_code == 429
    assert sign_in(other.username, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="2001:db8:1:3::1").signed_in


def test_a_username_longer_than_any_is_an_ordinary_failure(limit):
    """No form limits its length; axes' column holds 255 characters (a 500 on PostgreSQL before)."""
    long_name = "a" * 300
    assert sign_in(long_name, "whatever").status_code == 200
    assert get_token(long_name, "whatever").status_code == 400
    response = Client().post("/admin/login/", {"username": long_name, "password": "whatever"}, REMOTE_ADDR=OFFICE)
    assert response.status_code == 200
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"a" * 150}


def test_without_a_proxy_x_forwarded_for_is_ignored(limit):
    _, user = make_seller_user()
    for n in range(limit):
        sign_in(user.username, "not-the-password", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert sign_in(user.username, PASSWORD, HTTP_X_FORWARDED_FOR=ELSEWHERE).status_code == 429


def test_commands_and_the_test_client_sign_in_without_a_request(limit):
    """authenticate() without a request (manage.py, Client.login) is not counted and not refused."""
    from django.contrib.auth import authenticate

    _, user = make_seller_user()
    assert authenticate(username=user.username, password=PASSWORD) == user
    assert Client().login(username=user.username, password=PASSWORD)


def test_the_token_endpoint_is_throttled_per_address(settings):
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth-token"].split("/")[0])
    client = APIClient()
    for _ in range(rate):  # no credentials: throttled requests are what counts, not sign-ins
        assert client.post(TOKEN, {}, format="json", REMOTE_ADDR=OFFICE).status_code == 400
    response = client.post(TOKEN, {}, format="json", REMOTE_ADDR=OFFICE)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert client.post(TOKEN, {}, format="json", REMOTE_ADDR=ELSEWHERE).status_code == 400


def test_signed_in_api_calls_are_throttled_per_user(monkeypatch):
    # The throttles read their rates once, at import; a small one for this test keeps it short.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "3/minute")
    _, user = make_seller_user()
    _, other = make_seller_user()
    api = APIClient()
    api.force_authenticate(user)
    assert [api.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
    api.force_authenticate(other)
    assert api.get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize(("env", "expected"), [
    ({"SMARTSHIP_LOGIN_FAILURE_LIMIT": "0"}, "SMARTSHIP_LOGIN_FAILURE_LIMIT and SMARTSHIP_LOGIN_COOLOFF_MINUTES must be"),
    ({"SMARTSHIP_API_USER_RATE": "lots"}, "SMARTSHIP_API_USER_RATE must be requests per"),
])
def test_bad_limits_stop_start_up_with_one_line(env, expected):
    result = run_manage("check", **production_env(**env))
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr
