from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import views as core_views

urlpatterns = [
    path("", core_views.DashboardView.as_view(), name="dashboard"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/logged-out/", core_views.logged_out, name="logged-out"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("sales-sites/", include("integrations.urls")),
    path("orders/", include("orders.urls")),
    path("waybills/", include("waybills.urls")),
    path("inventory/", include("inventory.urls")),
    path("api/v1/", include("smartship.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script) instead of inline, so the page
    # needs no exception to the Content-Security-Policy's script-src 'self'.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="core/swagger_ui.html"),
         name="api-docs"),
]

handler404 = "core.views.page_not_found"
