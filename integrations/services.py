"""Writes for sales-site accounts: registration, edits, activation, Test Connection, the call log."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string

from core.crypto import DecryptionError
from core.exceptions import RELOAD_PAGE, ApplicationError
from integrations import registry
from integrations.base import AdapterConfig, Capability, SalesSite, SalesSiteAdapter
from integrations.errors import ErrorCode, Forbidden, SalesSiteError
from integrations.models import AccountEvent, ApiCallLog, SalesSiteAccount
from sellers.models import Seller, User

logger = logging.getLogger("smartship.integrations")

OPTION_FIELDS = ("auto_order_integration", "auto_order_confirmation", "auto_fulfillment", "auto_stock_sync")
# Each automation option of an account turns on what one capability of its sales site does: an option
# the site does not declare is neither offered nor stored (it would ask the site for a step it lacks).
OPTION_CAPABILITIES = {
    "auto_order_integration": Capability.ORDER_INTEGRATION,
    "auto_order_confirmation": Capability.ORDER_CONFIRMATION,
    "auto_fulfillment": Capability.FULFILLMENT,
    "auto_stock_sync": Capability.STOCK_SYNC,
}


def options_supported(site: SalesSite) -> tuple[str, ...]:
    """The option fields the site supports, in the form's order."""
    return tuple(name for name in OPTION_FIELDS if site.supports(OPTION_CAPABILITIES[name]))


def options_for_site(site: SalesSite, options: dict[str, bool]) -> dict[str, bool]:
    """``options`` with every option the site does not support turned off."""
    supported = options_supported(site)
    return {name: bool(value) and name in supported for name, value in options.items()}


API_KEY_NOT_ASCII = ("An API Key is made of letters, digits and signs only: this one holds other characters (Hangul, "
                     "symbols outside ASCII). Copy the whole key from the store center again.")


def normalise_api_key(value: str) -> str:
    # Keys are pasted from the store center; stray spaces and line breaks are never part of a key.
    return "".join(value.split())


def normalise_account_number(value: str) -> str:
    return value.strip().upper()


# An account edit that leaves the key's expiry date as it is (a PATCH without it; account_update's default).
KEEP = object()
# Days before its key's expiry that an account is shown with a reminder to renew it.
KEY_EXPIRY_NOTICE_DAYS = 30


@dataclass(frozen=True)
class KeyExpiry:
    """When an account's API key stops working: the date entered, else estimated from when it was saved."""

    site: SalesSite
    on: date
    estimated: bool
    days_left: int  # negative once the date has passed

    @property
    def due(self) -> bool:
        """Time to renew: the reminder shows on the account's pages and the dashboard."""
        return self.days_left <= KEY_EXPIRY_NOTICE_DAYS

    @property
    def passed(self) -> bool:
        return self.days_left < 0


def account_key_expiry(account: SalesSiteAccount, *, today: date | None = None) -> KeyExpiry | None:
    """None for a site whose keys do not expire (or a key whose save time is unknown and no date entered)."""
    try:
        site = registry.get(account.site)
    except registry.UnknownSalesSite:
        return None
    lifetime = site.api_key_lifetime_days
    if not lifetime:
        return None
    today = today or timezone.localdate()
    if account.api_key_expires_on:
        on, estimated = account.api_key_expires_on, False
    elif account.api_key_saved_at:
        on, estimated = timezone.localdate(account.api_key_saved_at) + timedelta(days=lifetime), True
    else:
        return None
    return KeyExpiry(site=site, on=on, estimated=estimated, days_left=(on - today).days)


def _key_expiry_error(sales_site: SalesSite, value: date) -> str | None:
    lifetime = sales_site.api_key_lifetime_days
    if not lifetime:
        return f"{sales_site.name} API keys do not expire: leave the expiry date empty."
    today = timezone.localdate()
    if value < today:
        return (f"{value:%Y-%m-%d} has passed, and a key past its date no longer works: issue a new key at "
                f"{sales_site.name}, paste it in API Key and enter its date.")
    if value > today + timedelta(days=lifetime):
        return (f"{sales_site.name} keys last {lifetime} days, so a key issued today expires on "
                f"{today + timedelta(days=lifetime):%Y-%m-%d} at the latest: check the date.")
    return None


def account_fields_validate(
    *, seller: Seller, site: str, shop_id: str, account_number: str, api_key: str | None,
    account: SalesSiteAccount | None = None, api_key_expires_on: date | None | object = KEEP,
) -> dict[str, str]:
    """Check and normalise the fields of a registration; raise ValidationError keyed by field.

    ``api_key_expires_on`` is checked only when it changes: an edit that sends back the stored date of a key
    whose date has since passed is not refused for it."""
    errors: dict[str, str] = {}
    try:
        sales_site = registry.get(site)
    except registry.UnknownSalesSite:
        raise ValidationError({"site": "Choose a supported sales site."}) from None
    shop_id = shop_id.strip()
    account_number = normalise_account_number(account_number)
    if not shop_id:
        errors["shop_id"] = "Enter the Shop ID (your store-center seller ID)."
    elif len(shop_id) > 100:
        errors["shop_id"] = "The Shop ID is at most 100 characters."
    elif same := _shop_id_taken(seller=seller, site=site, shop_id=shop_id, account=account):
        # The Shop ID is how pages, filters and the manual-order upload name an account: two alike could not
        # be told apart.
        errors["shop_id"] = (f"You already have a {sales_site.name} account with Shop ID {same.shop_id} (Account "
                             f"Number {same.account_number}). Edit that one, or give this account its own Shop ID.")
    if api_key is not None:
        api_key = normalise_api_key(api_key)
        if not api_key:
            errors["api_key"] = f"Enter the API Key issued by {sales_site.name}."
        elif len(api_key) < 8:
            errors["api_key"] = "This API Key is too short; copy the whole key from the store center."
        elif not api_key.isascii():
            errors["api_key"] = API_KEY_NOT_ASCII
    if not account_number:
        errors["account_number"] = "Enter the Account Number."
    elif not sales_site.account_number_is_valid(account_number):
        errors["account_number"] = f"This is not a {sales_site.name} Account Number. {sales_site.account_number_help}"
    elif clash := registration_clash(seller=seller, site=site, account_number=account_number, account=account):
        errors["account_number"] = clash
    if (isinstance(api_key_expires_on, date)
            and (account is None or api_key_expires_on != account.api_key_expires_on)
            and (message := _key_expiry_error(sales_site, api_key_expires_on))):
        errors["api_key_expires_on"] = message
    if errors:
        raise ValidationError(errors)
    cleaned = {"shop_id": shop_id, "account_number": account_number}
    if api_key is not None:
        cleaned["api_key"] = api_key
    return cleaned


def _shop_id_taken(*, seller: Seller, site: str, shop_id: str,
                   account: SalesSiteAccount | None) -> SalesSiteAccount | None:
    taken = SalesSiteAccount.objects.filter(seller=seller, site=site, shop_id__iexact=shop_id)
    if account is not None:
        taken = taken.exclude(pk=account.pk)
    return taken.only("shop_id", "account_number").first()


def registration_clash(*, seller: Seller, site: str, account_number: str,
                       account: SalesSiteAccount | None = None) -> str:
    """Why this Account Number cannot be registered (again) by the seller, or "" when it can."""
    clash = SalesSiteAccount.objects.filter(site=site, account_number=account_number)
    if account is not None:
        clash = clash.exclude(pk=account.pk)
    clash = clash.only("seller_id", "shop_id").first()
    if clash is None:
        return ""
    if clash.seller_id == seller.pk:
        return f"You have already registered this Account Number (Shop ID {clash.shop_id}); edit that one instead."
    return ("This Account Number is already registered in SmartShip by another seller. One "
            f"{registry.get(site).name} account can feed one seller only; contact support if it is yours.")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _event(account: SalesSiteAccount, kind: str, actor: User | None, **details: Any) -> None:
    AccountEvent.objects.create(account=account, seller_id=account.seller_id, actor=actor, kind=kind, details=details)


@transaction.atomic
def account_create(
    *, seller: Seller, site: str, shop_id: str, api_key: str, account_number: str, actor: User | None = None,
    auto_order_integration: bool = True, auto_order_confirmation: bool = True,
    auto_fulfillment: bool = False, auto_stock_sync: bool = False, api_key_expires_on: date | None = None,
) -> SalesSiteAccount:
    cleaned = account_fields_validate(
        seller=seller, site=site, shop_id=shop_id, account_number=account_number, api_key=api_key,
        api_key_expires_on=api_key_expires_on,
    )
    options = options_for_site(registry.get(site), {
        "auto_order_integration": auto_order_integration, "auto_order_confirmation": auto_order_confirmation,
        "auto_fulfillment": auto_fulfillment, "auto_stock_sync": auto_stock_sync,
    })
    account = SalesSiteAccount(
        seller=seller, site=site, shop_id=cleaned["shop_id"], account_number=cleaned["account_number"],
        api_key_expires_on=api_key_expires_on, **options,
    )
    account.set_api_key(cleaned["api_key"])
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        # Two registrations of one Account Number at the same moment: the database has the last word.
        raise ValidationError({"account_number": f"This Account Number was just registered; {RELOAD_PAGE}."}) from None
    _event(account, AccountEvent.Kind.CREATED, actor, shop_id=account.shop_id, account_number=account.account_number)
    return account


# What the Edit form (and PATCH) writes: a form drawn from other values than these would put its values back.
# Is active (Activate / Deactivate) and the connection fields (Test Connection, syncs) are not among them: the form
# leaves them as they are, so a test or a sync meanwhile does not make an open form stale.
_VERSION_FIELDS = ("shop_id", "account_number", "api_key_expires_on", *OPTION_FIELDS)
# The edits an Edit form drawn before them would undo: their AccountEvent rows name who and when.
_EDIT_EVENTS = (AccountEvent.Kind.CREATED, AccountEvent.Kind.UPDATED, AccountEvent.Kind.KEY_CHANGED)


def account_version(*, account: SalesSiteAccount) -> str:
    """A token of what the account Edit form shows and writes back, read now: the version the form was drawn from.

    The API Key counts by whether it was replaced (its latest "API Key replaced" event), never by its value: not
    even the encrypted one, which ``rotate_encryption_keys`` rewrites without the key changing."""
    current = SalesSiteAccount.objects.filter(pk=account.pk).values_list(*_VERSION_FIELDS).get()
    key_changed = (AccountEvent.objects.filter(account_id=account.pk, kind=AccountEvent.Kind.KEY_CHANGED)
                   .order_by("-pk").values_list("pk", flat=True).first())
    return hashlib.sha256(repr((current, key_changed)).encode()).hexdigest()[:20]


def _last_edit(account: SalesSiteAccount) -> AccountEvent | None:
    return (AccountEvent.objects.filter(account_id=account.pk, kind__in=_EDIT_EVENTS).select_related("actor")
            .order_by("-created_at", "-pk").first())


def account_changed_message(*, account: SalesSiteAccount) -> str:
    """Why a save from a form drawn before someone else's change was refused, naming them and when."""
    event = _last_edit(account)
    who = event.actor.username if event and event.actor else "Someone else"
    when = ""
    if event:
        moment = timezone.localtime(event.created_at)
        when = f" at {moment:%H:%M}" if moment.date() == timezone.localdate() else f" on {moment:%m-%d %H:%M}"
    return (f"{who} changed account {account.shop_id}{when}, since you opened this page. Your changes were not "
            f"saved: {RELOAD_PAGE} to see the current values, then make your changes again.")


@transaction.atomic
def account_update(
    *, account: SalesSiteAccount, shop_id: str, account_number: str, api_key: str = "", actor: User | None = None,
    version: str | None = None, api_key_expires_on: date | None | object = KEEP, **options: bool,
) -> SalesSiteAccount:
    """Change an account. An empty ``api_key`` keeps the stored key.

    ``api_key_expires_on``: the new key's date, None to count a lifetime from the save, ``KEEP`` (or the stored
    date sent back) to leave it; a new key sent with the stored date unchanged drops that date, which was the
    replaced key's.

    ``version``: the ``account_version`` the values were drawn from (the Edit form's, an API If-Match). When the
    account has changed since, nothing is saved (``changed_meanwhile``): the form posts every field, so saving it
    would silently put the other person's Shop ID, Account Number or options back."""
    unknown = set(options) - set(OPTION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown options: {sorted(unknown)}")
    # The row as it is now, locked until this edit commits: two saves at once are checked one after the other, and
    # "before" (the timeline's old values) is what was stored, not what the caller read earlier.
    account.refresh_from_db(from_queryset=SalesSiteAccount.objects.select_for_update())
    if version is not None and version != (current := account_version(account=account)):
        event = _last_edit(account)
        raise ApplicationError(account_changed_message(account=account), code="changed_meanwhile", extra={
            "version": current, "changed_by": event.actor.username if event and event.actor else None,
            "changed_at": event.created_at.isoformat() if event else None})
    new_key = normalise_api_key(api_key) or None
    cleaned = account_fields_validate(
        seller=account.seller, site=account.site, shop_id=shop_id, account_number=account_number,
        api_key=new_key, account=account, api_key_expires_on=api_key_expires_on,
    )
    before = {name: getattr(account, name) for name in ("shop_id", "account_number", *OPTION_FIELDS)}
    before_expiry = account.api_key_expires_on
    account.shop_id = cleaned["shop_id"]
    account.account_number = cleaned["account_number"]
    if api_key_expires_on is not KEEP and api_key_expires_on != before_expiry:
        account.api_key_expires_on = api_key_expires_on
    elif new_key is not None:
        account.api_key_expires_on = None
    for name, value in options.items():
        setattr(account, name, value)
    # Options the site does not support are off, including ones stored on before this rule.
    for name, value in options_for_site(registry.get(account.site),
                                        {name: getattr(account, name) for name in OPTION_FIELDS}).items():
        setattr(account, name, value)
    credentials_changed = new_key is not None or before["account_number"] != account.account_number
    if new_key is not None:
        account.set_api_key(cleaned["api_key"])
    if credentials_changed:
        # The old test result says nothing about the new credentials.
        account.connection_status = SalesSiteAccount.ConnectionStatus.UNTESTED
        account.connection_message = ""
        # Nor its time: "Not tested" beside the old test's date reads as a test that has just been run.
        account.connection_checked_at = None
    account.save()
    changed = {
        name: [before[name], getattr(account, name)] for name in before if before[name] != getattr(account, name)
    }
    if account.api_key_expires_on != before_expiry:
        changed["api_key_expires_on"] = [_iso(before_expiry), _iso(account.api_key_expires_on)]
    if changed:
        _event(account, AccountEvent.Kind.UPDATED, actor, changed=changed)
    if new_key is not None:
        _event(account, AccountEvent.Kind.KEY_CHANGED, actor, last4=account.api_key_last4)
    return account


@transaction.atomic
def account_set_active(*, account: SalesSiteAccount, active: bool, actor: User | None = None) -> SalesSiteAccount:
    if account.is_active != active:
        account.is_active = active
        account.save(update_fields=["is_active", "updated_at"])
        _event(account, AccountEvent.Kind.ACTIVATED if active else AccountEvent.Kind.DEACTIVATED, actor)
    return account


@transaction.atomic
@transaction.atomic
def account_delete(*, account: SalesSiteAccount) -> None:
    """Remove the account and its stored key. Orders it brought in stay (they reference it loosely). The apps
    that still owe the account work (``SMARTSHIP_BEFORE_ACCOUNT_DELETE``: tracking numbers on their way) may
    refuse with an ``ApplicationError``; nothing is deleted then."""
    for path in settings.SMARTSHIP_BEFORE_ACCOUNT_DELETE:
        import_string(path)(account=account)
    account.delete()


def call_logger(*, seller: Seller, account: SalesSiteAccount | None, site: str) -> Callable[[Any], None]:
    """The ``on_call`` callback that stores each client call record as an ApiCallLog row."""

    def record(call: Any) -> None:
        try:
            ApiCallLog.objects.create(
                seller=seller, account=account, site=site, api_no=str(call.api_no), method=call.method,
                path=call.path[:300], http_status=call.http_status, return_code=call.return_code or "",
                duration_ms=max(0, int(call.duration_ms)), attempt=call.attempt, error=str(call.error or ""),
                message=getattr(call, "message", "") or "", started_at=call.started_at,
            )
        except Exception:
            # The call log is for people; a failure to write it must not break the sync that called.
            logger.exception("could not store the API call record")

    return record


@dataclass
class ConnectionOutcome:
    ok: bool
    message: str
    checked_at: datetime
    code: str = ""
    supplier_number: str = ""
    supplier_name: str = ""
    server_ips: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "message": self.message, "code": self.code,
            # In the site's time zone (KST), as DRF renders every other timestamp of the API.
            "checked_at": timezone.localtime(self.checked_at).isoformat(),
            "supplier_number": self.supplier_number, "supplier_name": self.supplier_name,
            "server_ips": self.server_ips,
        }


PASSING_TROUBLE = (ErrorCode.RATE_LIMITED, ErrorCode.SERVER_ERROR, ErrorCode.TIMEOUT, ErrorCode.HOST_UNREACHABLE,
                   ErrorCode.MALFORMED_RESPONSE)
TEST_AGAIN = (" This says nothing about the Shop ID, API Key or Account Number: press Test Connection again in a "
              "minute.")


def _run_test(*, site: str, config: AdapterConfig) -> ConnectionOutcome:
    sales_site = registry.get(site)
    now = timezone.now()
    adapter = registry.adapter_for(site, config)
    try:
        result = adapter.test_connection()
    except SalesSiteError as exc:
        message = exc.message
        if exc.code in PASSING_TROUBLE:
            # The site's messages say what background work does next ("the portal will try again"); a
            # person testing by hand needs to hear that it says nothing about what they entered.
            message = message.split(" The portal will try again")[0] + TEST_AGAIN
        outcome = ConnectionOutcome(ok=False, message=message, code=str(exc.code), checked_at=now)
        if isinstance(exc, Forbidden):  # its message already names them; the page adds a copy button
            outcome.server_ips = exc.server_ips
        return outcome
    finally:
        adapter.close()
    return ConnectionOutcome(
        ok=True,
        message=f"Connected to {sales_site.name} as {result.supplier_name} ({result.supplier_number}).",
        checked_at=now, supplier_number=result.supplier_number, supplier_name=result.supplier_name,
    )


# --- A stored key that cannot be decrypted ---------------------------------------------------------

KEY_UNREADABLE = "key_unreadable"
KEY_UNREADABLE_MESSAGE = (
    "The stored API Key cannot be decrypted with the configured SMARTSHIP_ENCRYPTION_KEYS (the encryption key it "
    "was saved with is no longer configured): re-enter the API Key in Sales Site API, or ask the operator to "
    "restore the old encryption key. Nothing is sent to the sales site until then."
)


class KeyUnreadable(SalesSiteError):
    """The account's stored API key cannot be decrypted with the configured SMARTSHIP_ENCRYPTION_KEYS.

    Raised by ``account_config`` before anything is sent. A ``SalesSiteError`` so that callers which already
    turn a refused key into a message (manual confirmation, link checks) do the same with this one; the code is
    ours, not one a site answers with, and retrying cannot help.
    """

    code = KEY_UNREADABLE  # type: ignore[assignment]
    retryable = False
    default_message = KEY_UNREADABLE_MESSAGE


def account_key_unreadable(account: SalesSiteAccount, *, during: str) -> None:
    """Show on the account that its stored key cannot be read (as for a key the site refused), and log it.

    Only ids go to the log: never the key, nor its encrypted form."""
    logger.warning("%s of account %s (site %s, shop %s) stopped: the stored API key cannot be decrypted with the "
                   "configured SMARTSHIP_ENCRYPTION_KEYS", during, account.pk, account.site, account.shop_id)
    now = timezone.now()
    SalesSiteAccount.objects.filter(pk=account.pk).update(
        connection_status=SalesSiteAccount.ConnectionStatus.FAILED, connection_message=KEY_UNREADABLE_MESSAGE,
        connection_checked_at=now)
    account.connection_status = SalesSiteAccount.ConnectionStatus.FAILED
    account.connection_message = KEY_UNREADABLE_MESSAGE
    account.connection_checked_at = now


def account_api_key(account: SalesSiteAccount) -> str:
    """The account's API key in clear; ``KeyUnreadable`` when it cannot be decrypted."""
    try:
        return account.get_api_key()
    except DecryptionError:
        raise KeyUnreadable(site=account.site) from None


def _key_unreadable_outcome() -> ConnectionOutcome:
    return ConnectionOutcome(ok=False, code=KEY_UNREADABLE, message=KEY_UNREADABLE_MESSAGE, checked_at=timezone.now())


def credentials_test(
    *, seller: Seller, site: str, shop_id: str, api_key: str, account_number: str,
    account: SalesSiteAccount | None = None,
) -> ConnectionOutcome:
    """Test Connection with what the seller typed, before saving. An empty key uses the stored one."""
    api_key = normalise_api_key(api_key)
    if not api_key and account is not None:
        try:
            api_key = account_api_key(account)
        except KeyUnreadable:
            logger.warning("Test Connection of account %s: the stored API key cannot be decrypted", account.pk)
            return _key_unreadable_outcome()
    account_number = normalise_account_number(account_number)
    if not api_key.isascii():
        return ConnectionOutcome(ok=False, code="invalid", checked_at=timezone.now(), message=API_KEY_NOT_ASCII)
    problems = []
    if not api_key:
        problems.append("enter the API Key")
    if not account_number:
        problems.append("enter the Account Number")
    if problems:
        return ConnectionOutcome(
            ok=False, code="invalid", checked_at=timezone.now(),
            message="To test the connection, " + " and ".join(problems) + ".",
        )
    config = AdapterConfig(
        api_key=api_key, account_number=account_number, shop_id=shop_id.strip(),
        label=f"{seller.pk}:{shop_id.strip()}", on_call=call_logger(seller=seller, account=account, site=site),
        interactive=True,
    )
    outcome = _run_test(site=site, config=config)
    # Told only to someone holding a working key for the account (Register says it to anyone), and before
    # they press Register and are refused.
    if outcome.ok and (clash := registration_clash(seller=seller, site=site, account_number=account_number,
                                                   account=account)):
        outcome.ok, outcome.code = False, "already_registered"
        outcome.message = f"{outcome.message.removesuffix('.')}, but you cannot register it: {clash}"
    return outcome


def account_config(account: SalesSiteAccount, *, interactive: bool = False) -> AdapterConfig:
    """What an adapter needs to call the site for the account; ``KeyUnreadable`` when its stored key cannot be
    decrypted (callers end their run with ``KEY_UNREADABLE`` and ``account_key_unreadable``)."""
    return AdapterConfig(
        api_key=account_api_key(account), account_number=account.account_number, shop_id=account.shop_id,
        label=f"account {account.pk}", on_call=call_logger(seller=account.seller, account=account, site=account.site),
        interactive=interactive,
    )


# How long a Test Connection made from the form counts for the account saved from that form.
FORM_TEST_VALID = timedelta(minutes=15)


def credentials_digest(*, seller_id: int, site: str, api_key: str, account_number: str) -> str:
    """Names one set of credentials without holding the key (kept in the seller's session between the form's
    Test Connection and Save)."""
    value = f"{seller_id}|{site}|{normalise_api_key(api_key)}|{normalise_account_number(account_number)}"
    return salted_hmac("smartship.integrations.credentials-test", value).hexdigest()


def form_test_worth_keeping(outcome: ConnectionOutcome) -> bool:
    """A form's Test Connection that says something about the credentials typed: success, or the site refusing
    them. A passing trouble (5xx, timeout, ...) says nothing, nor does a stored key that cannot be read."""
    return outcome.ok or (outcome.code not in PASSING_TROUBLE and outcome.code != KEY_UNREADABLE)


def account_connection_keep_form_test(
    *, account: SalesSiteAccount, tested: dict[str, Any] | None, created: bool, actor: User | None = None,
) -> str:
    """A Test Connection made from the form, a moment ago, with exactly the credentials just saved, is the
    account's connection status: the seller is not asked to test the same thing twice, and an account saved
    after the site refused its key shows *Failed* with the reason at once, not *Not tested*. Returns the status
    kept, or "" when the test said nothing about what was saved.

    The test must come from the same form: New registration's for a created account, the account's own Edit
    form's for an edit. New registration's test of an account the seller has already registered fails ("edit
    that one instead"), which says nothing about that account once the seller does edit it."""
    if not tested or "ok" not in tested:
        return ""
    if tested.get("account_id") != (None if created else account.pk):
        return ""
    try:
        api_key = account_api_key(account)
    except KeyUnreadable:
        return ""
    digest = credentials_digest(seller_id=account.seller_id, site=account.site, api_key=api_key,
                                account_number=account.account_number)
    checked_at = datetime.fromisoformat(tested.get("checked_at", "1970-01-01T00:00:00+00:00"))
    if tested.get("digest") != digest or timezone.now() - checked_at > FORM_TEST_VALID:
        return ""
    ok = bool(tested["ok"])
    account.connection_status = (SalesSiteAccount.ConnectionStatus.OK if ok
                                 else SalesSiteAccount.ConnectionStatus.FAILED)
    account.connection_checked_at = checked_at
    account.connection_message = tested.get("message", "")
    update = ["connection_status", "connection_checked_at", "connection_message", "updated_at"]
    if ok:
        account.supplier_number = tested.get("supplier_number", "")
        account.supplier_name = tested.get("supplier_name", "")
        update += ["supplier_number", "supplier_name"]
    with transaction.atomic():
        account.save(update_fields=update)
        _event(account, AccountEvent.Kind.CONNECTION_OK if ok else AccountEvent.Kind.CONNECTION_FAILED, actor,
               message=account.connection_message, code=tested.get("code", ""), tested_before_saving=True)
    return account.connection_status


# How often background work checks an Account Number the site has not confirmed (below): a wrong one costs one
# connection test and one account event an hour, not one a sync.
ACCOUNT_NUMBER_RECHECK = timedelta(hours=1)


def account_connection_after_work(*, account_id: int, adapter: SalesSiteAdapter, work: str) -> None:
    """The site accepted every call of ``work`` (e.g. "the order sync") with the stored key: the key and the
    server IPs are fine, so an account not showing Connected now does. Those calls do not carry the Account
    Number, though, and a wrong one only shows when stock is pushed: a number the site has not confirmed for this
    key (``supplier_number``, kept by a successful Test Connection) is first checked with the site's own
    connection test through ``adapter``, at most once an hour, so the account says Failed with what to fix
    rather than Connected."""
    account = SalesSiteAccount.objects.get(pk=account_id)
    now = timezone.now()
    if account.supplier_number == account.account_number:
        if account.connection_status != SalesSiteAccount.ConnectionStatus.OK:
            SalesSiteAccount.objects.filter(pk=account.pk).update(
                connection_status=SalesSiteAccount.ConnectionStatus.OK, connection_checked_at=now,
                connection_message=f"{registry.name_of(account.site)} accepted every call of {work}.")
        return
    last = AccountEvent.objects.filter(account=account).order_by("-pk").first()
    if (account.connection_status == SalesSiteAccount.ConnectionStatus.FAILED and last is not None
            and last.kind == AccountEvent.Kind.CONNECTION_FAILED and last.details.get("checked_during")
            and now - last.created_at < ACCOUNT_NUMBER_RECHECK):
        return  # this check refused the number a moment ago; the seller has not changed anything since
    try:
        result = adapter.test_connection()
    except SalesSiteError as exc:
        if exc.code in PASSING_TROUBLE:
            return  # says nothing about the number; the next work tries again
        account.connection_status, account.connection_message = SalesSiteAccount.ConnectionStatus.FAILED, exc.message
        kind, code = AccountEvent.Kind.CONNECTION_FAILED, str(exc.code)
    else:
        account.connection_status = SalesSiteAccount.ConnectionStatus.OK
        account.connection_message = (f"Connected to {registry.name_of(account.site)} as {result.supplier_name} "
                                      f"({result.supplier_number}).")
        account.supplier_number, account.supplier_name = result.supplier_number, result.supplier_name
        kind, code = AccountEvent.Kind.CONNECTION_OK, ""
    account.connection_checked_at = now
    with transaction.atomic():
        account.save(update_fields=["connection_status", "connection_checked_at", "connection_message",
                                    "supplier_number", "supplier_name", "updated_at"])
        _event(account, kind, None, message=account.connection_message, code=code, checked_during=work)


def account_test_connection(*, account: SalesSiteAccount, actor: User | None = None) -> ConnectionOutcome:
    """Test the stored credentials and keep the result as the account's connection status."""
    try:
        config = account_config(account, interactive=True)
    except KeyUnreadable:
        logger.warning("Test Connection of account %s: the stored API key cannot be decrypted", account.pk)
        outcome = _key_unreadable_outcome()
    else:
        outcome = _run_test(site=account.site, config=config)
    if outcome.ok:
        account.connection_status = SalesSiteAccount.ConnectionStatus.OK
    elif outcome.code == ErrorCode.RATE_LIMITED:  # the site did answer: only not now
        account.connection_status = SalesSiteAccount.ConnectionStatus.LIMITED
    elif outcome.code in PASSING_TROUBLE:
        account.connection_status = SalesSiteAccount.ConnectionStatus.NO_ANSWER
    else:
        account.connection_status = SalesSiteAccount.ConnectionStatus.FAILED
    account.connection_checked_at = outcome.checked_at
    account.connection_message = outcome.message
    update = ["connection_status", "connection_checked_at", "connection_message", "updated_at"]
    if outcome.ok:
        account.supplier_number = outcome.supplier_number
        account.supplier_name = outcome.supplier_name
        update += ["supplier_number", "supplier_name"]
    with transaction.atomic():
        account.save(update_fields=update)
        _event(
            account, AccountEvent.Kind.CONNECTION_OK if outcome.ok else AccountEvent.Kind.CONNECTION_FAILED, actor,
            message=outcome.message, code=outcome.code,
        )
    return outcome
