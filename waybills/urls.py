from django.urls import path

from waybills import views

app_name = "waybills"
urlpatterns = [
    path("print/", views.PrintView.as_view(), name="print"),
    path("batches/<int:pk>/download/", views.BatchDownloadView.as_view(), name="batch-download"),
    path("push-failures/", views.PushFailuresView.as_view(), name="push-failures"),
    path("orders/<int:pk>/", views.OrderTrackingView.as_view(), name="order-tracking"),
    path("<int:pk>/set-aside/", views.WaybillSetAsideView.as_view(), name="waybill-set-aside"),
    path("receiving/", views.ReceivingView.as_view(), name="receiving"),
    path("receiving/lookup/", views.ReceivingLookupView.as_view(), name="receiving-lookup"),
]
