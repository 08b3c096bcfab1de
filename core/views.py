from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.generic import TemplateView

from core.selectors import worker_is_alive, worker_last_seen
from integrations.selectors import account_list


class DashboardView(TemplateView):
    template_name = "core/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        seller = self.request.seller
        context["accounts"] = account_list(seller=seller) if seller else []
        context["worker_alive"] = worker_is_alive()
        context["worker_last_seen"] = worker_last_seen()
        return context


class ComingSoonView(TemplateView):
    """A menu entry whose page has not been built yet says so plainly instead of a 404."""

    template_name = "core/coming_soon.html"
    title = ""
    description = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, description=self.description, **kwargs)


@login_not_required
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
