from django.urls import path

from inventory import apis, apis_fulfilment

urlpatterns = [
    path("skus/", apis.SkuListApi.as_view(), name="api-sku-list"),
    path("skus/<int:pk>/", apis.SkuDetailApi.as_view(), name="api-sku-detail"),
    path("skus/<int:pk>/deactivate/", apis.SkuActiveApi.as_view(active=False), name="api-sku-deactivate"),
    path("skus/<int:pk>/activate/", apis.SkuActiveApi.as_view(active=True), name="api-sku-activate"),
    path("skus/<int:pk>/check-link/", apis.SkuLinkCheckApi.as_view(), name="api-sku-check-link"),
    path("sku-imports/", apis.SkuImportCreateApi.as_view(), name="api-sku-import-create"),
    path("sku-imports/<int:pk>/", apis.SkuImportDetailApi.as_view(), name="api-sku-import-detail"),
    path("needs-mapping/", apis.NeedsMappingApi.as_view(), name="api-needs-mapping"),
    path("fulfilment-orders/", apis_fulfilment.FulfilmentListApi.as_view(), name="api-fulfilment-list"),
    path("fulfilment-orders/<int:pk>/", apis_fulfilment.FulfilmentDetailApi.as_view(), name="api-fulfilment-detail"),
    path("stock-movements/", apis_fulfilment.MovementListApi.as_view(), name="api-stock-movements"),
    path("stock-pushes/", apis_fulfilment.StockPushListApi.as_view(), name="api-stock-push-list"),
    path("stock-pushes/retry/", apis_fulfilment.StockPushRetryApi.as_view(), name="api-stock-push-retry"),
    path("stock-sync/", apis_fulfilment.StockSyncApi.as_view(), name="api-stock-sync"),
    path("warehouse/fulfilment-orders/", apis_fulfilment.WarehouseFulfilmentListApi.as_view(),
         name="api-warehouse-fulfilment-list"),
    path("warehouse/fulfilment-orders/<int:pk>/ship/", apis_fulfilment.WarehouseShipApi.as_view(),
         name="api-warehouse-ship"),
    path("warehouse/stock-receipts/", apis_fulfilment.WarehouseReceiptApi.as_view(), name="api-warehouse-receipt"),
    path("warehouse/stock-adjustments/", apis_fulfilment.WarehouseAdjustmentApi.as_view(),
         name="api-warehouse-adjustment"),
]
