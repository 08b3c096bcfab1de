"""Forms of the manual shipping order pages; every rule lives in orders/services/manual.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from integrations import registry
from integrations.selectors import account_list
from orders.services.manual import (
    LIMITS,
    MAX_IMPORT_BYTES,
    REQUIRED,
    ManualItem,
    ManualOrderData,
    manual_order_validate,
)
from sellers.models import Seller


def _text(label: str, name: str, *, required: bool = False, help_text: str = "", **attrs: Any) -> forms.CharField:
    # Django only checks presence (with the service's message); lengths and formats are the service's. A
    # required field without a message of its own fails here, at import, rather than show Django's generic one.
    attrs.setdefault("maxlength", LIMITS[name])
    return forms.CharField(
        label=label, required=required, help_text=help_text, strip=True, widget=forms.TextInput(attrs=attrs),
        error_messages={"required": REQUIRED[name]} if required else {},
    )


class ManualOrderForm(forms.Form):
    """Recipient, optional sales-site account and the sales site's order number."""

    use_required_attribute = False  # the server's messages, next to the fields, are the ones that count

    recipient_name = _text("Recipient name (수취인)", "recipient_name", required=True, autocomplete="off")
    recipient_mobile = _text("Mobile (휴대폰)", "recipient_mobile", inputmode="tel", placeholder="010-1234-5678",
                             help_text="Mobile or Phone: at least one.")
    recipient_phone = _text("Phone (전화번호)", "recipient_phone", inputmode="tel", placeholder="02-123-4567")
    zip_code = _text("Zip code (우편번호)", "zip_code", required=True, inputmode="numeric", placeholder="06236")
    address = _text("Address (주소)", "address", required=True)
    address_detail = _text("Address detail (상세주소)", "address_detail")
    delivery_message = _text("Delivery message (배송메시지)", "delivery_message")
    account_id = forms.TypedChoiceField(
        label="Sales site account", required=False, coerce=int, empty_value=None,
        help_text="The account the order was sold through, if any.",
    )
    reference_order_no = _text(
        "Sales site order number (주문번호)", "reference_order_no",
        help_text="The order number at the sales site. SmartShip refuses a number it already has.",
    )

    def __init__(self, *args, seller: Seller, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account_id"].choices = [("", "None: sold on another channel")] + [
            (account.pk, f"{_site_name(account.site)} · {account.shop_id} ({account.account_number})")
            for account in account_list(seller=seller)
        ]
        self.fields["account_id"].error_messages["invalid_choice"] = "Choose one of your sales-site accounts."


def _site_name(key: str) -> str:
    try:
        return registry.get(key).name
    except registry.UnknownSalesSite:
        return key


class ManualItemForm(forms.Form):
    use_required_attribute = False

    seller_code = _text("Seller defined code", "seller_code", autocomplete="off")
    product_name = _text("Product name", "product_name")
    option_name = _text("Option", "option_name")
    quantity = forms.CharField(label="Quantity", required=False, initial="1", strip=True,
                               widget=forms.NumberInput(attrs={"min": 1, "max": 9999, "step": 1}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The row's inputs sit under column headers, without labels of their own: each says which item it
        # belongs to (manual.js renumbers them when rows are added or removed).
        index = (self.prefix or "").rsplit("-", 1)[-1]
        number = f" {int(index) + 1}" if index.isdigit() else ""
        for field in self.fields.values():
            field.widget.attrs.update({"aria-label": f"{field.label} of item{number}",
                                       "data-aria-label": f"{field.label} of item {{n}}"})


ManualItemFormSet = forms.formset_factory(ManualItemForm, extra=1, max_num=500, absolute_max=500)


class ManualOrderEntry:
    """The order form and its item rows, checked together by the service's rules.

    Item rows left empty are ignored; the service's ``items.<index>.<field>`` errors land on the row
    they belong to.
    """

    def __init__(self, data=None, *, seller: Seller):
        self.seller = seller
        self.form = ManualOrderForm(data, seller=seller)
        self.items = ManualItemFormSet(data, prefix="items")
        self._rows: list[ManualItemForm] = []
        self.item_errors: list[str] = []  # about the items as a whole ("Add at least one item.")

    def is_valid(self) -> bool:
        self.form.is_valid()
        if not self.items.is_valid():  # a tampered management form: nothing to check rows against
            self.item_errors = [str(e) for e in self.items.non_form_errors()] or ["Reload the page and try again."]
            return False
        self._rows = [row for row in self.items.forms if row.has_changed()]
        try:
            manual_order_validate(seller=self.seller, data=self._data())
        except ValidationError as exc:
            self.add_service_errors(exc)
        return not self.has_errors

    def _data(self) -> ManualOrderData:
        cleaned = self.form.cleaned_data if hasattr(self.form, "cleaned_data") else {}
        return ManualOrderData(
            account_id=cleaned.get("account_id"),
            reference_order_no=cleaned.get("reference_order_no", ""),
            recipient_name=cleaned.get("recipient_name", ""), recipient_mobile=cleaned.get("recipient_mobile", ""),
            recipient_phone=cleaned.get("recipient_phone", ""), zip_code=cleaned.get("zip_code", ""),
            address=cleaned.get("address", ""), address_detail=cleaned.get("address_detail", ""),
            delivery_message=cleaned.get("delivery_message", ""), items=self.manual_items(),
        )

    def manual_items(self) -> list[ManualItem]:
        return [
            ManualItem(seller_code=row.cleaned_data.get("seller_code", ""),
                       product_name=row.cleaned_data.get("product_name", ""),
                       option_name=row.cleaned_data.get("option_name", ""),
                       quantity=row.cleaned_data.get("quantity", ""))
            for row in self._rows
        ]

    def service_kwargs(self) -> dict[str, Any]:
        data = self._data()
        return {
            "account_id": data.account_id, "reference_order_no": data.reference_order_no,
            "recipient_name": data.recipient_name, "recipient_mobile": data.recipient_mobile,
            "recipient_phone": data.recipient_phone, "zip_code": data.zip_code, "address": data.address,
            "address_detail": data.address_detail, "delivery_message": data.delivery_message,
            "items": data.items,
        }

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put the service's errors next to their fields; a field Django already rejected keeps its message."""
        for key, messages in exc.message_dict.items():
            if key.startswith("items."):
                _, index, name = key.split(".", 2)
                row = self._rows[int(index)]
                if name not in row.errors:
                    row.add_error(name, messages)
            elif key == "items":
                self.item_errors.extend(messages)
            elif key in self.form.fields:
                if key not in self.form.errors:
                    self.form.add_error(key, messages)
            else:
                self.form.add_error(None, messages)

    @property
    def has_errors(self) -> bool:
        return bool(self.form.errors or self.item_errors or any(row.errors for row in self._rows))


class ManualImportForm(forms.Form):
    file = forms.FileField(
        label="Excel file (.xlsx)",
        help_text=f"The filled-in template; at most {MAX_IMPORT_BYTES // (1024 * 1024)} MB and 5,000 rows.",
        error_messages={"required": "Choose the Excel file to upload.",
                        "empty": "The file is empty. Download the template and fill it in."},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; split it into several files."
            )
        return upload
