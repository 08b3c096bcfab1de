from django.urls import path

from integrations import apis

urlpatterns = [
    path("sales-site-accounts/", apis.AccountListApi.as_view(), name="api-account-list"),
    path("sales-site-accounts/<int:pk>/", apis.AccountDetailApi.as_view(), name="api-account-detail"),
]
