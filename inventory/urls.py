from django.urls import path

from inventory import views, views_fulfilment, views_stock

app_name = "inventory"
urlpatterns = [
    path("skus/", views.SkuListView.as_view(), name="sku-list"),
    path("skus/new/", views.SkuCreateView.as_view(), name="sku-create"),
    path("skus/export/", views.SkuExportView.as_view(), name="sku-export"),
    path("skus/template/", views.SkuTemplateView.as_view(), name="sku-template"),
    path("skus/check-links/", views.SkuBulkLinkCheckView.as_view(), name="sku-bulk-link-check"),
    path("skus/check-links/<int:pk>/", views.LinkCheckProgressView.as_view(), name="link-check-progress"),
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
    # The seller's side of fulfilment and stock.
    path("fulfilment/send/", views_fulfilment.SendToFulfilmentView.as_view(), name="fulfilment-send"),
    path("stock-sync/", views_stock.StockSyncView.as_view(), name="stock-sync"),
    path("stock-sync/wait/", views_stock.StockSyncWaitView.as_view(), name="stock-sync-wait"),
    path("movements/", views_stock.SellerMovementsView.as_view(), name="movements"),
    # QFC warehouse operators.
    path("fulfilment/", views_fulfilment.FulfilmentListView.as_view(), name="fulfilment-list"),
    path("fulfilment/pick-list/", views_fulfilment.PickListView.as_view(), name="fulfilment-pick-list"),
    path("fulfilment/<int:pk>/", views_fulfilment.FulfilmentDetailView.as_view(), name="fulfilment-detail"),
    path("stock/", views_stock.StockView.as_view(), name="stock"),
    path("stock/movements/", views_stock.WarehouseMovementsView.as_view(), name="stock-movements"),
]
