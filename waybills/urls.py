from django.urls import path

from core.views import ComingSoonView

app_name = "waybills"
urlpatterns = [
    path("print/", ComingSoonView.as_view(
        title="Print Waybill",
        description="Print invoices (QSP tracking numbers) and packing labels for orders ready to ship."),
        name="print"),
    path("push-failures/", ComingSoonView.as_view(
        title="Tracking push failures",
        description="Tracking numbers the sales site has not accepted yet, with a retry action."),
        name="push-failures"),
    path("receiving/", ComingSoonView.as_view(
        title="QFC receiving",
        description="Scan packing labels of arriving cargo and record the carrier's tracking number."),
        name="receiving"),
]
