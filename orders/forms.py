from __future__ import annotations

from django import forms

from core.dates import day_in_range
from core.ids import ids_from
from integrations import registry
from integrations.models import SalesSiteAccount
from orders.selectors import DEFAULT_ORDERING, MANUAL, STATUS_TABS, OrderFilters


def account_label(account: SalesSiteAccount) -> str:
    try:
        site = registry.get(account.site).name
    except registry.UnknownSalesSite:
        site = account.site
    return f"{site} · {account.shop_id}"


# The sort orders in words, for the "Sort by" select that stands in for the column headers where the list is
# shown as cards (a phone). The default comes first: it is what the select shows when the query names none.
SORT_CHOICES: tuple[tuple[str, str], ...] = (
    (DEFAULT_ORDERING, "Order time, newest first"),
    ("instructed_at", "Order time, oldest first"),
    ("order_no", "Order number, lowest first"),
    ("-order_no", "Order number, highest first"),
    ("recipient_name", "Recipient, A to Z"),
    ("-recipient_name", "Recipient, Z to A"),
    ("-total_amount", "Amount, highest first"),
    ("total_amount", "Amount, lowest first"),
    ("status", "Status, New first"),
    ("-status", "Status, Cancelled first"),
    ("-updated_at", "Last updated, newest first"),
    ("updated_at", "Last updated, oldest first"),
)


class SiteAndDatesFilterForm(forms.Form):
    """The sales-site and date-range filters that the Orders list and Print Waybill share; ``accounts`` are the
    seller's, so another seller's account is an invalid choice."""

    # The fields that choose which orders are listed (a tab or a sort order does not).
    selection_fields: tuple[str, ...] = ("account", "date_from", "date_to")

    account = forms.ChoiceField(label="Sales site", required=False, error_messages={
        "invalid_choice": "Choose a sales site from the list (this one is not among yours)."})
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                validators=[day_in_range])
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              validators=[day_in_range])

    def __init__(self, *args, accounts: list[SalesSiteAccount], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [
            ("", "All sales sites"),
            *((str(account.pk), account_label(account)) for account in accounts),
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

    def selection_invalid(self) -> bool:
        """A filter the page cannot apply. The page then lists nothing, with the error beside the field and
        Clear filters: the orders of the other filters, or all of them, are not what the seller asked for."""
        self.is_valid()
        return any(name in self.errors for name in self.selection_fields)


class OrderFilterForm(SiteAndDatesFilterForm):
    """The Orders list's tab, filters, search and sort, read from the query string."""

    selection_fields = (*SiteAndDatesFilterForm.selection_fields, "q")
    status = forms.ChoiceField(choices=[(value, label) for value, label in STATUS_TABS], required=False,
                               widget=forms.HiddenInput)
    q = forms.CharField(
        label="Search", required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Order number, recipient, phone, product, "
                                      "option or seller code"}),
    )
    ordering = forms.ChoiceField(label="Sort by", choices=SORT_CHOICES, required=False,
                                 error_messages={"invalid_choice": "Choose a sort order from the list."})

    def filters(self) -> OrderFilters:
        """The valid part of the query: a bad value is reported on the form and otherwise ignored."""
        self.is_valid()
        data = self.cleaned_data
        account = data.get("account") or ""
        return OrderFilters(
            status=data.get("status") or "",
            account_id=int(account) if account.isdigit() else None,
            manual=account == MANUAL,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            q=(data.get("q") or "").strip(),
            ordering=data.get("ordering") or DEFAULT_ORDERING,
        )


class OrderIdsField(forms.Field):
    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "Select at least one New order to confirm.",
        "invalid": "The selection is not a list of order numbers; reload the page and try again.",
        "too_many": "Select at most %(limit)s orders at a time.",
    }
    limit = 1000

    def to_python(self, value) -> list[int]:
        values = [str(v).strip() for v in (value or []) if str(v).strip()]
        if not all(v.isascii() and v.isdigit() for v in values):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if len(values) > self.limit:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many",
                                        params={"limit": self.limit})
        return ids_from(values)  # an id beyond the database's range is unknown, like any other


class OrderConfirmForm(forms.Form):
    """Confirm selected: the ticked order ids (the service itself keeps to the seller's own New lines)."""

    order_ids = OrderIdsField()
