from django.urls import path

from core.views import ComingSoonView

app_name = "inventory"
urlpatterns = [
    path("skus/", ComingSoonView.as_view(
        title="SKU Management",
        description="Register SKUs with a Seller defined code so sales-site orders map to warehouse stock."),
        name="sku-list"),
    path("needs-mapping/", ComingSoonView.as_view(
        title="Needs mapping",
        description="Order lines whose seller code matches no SKU yet."),
        name="needs-mapping"),
    path("fulfilment/", ComingSoonView.as_view(
        title="Fulfilment orders",
        description="Orders handed to the QFC warehouse: pick, pack and ship."),
        name="fulfilment-list"),
    path("stock/", ComingSoonView.as_view(
        title="Stock",
        description="Inbound receipts and stock adjustments by warehouse operators."),
        name="stock"),
]
