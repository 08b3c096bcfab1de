from django.urls import path

from core.views import ComingSoonView
from inventory import views

app_name = "inventory"
urlpatterns = [
    path("skus/", views.SkuListView.as_view(), name="sku-list"),
    path("skus/new/", views.SkuCreateView.as_view(), name="sku-create"),
    path("skus/export/", views.SkuExportView.as_view(), name="sku-export"),
    path("skus/template/", views.SkuTemplateView.as_view(), name="sku-template"),
    path("skus/check-links/", views.SkuBulkLinkCheckView.as_view(), name="sku-bulk-link-check"),
    path("skus/import/", views.SkuImportView.as_view(), name="sku-import"),
    path("skus/import/<int:pk>/", views.SkuImportDetailView.as_view(), name="sku-import-detail"),
    path("skus/import/<int:pk>/progress/", views.SkuImportProgressView.as_view(), name="sku-import-progress"),
    path("skus/import/<int:pk>/report/", views.SkuImportReportView.as_view(), name="sku-import-report"),
    path("skus/<int:pk>/", views.SkuDetailView.as_view(), name="sku-detail"),
    path("skus/<int:pk>/edit/", views.SkuUpdateView.as_view(), name="sku-update"),
    path("skus/<int:pk>/activate/", views.SkuActiveView.as_view(active=True), name="sku-activate"),
    path("skus/<int:pk>/deactivate/", views.SkuActiveView.as_view(active=False), name="sku-deactivate"),
    path("skus/<int:pk>/check-link/", views.SkuLinkCheckView.as_view(), name="sku-link-check"),
    path("needs-mapping/", views.NeedsMappingView.as_view(), name="needs-mapping"),
    path("fulfilment/", ComingSoonView.as_view(
        title="Fulfilment orders",
        description="Orders handed to the QFC warehouse: pick, pack and ship."),
        name="fulfilment-list"),
    path("stock/", ComingSoonView.as_view(
        title="Stock",
        description="Inbound receipts and stock adjustments by warehouse operators."),
        name="stock"),
]
