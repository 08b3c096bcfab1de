"""The REST API under /api/v1/: each app contributes its routes here."""

from django.urls import include, path

from sellers import apis as seller_apis

urlpatterns = [
    path("auth/token/", seller_apis.ObtainTokenApi.as_view(), name="api-token"),
    path("me/", seller_apis.MeApi.as_view(), name="api-me"),
    path("seller/", seller_apis.SellerApi.as_view(), name="api-seller"),
    path("", include("integrations.api_urls")),
    path("", include("orders.api_urls")),
    path("", include("orders.manual_api_urls")),
    path("", include("inventory.api_urls")),
    path("", include("waybills.api_urls")),
]
