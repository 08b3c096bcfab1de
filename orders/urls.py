from django.urls import include, path

from orders import views

app_name = "orders"
urlpatterns = [
    path("", views.OrderListView.as_view(), name="order-list"),
    path("confirm/", views.OrderConfirmView.as_view(), name="order-confirm"),
    path("export/", views.OrderExportView.as_view(), name="order-export"),
    path("<int:pk>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("manual/", include("orders.manual_urls")),
]
