from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from integrations.alerts import alert_emails_parse
from integrations.models import SalesSiteAccount
from integrations.services import (
    KEY_EXPIRY_NOTICE_DAYS,
    OPTION_FIELDS,
    account_fields_validate,
    options_supported,
)
from sellers.services import ALERT_EMAILS_MAX


class AccountForm(forms.Form):
    """Sales Site Linkage Registration: the labels are the guide's words."""

    shop_id = forms.CharField(label="Shop ID", max_length=100)
    api_key = forms.CharField(
        label="API Key", widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}), max_length=500
    )
    account_number = forms.CharField(label="Account Number", max_length=30)
    api_key_expires_on = forms.DateField(label="Key expires on", required=False,
                                         widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    auto_order_integration = forms.BooleanField(label="Automatic Order Integration", required=False, initial=True)
    auto_order_confirmation = forms.BooleanField(label="Automatic Order Confirmation", required=False, initial=True)
    auto_fulfillment = forms.BooleanField(label="Automatic Fulfillment Shipping Instructions", required=False)
    auto_stock_sync = forms.BooleanField(label="Automatic Stock Qty Sync", required=False)
    # The account's version the Edit page was drawn from (account_version): a save after someone else's is refused.
    # Not required, so a page opened before this field existed (and New registration) saves as it did.
    version = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, seller, site, account: SalesSiteAccount | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.seller = seller
        self.site = site
        self.account = account
        self.fields["shop_id"].help_text = site.shop_id_help
        # Only the options the site declares a capability for (integrations/registry.py); the others are
        # not offered, and saved as off whatever a request sends.
        supported = options_supported(site)
        for name in OPTION_FIELDS:
            if name not in supported:
                del self.fields[name]
        self.fields["api_key"].help_text = site.api_key_help
        if site.api_key_lifetime_days:
            self.fields["api_key_expires_on"].help_text = (
                f"The date {site.name} shows for this key. Left empty, SmartShip counts {site.api_key_lifetime_days} "
                f"days (a {site.name} key's lifetime) from when you save the key here, and reminds you "
                f"{KEY_EXPIRY_NOTICE_DAYS} days before.")
        else:
            del self.fields["api_key_expires_on"]
        self.fields["account_number"].help_text = site.account_number_help
        if account is not None:
            # The stored key is never sent back to the browser; an empty field keeps it.
            self.fields["api_key"].required = False
            self.fields["api_key"].help_text = (
                f"Stored key {account.masked_api_key}. Leave empty to keep it, or paste a new key to replace it."
            )

    def clean(self):
        cleaned = super().clean()
        api_key = cleaned.get("api_key", "")
        try:
            # The service's rules are the one source of truth; fields Django already rejected keep
            # their own message, the others get the service's.
            normalised = account_fields_validate(
                seller=self.seller, site=self.site.key, shop_id=cleaned.get("shop_id", ""),
                account_number=cleaned.get("account_number", ""),
                api_key=api_key if (self.account is None or api_key.strip()) else None, account=self.account,
                api_key_expires_on=cleaned.get("api_key_expires_on"),
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field not in self.errors:
                    self.add_error(field if field in self.fields else None, messages)
            return cleaned
        cleaned.update(normalised)
        return cleaned

    def option_fields(self) -> list[forms.BoundField]:
        """The option fields the site supports, in order, for the template."""
        return [self[name] for name in OPTION_FIELDS if name in self.fields]

    def key_expiry(self) -> dict:
        """The expiry date as account_create / account_update take it (a site whose keys last forever: none)."""
        if "api_key_expires_on" not in self.fields:
            return {}
        return {"api_key_expires_on": self.cleaned_data.get("api_key_expires_on")}

    def options(self) -> dict[str, bool]:
        """Every option: an unsupported one is off."""
        return {name: bool(self.cleaned_data.get(name, False)) if name in self.fields else False
                for name in OPTION_FIELDS}


class AlertEmailsForm(forms.Form):
    alert_emails = forms.CharField(
        label="Alert e-mails", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One address per line. SmartShip writes to them when a connection fails (at most once a day while "
                  "it stays failed), when no order sync has worked for hours, and 30, 7 and 1 days before an API Key "
                  "expires. Empty: no e-mails.")

    def clean_alert_emails(self) -> list[str]:
        addresses = list(dict.fromkeys(alert_emails_parse(self.cleaned_data["alert_emails"])))  # each once
        wrong = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                wrong.append(address)
        if wrong:
            raise ValidationError(f"Not an e-mail address: {', '.join(wrong)}. Nothing was saved.")
        if len(addresses) > ALERT_EMAILS_MAX:
            raise ValidationError(f"At most {ALERT_EMAILS_MAX} addresses. Nothing was saved.")
        return addresses
