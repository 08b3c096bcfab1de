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


def client_ip(request: HttpRequest) -> str | None:
    """The address failed sign-ins are counted by (``AXES_CLIENT_IP_CALLABLE``).

    Behind the reverse proxy (``DJANGO_BEHIND_PROXY=true``) it is the last X-Forwarded-For entry, the one the
    proxy appended; entries before it come from the client and can be anything. Without a proxy the header is
    ignored, since the client could send it itself to escape the count.
    """
    if settings.SMARTSHIP_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass  # no header, or not an address: the proxy did not set it, so count by the connection
    return request.META.get("REMOTE_ADDR")


def cool_off_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message() -> str:
    # Every try during a lockout starts the cool-off again (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT),
    # so the full cool-off is always the right wait to name.
    minutes = math.ceil(cool_off_seconds() / 60)
    return (
        "Too many failed sign-ins for this username from your address. "
        f"Try again in {minutes} minute{'' if minutes == 1 else 's'}."
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
