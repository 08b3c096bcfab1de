"""Sign-in lockout against password guessing, with django-axes (docs/deployment.md, "Password guessing").

axes counts failed sign-ins per username and client address; this module gives it the client address, the
authentication backend that refuses a locked-out username, and what a locked-out person is shown.
"""

from __future__ import annotations

import ipaddress
import math
from http import HTTPStatus

from axes.backends import AxesStandaloneBackend
from axes.utils import reset
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import ScopedRateThrottle


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a username locked out from the client's address before ModelBackend looks at the password.

    axes' own backend raises when ``authenticate()`` gets no request. A sign-in without one does not come from
    a client (a management command, Django's test ``Client.login``), so there is nothing to count: the next
    backend decides. Every sign-in over HTTP (the login page, the admin's, the API's token endpoint) passes
    its request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


# The username axes counts and stores: its column holds 255 characters, and a longer one (no login form
# limits it) made the failed attempt's INSERT fail on PostgreSQL, a 500 on every sign-in path.
USERNAME_LIMIT = 150  # Django's User.username


def client_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """``AXES_USERNAME_CALLABLE``: the username tried, as axes reads it, cut to what a username can be."""
    source = credentials if credentials else getattr(request, "data", request.POST)
    return str(source.get("username") or "")[:USERNAME_LIMIT]


def _address(entry: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An X-Forwarded-For entry: ``ip``, ``ip:port`` or ``[v6]:port`` (some load balancers add the port)."""
    entry = entry.strip()
    if entry.startswith("[") and "]" in entry:
        entry = entry[1:entry.index("]")]
    elif entry.count(":") == 1:
        entry = entry.split(":", 1)[0]
    try:
        return ipaddress.ip_address(entry)
    except ValueError:
        return None


def _trusted_proxy(remote: str) -> bool:
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return False
    return any(address in network for network in settings.SMARTSHIP_TRUSTED_PROXIES)


def client_ip(request: HttpRequest) -> str | None:
    """The address failed sign-ins and API token requests are counted by (``AXES_CLIENT_IP_CALLABLE``, the
    token endpoint's throttle).

    Behind the reverse proxy (``DJANGO_BEHIND_PROXY=true``) it is the last X-Forwarded-For entry, the one the
    proxy appended; entries before it come from the client and can be anything. The header is believed only
    when the connection comes from the proxy (``DJANGO_TRUSTED_PROXIES``): a client that reaches the server
    directly could otherwise send it to escape the count, or to lock someone else out. An IPv6 client is
    counted by its /64, the block one subscriber holds, or it could try each password from a new address.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    address = _address(remote)
    if settings.SMARTSHIP_BEHIND_PROXY and _trusted_proxy(remote):
        entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        address = _address(entries[-1]) or address  # no header, or not an address: count by the connection
    if address is None:
        return remote or None
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def cool_off_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message() -> str:
    # The cool-off runs from the failure that locked the username out; tries during the lockout are not
    # recorded (they would grow its record without end), so the full cool-off is the longest wait.
    minutes = math.ceil(cool_off_seconds() / 60)
    return (
        "Too many failed sign-ins for this username from your address. "
        f"Try again in {minutes} minute{'' if minutes == 1 else 's'} at the latest."
    )


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the login page again (the portal's or the admin's) with the reason, as a 429.

    ``original_response`` is the login view's answer to the refused attempt: its form, with the username still
    filled in, is shown again with the lockout instead of "enter a correct username and password".
    """
    message = lockout_message()
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    if form is not None and getattr(original_response, "template_name", None):
        form.errors[NON_FIELD_ERRORS] = form.error_class([message], error_class="nonfield", renderer=form.renderer)
        response = render(request, original_response.template_name, context, status=HTTPStatus.TOO_MANY_REQUESTS)
    else:
        response = HttpResponse(message, status=HTTPStatus.TOO_MANY_REQUESTS, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(cool_off_seconds())
    return response


def lockout_reset(*, request: HttpRequest, username: str) -> None:
    """Clear the failures of ``username`` from this client after it signed in without Django's ``login()``.

    axes does this itself on ``user_logged_in`` (``AXES_RESET_ON_SUCCESS``); the API's token endpoint
    authenticates without logging in, so it calls this.
    """
    reset(ip=client_ip(request), username=username)


class ClientAddressThrottle(ScopedRateThrottle):
    """A scoped rate per client address, the address the lockout counts by (``client_ip``), not DRF's own
    reading of X-Forwarded-For."""

    def get_ident(self, request) -> str:
        return client_ip(request) or super().get_ident(request)
