from __future__ import annotations

from django import forms

from core.dates import day_in_range
from core.ids import id_or_none
from integrations import registry
from integrations.models import SalesSiteAccount
from waybills.models import PrintBatch, WaybillKind
from waybills.selectors import PrintFilters

MANUAL = "manual"


def account_label(account: SalesSiteAccount) -> str:
    try:
        site = registry.get(account.site).name
    except registry.UnknownSalesSite:
        site = account.site
    return f"{site} · {account.shop_id}"


class PrintFilterForm(forms.Form):
    """Print Waybill's filters, read from the query string (like the Orders list's)."""

    kind = forms.ChoiceField(label="Print", choices=WaybillKind.choices, required=False)
    account = forms.ChoiceField(label="Sales site", required=False, error_messages={
        "invalid_choice": "Choose a sales site from the list (this one is not among yours)."})
    printed = forms.ChoiceField(label="Printed", required=False, choices=[
        ("", "Printed or not"), ("no", "Not printed yet"), ("yes", "Printed before (reprint)")])
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                validators=[day_in_range])
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              validators=[day_in_range])
    q = forms.CharField(label="Search", required=False, max_length=100, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": "Order number, recipient, product or seller code"}))

    def __init__(self, *args, accounts: list[SalesSiteAccount], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [
            ("", "All sales sites"),
            *((str(a.pk), account_label(a)) for a in accounts),
            (MANUAL, "Manual shipping orders"),
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
            # Neither date is applied: the list half-filtered by the start date alone would look like an answer.
            cleaned.pop("date_from", None)
        return cleaned

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is accepted here; the service checks each one belongs to the seller.
        self.fields["order_ids"].valid_value = lambda value: id_or_none(value) is not None


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
