from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from core.exceptions import ApplicationError
from sellers.models import Membership, Seller, User


@transaction.atomic
def seller_create(*, name: str, username: str, password: str, email: str = "", check_password: bool = True) -> Membership:
    """Create a seller and its first user (the owner)."""
    name = name.strip()
    username = username.strip()
    if not name:
        raise ApplicationError("The seller needs a name.", code="invalid")
    if not username:
        raise ApplicationError("The first user needs a username.", code="invalid")
    if User.objects.filter(username=username).exists():
        raise ApplicationError(f"The username {username!r} is taken; choose another.", code="duplicate")
    user = User(username=username, email=email)
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    seller = Seller.objects.create(name=name)
    return Membership.objects.create(user=user, seller=seller, role=Membership.Role.OWNER)


@transaction.atomic
def warehouse_operator_create(*, username: str, password: str, check_password: bool = True) -> User:
    if User.objects.filter(username=username).exists():
        raise ApplicationError(f"The username {username!r} is taken; choose another.", code="duplicate")
    user = User(username=username, is_warehouse_operator=True)
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


ALERT_EMAILS_MAX = 10


@transaction.atomic
def seller_alert_emails_set(*, seller: Seller, addresses: list[str]) -> Seller:
    """Where connection alerts go (integrations/alerts.py); an empty list sends none. Checked by the caller's form
    or serializer, kept one per line in the order given, each once."""
    unique = list(dict.fromkeys(address.strip() for address in addresses if address.strip()))  # each once
    if len(unique) > ALERT_EMAILS_MAX:
        raise ApplicationError(f"At most {ALERT_EMAILS_MAX} alert e-mail addresses.", code="invalid")
    seller.alert_emails = "\n".join(unique)
    seller.save(update_fields=["alert_emails"])
    return seller
