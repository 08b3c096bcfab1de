from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

SIGNED_OUT = ("You are signed out (the session ended, or you logged out in another window): sign in again, then "
              "repeat what you did. Nothing was changed.")


def wants_json(request) -> bool:
    """A page's script asking for data (QFC receiving's scans), not a person's browser asking for a page."""
    return request.headers.get("Accept", "").startswith("application/json")


def htmx_page(request) -> str:
    """The page an htmx request was sent from (its own path and query), or "" when it cannot be trusted."""
    current = request.headers.get("HX-Current-URL", "")
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
        return super().handle_no_permission(request, view_func)
