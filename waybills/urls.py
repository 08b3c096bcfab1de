from django.urls import path

from core.views import ComingSoonView

app_name = "waybills"
urlpatterns = [
    path(
        "print/",
        ComingSoonView.as_view(
            title="Print Waybill",
            description="Print invoices (QSP tracking numbers) and packing labels for orders ready to ship.",
        ),
        name="print",
    ),
]
