import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from integrations.models import SalesSiteAccount
from inventory.models import OptionSku, Sku
from sellers.models import Membership, Seller, User


@pytest.mark.django_db
def test_create_seller_creates_the_shop_and_its_owner():
    call_command("create_seller", username="kim", password="a-long-secret-9", name="김씨네 상점")
    membership = Membership.objects.get(user__username="kim")
    assert membership.seller.name == "김씨네 상점"
    assert membership.role == Membership.Role.OWNER
    assert authenticate(username="kim", password="a-long-secret-9") == membership.user


@pytest.mark.django_db
def test_create_seller_refuses_a_taken_username_and_changes_nothing():
    call_command("create_seller", username="kim", password="a-long-secret-9", name="First")
    with pytest.raises(CommandError, match="taken"):
        call_command("create_seller", username="kim", password="a-long-secret-9", name="Second")
    assert list(Seller.objects.values_list("name", flat=True)) == ["First"]


@pytest.mark.django_db
def test_create_seller_refuses_a_weak_password_and_changes_nothing():
    with pytest.raises(CommandError, match="Password rejected"):
        call_command("create_seller", username="lee", password="123", name="Weak")
    assert not User.objects.filter(username="lee").exists()
    assert not Seller.objects.exists()


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    call_command("seed_demo")
    assert Seller.objects.count() == 1
    assert User.objects.filter(username="demo").count() == 1
    assert User.objects.get(username="qfc").is_warehouse_operator
    account = SalesSiteAccount.objects.get()
    assert account.get_api_key() == "demo-lotteon-api-key"
    assert authenticate(username="demo", password="smartship-demo") is not None
    skus = Sku.objects.filter(seller=account.seller)
    assert skus.count() == 11 and OptionSku.objects.get(code="TUMBLER-MNT").on_hand == 27
    assert account.auto_fulfillment and account.auto_stock_sync
