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
]
