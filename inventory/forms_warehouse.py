"""Forms of the fulfilment and stock pages: they check the shape of what was typed; services check the rules."""

from __future__ import annotations

from django import forms

from core.ids import ID_BOUNDS, id_or_none, ids_from
from inventory.models import StockMovement
from inventory.selectors_fulfilment import TABS, FulfilmentFilters, MovementFilters
from inventory.services.stock import MAX_QUANTITY
from sellers.models import Seller


def _seller_choices(sellers: list[Seller], empty: str) -> list[tuple[str, str]]:
    return [("", empty), *((str(s.pk), s.name) for s in sellers)]


class FulfilmentFilterForm(forms.Form):
    tab = forms.ChoiceField(choices=TABS, required=False)
    seller = forms.ChoiceField(required=False, label="Seller")
    q = forms.CharField(required=False, max_length=100, label="Search", widget=forms.TextInput(
        attrs={"type": "search", "placeholder": "FO number, order number or recipient"}))

    def __init__(self, *args, sellers: list[Seller], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seller"].choices = _seller_choices(sellers, "All sellers")

    def filters(self) -> FulfilmentFilters:
        self.is_valid()  # an unknown tab falls back to Active; the search and seller still apply
        data = getattr(self, "cleaned_data", {})  # none when the page is opened without a query
        seller = data.get("seller") or ""
        return FulfilmentFilters(tab=data.get("tab") or "active", seller_id=id_or_none(seller),
                                 q=(data.get("q") or "").strip())


class ShipForm(forms.Form):
    # Shipping without a carrier sends no tracking number to the buyer: a choice the operator makes, never the
    # default a hurried press of Ship falls into.
    NO_CARRIER = "none"

    courier = forms.ChoiceField(label="Carrier", error_messages={
        "required": "Choose the carrier, or “None: book the stock out only”."})
    tracking_no = forms.CharField(required=False, max_length=40, label="Carrier's tracking number")
    # The short number refused a moment ago: sent again unchanged, it is recorded (tracking_no_plausible).
    short_refused = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args, couriers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["courier"].choices = [("", "Choose the carrier"), (self.NO_CARRIER, "None: book the stock out only"),
                                          *((c.code, f"{c.name} ({c.code})") for c in couriers)]

    def clean_courier(self) -> str:
        courier = self.cleaned_data["courier"]
        return "" if courier == self.NO_CARRIER else courier


class TrackingForm(forms.Form):
    courier = forms.ChoiceField(label="Carrier")
    tracking_no = forms.CharField(max_length=40, label="Carrier's tracking number")
    short_refused = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args, couriers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["courier"].choices = [("", "Choose the carrier"), *((c.code, f"{c.name} ({c.code})") for c in couriers)]


class StockLookupForm(forms.Form):
    seller = forms.ChoiceField(required=False, label="Seller")
    q = forms.CharField(required=False, max_length=100, label="Seller defined code or barcode", widget=forms.TextInput(
        attrs={"type": "search", "placeholder": "Scan or type a code, barcode or name", "autofocus": True,
               "autocomplete": "off"}))

    def __init__(self, *args, sellers: list[Seller], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seller"].choices = _seller_choices(sellers, "Every seller")

    def seller_id(self) -> int | None:
        value = (self.cleaned_data.get("seller") or "") if self.is_valid() else ""
        return id_or_none(value)


class ReceiptForm(forms.Form):
    option = forms.IntegerField(widget=forms.HiddenInput, **ID_BOUNDS)

    def __init__(self, *args, **kwargs):
        # Both forms are on one page: their own ids, so a label focuses its own form's field.
        super().__init__(*args, auto_id="id_receipt_%s", **kwargs)

    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY, label="Quantity received",
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}))
    note = forms.CharField(required=False, max_length=300, label="Note",
                           widget=forms.TextInput(attrs={"placeholder": "e.g. inbound 2026-11-27, supplier invoice no."}))


class AdjustmentForm(forms.Form):
    option = forms.IntegerField(widget=forms.HiddenInput, **ID_BOUNDS)
    # The on hand shown beside the form: the adjustment is refused if it changed meanwhile (stock_adjust).
    on_hand_seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_adjustment_%s", **kwargs)

    # No inputmode "numeric" (as the receipt has): phones then show a digits-only keypad, which on an iPhone has
    # no minus key, and a correction that takes stock out could not be typed there. A plain number field
    # gets the keyboard with digits and the minus sign.
    quantity = forms.IntegerField(min_value=-MAX_QUANTITY, max_value=MAX_QUANTITY, label="Change (+ in, − out)",
                                  widget=forms.NumberInput())
    reason = forms.ChoiceField(choices=[("", "Choose the reason"), *StockMovement.Reason.choices], label="Reason")
    note = forms.CharField(required=False, max_length=300, label="Note")

    def clean_quantity(self):
        value = self.cleaned_data["quantity"]
        if value == 0:
            raise forms.ValidationError("Enter a change other than 0: + adds to on hand, − takes out.")
        return value


class MovementFilterForm(forms.Form):
    seller = forms.ChoiceField(required=False, label="Seller")
    option = forms.IntegerField(required=False, widget=forms.HiddenInput, **ID_BOUNDS)
    kind = forms.ChoiceField(required=False, label="Kind", choices=[("", "All kinds"), *StockMovement.Kind.choices])

    def __init__(self, *args, sellers: list[Seller] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if sellers is None:
            del self.fields["seller"]
        else:
            self.fields["seller"].choices = _seller_choices(sellers, "All sellers")

    def filters(self, *, seller_id: int | None = None) -> MovementFilters:
        data = self.cleaned_data if self.is_valid() else {}
        seller = data.get("seller") or ""
        return MovementFilters(seller_id=seller_id or id_or_none(seller),
                               option_id=data.get("option"), kind=data.get("kind") or "")


def selected_ids(data, name: str = "ids") -> list[int]:
    """The whole numbers among the selected values (the services check they exist and whose they are)."""
    values = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
    return ids_from(values)
