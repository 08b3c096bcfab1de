from django.urls import path

from core.views import ComingSoonView

app_name = "inventory"
urlpatterns = [
    path(
        "skus/",
        ComingSoonView.as_view(
            title="SKU Management",
            description="Register SKUs with a Seller defined code so sales-site orders map to warehouse stock.",
        ),
        name="sku-list",
    ),
]
