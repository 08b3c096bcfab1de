from django.urls import include, path

from core.views import ComingSoonView

app_name = "orders"
urlpatterns = [
    path(
        "",
        ComingSoonView.as_view(
            title="Orders",
            description="Orders pulled from your sales sites will be listed here with their status, "
            "recipient and items.",
        ),
        name="order-list",
    ),
    path("manual/", include("orders.manual_urls")),
]
