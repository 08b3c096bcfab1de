from django.urls import path

from inventory import apis

urlpatterns = [
    path("skus/", apis.SkuListApi.as_view(), name="api-sku-list"),
    path("skus/<int:pk>/", apis.SkuDetailApi.as_view(), name="api-sku-detail"),
    path("skus/<int:pk>/deactivate/", apis.SkuActiveApi.as_view(active=False), name="api-sku-deactivate"),
    path("skus/<int:pk>/activate/", apis.SkuActiveApi.as_view(active=True), name="api-sku-activate"),
    path("skus/<int:pk>/check-link/", apis.SkuLinkCheckApi.as_view(), name="api-sku-check-link"),
    path("sku-imports/", apis.SkuImportCreateApi.as_view(), name="api-sku-import-create"),
    path("sku-imports/<int:pk>/", apis.SkuImportDetailApi.as_view(), name="api-sku-import-detail"),
    path("needs-mapping/", apis.NeedsMappingApi.as_view(), name="api-needs-mapping"),
]
