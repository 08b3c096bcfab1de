from django.urls import path

from integrations import apis

urlpatterns = [
    path("sales-sites/", apis.SalesSiteListApi.as_view(), name="api-sales-sites"),
    path("sales-site-accounts/", apis.AccountListApi.as_view(), name="api-account-list"),
    path("sales-site-accounts/test-connection/", apis.CredentialsTestApi.as_view(), name="api-credentials-test"),
    path("sales-site-accounts/<int:pk>/", apis.AccountDetailApi.as_view(), name="api-account-detail"),
    path("sales-site-accounts/<int:pk>/test-connection/", apis.AccountTestConnectionApi.as_view(),
         name="api-account-test"),
    path("sales-site-accounts/<int:pk>/calls/", apis.AccountCallLogApi.as_view(), name="api-account-calls"),
    path("sales-site-accounts/<int:pk>/sync/", apis.AccountSyncApi.as_view(), name="api-account-sync"),
    path("sync-runs/", apis.SyncRunListApi.as_view(), name="api-sync-run-list"),
    path("sync-runs/<int:pk>/", apis.SyncRunDetailApi.as_view(), name="api-sync-run-detail"),
]
