from django.urls import path

from waybills import apis

urlpatterns = [
    path("waybills/", apis.WaybillListApi.as_view(), name="api-waybill-list"),
    path("waybills/<int:pk>/set-aside/", apis.WaybillSetAsideApi.as_view(), name="api-waybill-set-aside"),
    path("waybills/print/", apis.WaybillPrintApi.as_view(), name="api-waybill-print"),
    path("waybills/batches/<int:pk>/labels/", apis.BatchLabelsApi.as_view(), name="api-waybill-batch-labels"),
    path("tracking-pushes/", apis.TrackingPushListApi.as_view(), name="api-tracking-push-list"),
    path("tracking-pushes/retry-failed/", apis.TrackingPushRetryFailedApi.as_view(),
         name="api-tracking-push-retry-failed"),
    path("tracking-pushes/<int:pk>/retry/", apis.TrackingPushRetryApi.as_view(), name="api-tracking-push-retry"),
    path("tracking-pushes/<int:pk>/correct/", apis.TrackingPushCorrectApi.as_view(), name="api-tracking-push-correct"),
    path("tracking-pushes/<int:pk>/dismiss/", apis.TrackingPushDismissApi.as_view(), name="api-tracking-push-dismiss"),
    path("receiving/scans/", apis.ReceivingScanApi.as_view(), name="api-receiving-scan"),
]
