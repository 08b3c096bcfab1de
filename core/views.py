import logging

from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.generic import TemplateView

from core.middleware import api_not_found, wants_json
from core.selectors import worker_is_alive, worker_last_seen
from integrations.models import SalesSiteAccount
from integrations.selectors import account_list, sync_run_list
from inventory.selectors import needs_mapping_count, sku_exists
from inventory.selectors_fulfilment import fulfilment_counts
from orders.selectors import ATTENTION, OrderFilters, order_status_counts
from waybills.selectors import packing_labels_awaiting_count, push_failures, waybill_exists

logger = logging.getLogger("smartship.healthz")

# Every page links this file through {% static %}: if the storage cannot name it (production's manifest
# storage without its staticfiles.json, i.e. collectstatic did not run for this STATIC_ROOT), every page
# is a 500, so the health check fails too.
HEALTH_STATIC_PATH = "css/app.css"


class DashboardView(TemplateView):
    """What needs the seller today: orders by status, what is stuck, and whether background work runs."""

    template_name = "core/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        seller = self.request.seller
        context["worker_alive"] = worker_is_alive()
        context["worker_last_seen"] = worker_last_seen()
        if not seller:
            if self.request.user.is_warehouse_operator:
                # QFC's day: what waits at each step of the warehouse, every seller's.
                context.update(warehouse=fulfilment_counts(closed=False), labels_awaiting=packing_labels_awaiting_count())
            return context
        counts = order_status_counts(seller=seller, filters=OrderFilters())
        accounts = list(account_list(seller=seller))
        # Getting started ticks off what is done and goes away once all of it is.
        steps = {
            "connected": any(a.connection_status == SalesSiteAccount.ConnectionStatus.OK for a in accounts),
            "skus": sku_exists(seller=seller),
            "printed": waybill_exists(seller=seller),
        }
        context.update(
            accounts=accounts, steps=steps, set_up=all(steps.values()),
            counts=counts,
            to_ship=counts.get("confirmed", 0) + counts.get("ready", 0),
            attention=counts.get(ATTENTION, 0),
            unmapped=needs_mapping_count(seller=seller),
            push_failures=push_failures(seller=seller).count(),
            recent_runs=list(sync_run_list(seller=seller)[:5]),
        )
        return context


@login_not_required
def healthz(request):
    """200 when the portal can serve pages: the database answers and static files resolve (no login, cheap)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        logger.exception("Health check: the database does not answer")
        return JsonResponse({"ok": False, "failed": "database"}, status=503)
    try:
        # The manifest lookup itself (stored_name), not url(), which skips it when DEBUG is on.
        name = getattr(staticfiles_storage, "stored_name", None)
        name(HEALTH_STATIC_PATH) if name else staticfiles_storage.url(HEALTH_STATIC_PATH)
    except Exception:
        logger.exception("Health check: static files do not resolve (did collectstatic run for STATIC_ROOT?)")
        return JsonResponse({"ok": False, "failed": "staticfiles"}, status=503)
    return JsonResponse({"ok": True})


@login_not_required
def logged_out(request):
    """Where Log out lands (LOGOUT_REDIRECT_URL): a page that says the user is out, reached by GET so a reload
    does not post the logout again. A signed-in user is not told they are out."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "registration/logged_out.html")


def page_not_found(request, exception):
    """404: the API answers in its JSON error shape (a program reads it), every other path with the portal's page."""
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


OUT_OF_DATE = ("The page you sent this from was out of date (you signed in again, perhaps in another window, or it "
               "was open for a long time). Nothing was changed: reload the page and try again.")


def csrf_failure(request, reason=""):  # Django's middleware has logged the reason already
    """``CSRF_FAILURE_VIEW``: a form or scan sent with a token that no longer holds — most often a page left open
    while its user signed in again elsewhere, which replaces the token. Said in the portal's words (Django's
    page speaks of cookies and referers), and as JSON to a page's script, which shows it."""
    if wants_json(request) or request.headers.get("HX-Request") == "true":
        return JsonResponse({"ok": False, "code": "page_out_of_date", "message": OUT_OF_DATE}, status=403)
    referer = request.headers.get("Referer", "")
    back = referer if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()) else ""
    return render(request, "403_csrf.html", {"message": OUT_OF_DATE, "back": back}, status=403)
