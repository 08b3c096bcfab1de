from __future__ import annotations

from django import forms

from core.ids import id_or_none
from orders.forms import MANUAL, SiteAndDatesFilterForm
from waybills.models import PrintBatch, WaybillKind
from waybills.selectors import PrintFilters


class PrintFilterForm(SiteAndDatesFilterForm):
    """Print Waybill's filters, read from the query string (like the Orders list's)."""

    selection_fields = (*SiteAndDatesFilterForm.selection_fields, "printed", "q")
    kind = forms.ChoiceField(label="Print", choices=WaybillKind.choices, required=False)
    printed = forms.ChoiceField(label="Printed", required=False, choices=[
        ("", "Printed or not"), ("no", "Not printed yet"), ("yes", "Printed before (reprint)")])
    q = forms.CharField(label="Search", required=False, max_length=100, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": "Order number, recipient, product or seller code"}))

    def selected_kind(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("kind") or WaybillKind.INVOICE

    def filters(self) -> PrintFilters:
        self.is_valid()
        data = self.cleaned_data
        account = data.get("account") or ""
        return PrintFilters(
            account_id=id_or_none(account), manual=account == MANUAL,
            printed=data.get("printed") or "", date_from=data.get("date_from"), date_to=data.get("date_to"),
            q=(data.get("q") or "").strip(),
        )


class PrintForm(forms.Form):
    order_ids = forms.TypedMultipleChoiceField(coerce=int, choices=[], error_messages={
        "required": "Select at least one order to print."})
    kind = forms.ChoiceField(choices=WaybillKind.choices, initial=WaybillKind.INVOICE)
    paper = forms.ChoiceField(choices=PrintBatch.Paper.choices, initial=PrintBatch.Paper.LABEL)
    # Sent by the confirmation page: print even where the order has a label of the other kind.
    other_kind_confirmed = forms.BooleanField(required=False)

    # Print all: the number of orders Print all's button named, checked again when it is pressed.
    matching = forms.IntegerField(required=False, min_value=0)

    def __init__(self, *args, every: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is accepted here; the service checks each one belongs to the seller.
        self.fields["order_ids"].valid_value = lambda value: id_or_none(value) is not None
        if every:  # the orders are the filters' matches, not ticked boxes
            self.fields["order_ids"].required = False
            self.fields["matching"].required = True


class ReceiveForm(forms.Form):
    label = forms.CharField(max_length=40, label="Packing label")
    courier = forms.CharField(max_length=100, label="Carrier")
    tracking_no = forms.CharField(max_length=60, label="Tracking number")
    # Set by receiving.js when the same short number is scanned twice in a row (services.receiving).
    short_confirmed = forms.BooleanField(required=False)


class PushActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("retry", "Retry"), ("correct", "Correct"), ("dismiss", "Dismiss")])
    push_ids = forms.TypedMultipleChoiceField(coerce=int, choices=[], error_messages={
        "required": "Select at least one push."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["push_ids"].valid_value = lambda value: id_or_none(value) is not None
