from django.urls import include, path

from orders import views

app_name = "orders"
urlpatterns = [
    path("", views.OrderListView.as_view(), name="order-list"),
    path("confirm/", views.OrderConfirmView.as_view(), name="order-confirm"),
    path("export/", views.OrderExportView.as_view(), name="order-export"),
    path("exports/<int:pk>/", views.OrderExportDetailView.as_view(), name="export-detail"),
    path("exports/<int:pk>/progress/", views.OrderExportProgressView.as_view(), name="export-progress"),
    path("exports/<int:pk>/download/", views.OrderExportDownloadView.as_view(), name="export-download"),
    path("<int:pk>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("<int:pk>/release-hold/", views.OrderHoldReleaseView.as_view(), name="order-release-hold"),
    path("<int:pk>/duplicate/", views.OrderDuplicateView.as_view(), name="order-duplicate"),
    path("manual/", include("orders.manual_urls")),
]
