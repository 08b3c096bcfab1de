"""Test data in one place: small functions that create rows through the services."""

from __future__ import annotations

import itertools

from django.test import Client

from integrations.models import SalesSiteAccount
from sellers.models import Membership, Seller, User
from sellers.services import seller_create

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def make_membership(*, name: str | None = None, username: str | None = None) -> Membership:
    n = next(_counter)
    return seller_create(
        name=name or f"Shop {n}", username=username or f"seller{n}", password=PASSWORD, check_password=False
    )


def make_seller_user(**kwargs) -> tuple[Seller, User]:
    membership = make_membership(**kwargs)
    return membership.seller, membership.user


def make_colleagues() -> tuple[Seller, Client, Client]:
    """One seller's owner ("demo") and a staff member ("staff2"), each signed in in a browser of their own."""
    seller, demo = make_seller_user(username="demo")
    staff2 = User.objects.create_user(username="staff2", password="x")
    Membership.objects.create(user=staff2, seller=seller, role=Membership.Role.STAFF)
    browsers = []
    for user in (demo, staff2):
        browser = Client()
        browser.force_login(user)
        browsers.append(browser)
    return seller, *browsers


def make_account(*, seller: Seller, api_key: str = "demo-lotteon-api-key", account_number: str = "LO10000001",
                 shop_id: str = "shop", **fields) -> SalesSiteAccount:
    """An account on the sandbox's demo supplier by default (one seller only: Account Numbers are unique), whose
    Account Number the site has confirmed (``supplier_number``, as after a Test Connection) unless told otherwise."""
    fields.setdefault("supplier_number", account_number)
    account = SalesSiteAccount(seller=seller, site="lotteon", shop_id=shop_id, account_number=account_number, **fields)
    account.set_api_key(api_key)
    account.save()
    return account
