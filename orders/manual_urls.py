"""Manual shipping orders, under /orders/manual/ in the ``orders`` namespace."""

from django.urls import path

from orders import manual_views

urlpatterns = [
    path("new/", manual_views.ManualOrderCreateView.as_view(), name="manual-create"),
    path("import/", manual_views.ManualOrderImportView.as_view(), name="manual-import"),
    path("template.xlsx", manual_views.ManualTemplateView.as_view(), name="manual-template"),
]
