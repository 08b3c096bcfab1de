from django.urls import path

from orders import manual_apis

urlpatterns = [
    path("manual-orders/", manual_apis.ManualOrderCreateApi.as_view(), name="api-manual-order-create"),
]
