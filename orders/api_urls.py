from django.urls import path

from orders import apis

urlpatterns = [
    path("orders/", apis.OrderListApi.as_view(), name="api-order-list"),
    path("orders/confirm/", apis.OrderConfirmApi.as_view(), name="api-order-confirm"),
    path("orders/<int:pk>/", apis.OrderDetailApi.as_view(), name="api-order-detail"),
    path("orders/<int:pk>/release-hold/", apis.OrderHoldReleaseApi.as_view(), name="api-order-release-hold"),
    path("orders/<int:pk>/duplicate/", apis.OrderDuplicateApi.as_view(), name="api-order-duplicate"),
]
