"""Forms check the shape of what was typed; the services check the rules (codes unique per seller, ...)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from inventory.codes import MAX_CODE_LENGTH
from inventory.excel import MAX_BYTES
from inventory.models import SkuKind
from inventory.selectors import LINK_CHOICES, STATUS_CHOICES, SkuFilters
from inventory.services.skus import (
    KIND_REQUIRED,
    MAX_BARCODE,
    MAX_NAME,
    MAX_VALUES,
    NAME_REQUIRED,
    OptionInput,
)

CODE_HELP = ("Single option type: the code you entered at LotteON as the Seller internal product number. "
             "Multi-option product: optional — the product's code at LotteON, used to find it there; each option's "
             "code goes in Option SKU Info.")


class SkuFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search",
                        widget=forms.TextInput(attrs={"placeholder": "Seller defined code, name, option or barcode",
                                                      "type": "search"}))
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False, label="Status")
    kind = forms.ChoiceField(choices=[("", "All types"), *SkuKind.choices], required=False,
                             label="SKU type")
    link = forms.ChoiceField(choices=[("", "Linked or not"), *LINK_CHOICES], required=False, label="LotteON link")

    def filters(self) -> SkuFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return SkuFilters(q=data.get("q", ""), status=data.get("status") or "active", kind=data.get("kind", ""),
                          link=data.get("link", ""))


class SkuForm(forms.Form):
    # Django's own "This field is required." does not say what is missing: the messages are the service's.
    kind = forms.ChoiceField(choices=SkuKind.choices, widget=forms.RadioSelect, label="SKU type",
                             initial=SkuKind.SINGLE,
                             error_messages={"required": KIND_REQUIRED, "invalid_choice": KIND_REQUIRED})
    name = forms.CharField(max_length=MAX_NAME, label="SKU name", error_messages={"required": NAME_REQUIRED})
    code = forms.CharField(max_length=MAX_CODE_LENGTH, required=False, label="Seller defined code", help_text=CODE_HELP)
    barcode = forms.CharField(max_length=MAX_BARCODE, required=False, label="Barcode")
    # The SKU's version the edit page was drawn from (sku_version): a save after someone else's is refused. Not
    # required, so a page opened before this field existed still saves as it did.
    version = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # The type is fixed once created (docs/inventory.md); the posted value is ignored.
            self.fields["kind"].required = False
            self.fields["kind"].disabled = True


class OptionForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    code = forms.CharField(max_length=MAX_CODE_LENGTH, required=False, label="Seller defined code")
    option_values = forms.CharField(max_length=MAX_VALUES, required=False, label="Option values",
                                    widget=forms.TextInput(attrs={"placeholder": "e.g. 블랙 / M"}))
    barcode = forms.CharField(max_length=MAX_BARCODE, required=False, label="Barcode")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not data.get("id") and not any((data.get("code") or "").strip() or (data.get(name) or "").strip()
                                              for name in ("option_values", "barcode"))


OptionFormSet = forms.formset_factory(OptionForm, extra=0, max_num=500, validate_max=True)


def option_row_numbers(formset) -> list[int | None]:
    """The number each row is shown under ("option 2"), counting the rows on the page; None for a row not
    shown again: one added and left empty (a removed row posts as an empty one)."""
    numbers: list[int | None] = []
    shown = 0
    for form in formset.forms:
        if form.is_bound and form.is_valid() and form.is_blank():
            numbers.append(None)
        else:
            shown += 1
            numbers.append(shown)
    return numbers


def option_inputs(formset) -> tuple[list[OptionInput], list[int]]:
    """The filled rows as service input, and each row's index in the formset (blank new rows are skipped,
    and so are rows that failed their own checks: the service names rows by their shown number)."""
    rows, indexes = [], []
    for index, (form, number) in enumerate(zip(formset.forms, option_row_numbers(formset), strict=True)):
        if number is None or not form.is_valid():
            continue
        data = form.cleaned_data
        rows.append(OptionInput(code=data.get("code") or "", option_values=data.get("option_values") or "",
                                barcode=data.get("barcode") or "", id=data.get("id"),
                                is_active=bool(data.get("is_active")), row=number))
        indexes.append(index)
    return rows, indexes


def apply_errors(error: ValidationError, form: forms.Form, formset, indexes: list[int], *,
                 beside_own: bool = False) -> None:
    """Put a service's errors (``options.<i>.<field>`` for rows) on the form and the formset rows.

    ``beside_own``: the form or rows already failed their own checks. A field that has its own error keeps
    just that one, and nothing is said about the rows as a whole (a row left out for its own error is not
    "missing")."""
    for key, messages in error.message_dict.items():
        if key.startswith("options."):
            _, index, name = key.split(".", 2)
            formset.forms[indexes[int(index)]].add_error(name if name in OptionForm.base_fields else None, messages)
        elif key == "options":
            if beside_own and (formset.total_error_count() or getattr(formset, "options_errors", None)):
                continue
            # About the option rows as a whole ("add at least one"): shown with them, on their tab.
            formset.options_errors = [*getattr(formset, "options_errors", []), *messages]
        elif beside_own and key in form.errors:
            continue
        else:
            form.add_error(key if key in form.fields else None, messages)


class SkuImportForm(forms.Form):
    file = forms.FileField(label="Excel file (.xlsx)",
                           error_messages={"required": "Choose the Excel file to upload.",
                                           "empty": "The file is empty. Download the template and fill it in."},
                           help_text=f"At most 20,000 rows and {MAX_BYTES // (1024 * 1024)} MB. Download the template "
                                     "for the columns.",
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it into files of at "
                                  "most 20,000 rows.")
        return upload

