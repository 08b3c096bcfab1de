from django.urls import path

from integrations import views

app_name = "integrations"
urlpatterns = [
    path("", views.AccountListView.as_view(), name="account-list"),
    path("alerts/test/", views.AlertTestView.as_view(), name="alert-test"),
    path("new/", views.SitePickView.as_view(), name="site-pick"),
    path("new/<slug:site>/", views.AccountCreateView.as_view(), name="account-create"),
    path("test/<slug:site>/", views.CredentialsTestView.as_view(), name="credentials-test"),
    path("syncs/", views.SyncHistoryView.as_view(), name="sync-history"),
    path("syncs/<int:run_id>/progress/", views.SyncProgressView.as_view(), name="sync-progress"),
    path("<int:pk>/sync/", views.SyncNowView.as_view(), name="sync-now"),
    path("<int:pk>/", views.AccountDetailView.as_view(), name="account-detail"),
    path("<int:pk>/edit/", views.AccountUpdateView.as_view(), name="account-update"),
    path("<int:pk>/test/", views.AccountTestView.as_view(), name="account-test"),
    path("<int:pk>/activate/", views.AccountActiveView.as_view(active=True), name="account-activate"),
    path("<int:pk>/deactivate/", views.AccountActiveView.as_view(active=False), name="account-deactivate"),
    path("<int:pk>/delete/", views.AccountDeleteView.as_view(), name="account-delete"),
]
