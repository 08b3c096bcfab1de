from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

SIGNED_OUT = ("You are signed out (the session ended, or you logged out in another window): sign in again, then "
              "repeat what you did. Nothing was changed.")


def api_not_found(request) -> JsonResponse:
    """The REST API's 404 for a path no endpoint takes (a mistyped path, an id that is not a number), in its error
    shape: a program reads JSON, not a page."""
    return JsonResponse({"message": f"Nothing at {request.path}: no such endpoint, or an id that is not a number. "
                                    "The endpoints are listed at /api/docs/.",
                         "code": "not_found", "extra": {}}, status=404)


def api_slash_missing(request) -> JsonResponse:
    """The REST API's 404 for a write to an endpoint's path without its trailing slash."""
    path = request.get_full_path(force_append_slash=True)
    return JsonResponse({"message": f"{request.method} {request.path} is not an endpoint: its path ends with a slash, "
                                    f"{request.method} {path}. Nothing was changed.",
                         "code": "not_found", "extra": {"path": path}}, status=404)


class CommonMiddleware(DjangoCommonMiddleware):
    """Django's, except for a request under /api/ that sends a body to a path missing its trailing slash.

    Django redirects it (301) when DEBUG is off, and a client following the redirect sends a GET without the body
    (a POST to /api/v1/skus answered the list of SKUs, 200); with DEBUG on, it raises a RuntimeError (a 500 HTML
    page). A program gets the API's JSON 404 naming the path with the slash instead. GET, HEAD and OPTIONS are
    still redirected: repeating them at the right path loses nothing."""

    def process_response(self, request, response):
        if (response.status_code == 404 and request.method not in ("GET", "HEAD", "OPTIONS")
                and request.path_info.startswith("/api/") and self.should_redirect_with_slash(request)):
            return api_slash_missing(request)
        return super().process_response(request, response)


class ApiNotFoundMiddleware:
    """Under /api/, a 404 that is not the API's JSON becomes it, whatever answered it.

    ``handler404`` (core.views.page_not_found) does that when DEBUG is off; with DEBUG on, Django answers a path
    no URL matches with its technical HTML page instead, and that is what a program talking to a development
    server got for ``/api/v1/sales-site-accounts/abc/``. Below CommonMiddleware, so a path missing its slash is
    still redirected to the one that has it (a GET; a write is answered by ``CommonMiddleware`` above)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code == 404 and request.path_info.startswith("/api/")
                and not response.get("Content-Type", "").startswith("application/json")):
            return api_not_found(request)
        return response


def wants_json(request) -> bool:
    """A page's script asking for data (QFC receiving's scans), not a person's browser asking for a page."""
    return request.headers.get("Accept", "").startswith("application/json")


def htmx_page(request) -> str:
    """The page an htmx request was sent from (its own path and query), or "" when it cannot be trusted."""
    return _page_from_header(request, "HX-Current-URL")


def _page_from_header(request, header: str) -> str:
    current = request.headers.get(header, "")
    if not current or not url_has_allowed_host_and_scheme(current, allowed_hosts={request.get_host()},
                                                          require_https=request.is_secure()):
        return ""
    parts = urlsplit(current)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Pages need a signed-in user; the REST API authenticates itself (token or session) and answers 401/403.

    A page's own background requests are answered so the page can react, instead of following a redirect to
    the login page: htmx (a progress poll, Test Connection) is sent to the login page as a whole page, with
    the page it was on as ``next`` — followed, the login form would be swapped into a card of the page and
    bring the user back to a fragment —, and a script asking for JSON gets a 401 it can show."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(self, request, view_func):
        if request.headers.get("HX-Request") == "true":
            login = resolve_url(self.get_login_url(view_func))
            response = HttpResponse(status=204)
            response["HX-Redirect"] = redirect_to_login(
                htmx_page(request) or resolve_url(settings.LOGIN_REDIRECT_URL), login,
                self.get_redirect_field_name(view_func))["Location"]
            return response
        if wants_json(request):
            return JsonResponse({"ok": False, "code": "signed_out", "message": SIGNED_OUT}, status=401)
        if request.method == "POST":
            # A form sent after the session ended (Print pressed in a tab left open): the login page says nothing
            # was done, and brings the user back to the page the form was on, not to an address that only takes
            # forms.
            messages.warning(request, SIGNED_OUT)
            return redirect_to_login(_page_from_header(request, "Referer") or resolve_url(settings.LOGIN_REDIRECT_URL),
                                     resolve_url(self.get_login_url(view_func)), self.get_redirect_field_name(view_func))
        return super().handle_no_permission(request, view_func)
