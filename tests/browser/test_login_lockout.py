import pytest

from tests.factories import PASSWORD, make_seller_user
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_too_many_wrong_passwords_lock_the_username_with_a_clear_message(page, live_server, screenshot, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_seller_user(username="guessed")
    make_seller_user(username="colleague")

    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.fill("input[name=username]", "guessed")
        page.fill("input[name=password]", "not-the-password")
        page.click("button[type=submit]")
    alert = page.locator(".alert-error")
    assert "Too many failed sign-ins for this username from your address. Try again in 15 minutes at the latest." in alert.inner_text()
    assert page.input_value("input[name=username]") == "guessed"
    screenshot("login-locked-out")

    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    assert "Too many failed sign-ins" in page.locator(".alert-error").inner_text()
    assert "/accounts/login/" in page.url

    login(page, live_server.url, "colleague", PASSWORD)  # the same address, another username
