from django.core.management.base import BaseCommand
from django.db import transaction

from integrations.models import SalesSiteAccount
from sellers.models import Membership, Seller, User

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "smartship-demo"
QFC_USERNAME = "qfc"
QFC_PASSWORD = "smartship-qfc"
# The LotteON sandbox knows this key and its supplier (see lotteon_sandbox/README.md).
DEMO_LOTTEON_KEY = "demo-lotteon-api-key"
DEMO_LOTTEON_TR_NO = "LO10000001"


class Command(BaseCommand):
    help = "Load the demo: a seller with a user, a QFC warehouse operator and a LotteON account on the sandbox."

    @transaction.atomic
    def handle(self, *args, **options):
        seller, _ = Seller.objects.get_or_create(name="SmartShip Demo Shop")
        user, created = User.objects.get_or_create(username=DEMO_USERNAME, defaults={"email": "demo@example.com"})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(user=user, seller=seller, defaults={"role": Membership.Role.OWNER})

        operator, created = User.objects.get_or_create(username=QFC_USERNAME, defaults={"is_warehouse_operator": True})
        if created:
            operator.set_password(QFC_PASSWORD)
            operator.save()

        if not SalesSiteAccount.objects.filter(seller=seller, site="lotteon").exists():
            account = SalesSiteAccount(seller=seller, site="lotteon", shop_id="demoshop", account_number=DEMO_LOTTEON_TR_NO)
            account.set_api_key(DEMO_LOTTEON_KEY)
            account.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: seller user {DEMO_USERNAME} / {DEMO_PASSWORD}, QFC operator {QFC_USERNAME} / {QFC_PASSWORD}"
            )
        )
