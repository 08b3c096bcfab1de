from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from integrations.models import SalesSiteAccount
from inventory.models import Sku, SkuKind
from inventory.services.skus import OptionInput, sku_create
from inventory.services.stock import stock_receive
from sellers.models import Membership, Seller, User

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "smartship-demo"
QFC_USERNAME = "qfc"
QFC_PASSWORD = "smartship-qfc"
# SKUs whose Seller defined codes match part of the sandbox's catalog (lotteon_sandbox/README.md): their
# order lines map at once; the catalog's other products show up under Needs mapping.
DEMO_SKUS = [
    ("린넨 셔츠 원피스", "DRESS", [("DRESS-IVR-FREE", "아이보리 / FREE"), ("DRESS-KHK-FREE", "카키 / FREE")]),
    ("스테인리스 진공 텀블러 500ml", "TUMBLER",
     [("TUMBLER-SLV", "실버"), ("TUMBLER-MNT", "민트"), ("TUMBLER-PNK", "핑크")]),
    ("호텔식 순면 수건", "TOWEL", [("TOWEL-WHT", "화이트"), ("TOWEL-GRY", "그레이")]),
    ("3단 자동 접이식 우산", "UMBRELLA",
     [("UMBRELLA-BLK", "블랙"), ("UMBRELLA-NVY", "네이비"), ("UMBRELLA-BRG", "버건디")]),
    ("데일리 노트북 백팩", "BACKPACK", [("BACKPACK-BLK", "블랙"), ("BACKPACK-CHC", "차콜")]),
    ("저염 닭가슴살 스테이크", "CHICKEN", [("CHICKEN-ORG", "오리지널"), ("CHICKEN-GRL", "갈릭"), ("CHICKEN-HOT", "청양")]),
    ("키즈 캐릭터 양말", "SOCKS", [("SOCKS-S", "S (13-15cm)"), ("SOCKS-M", "M (16-18cm)"), ("SOCKS-L", "L (19-21cm)")]),
    ("무선 블루투스 이어폰", "EARBUDS-01", []),
    ("제주 감귤 5kg", "TANGERINE-5KG", []),
    ("비타민C 1000mg 120정", "VITAC-120", []),
    ("고속 무선 충전기 15W", "CHARGER-15W", []),
]
# The LotteON sandbox knows this key and its supplier (see lotteon_sandbox/README.md).
DEMO_LOTTEON_KEY = "demo-lotteon-api-key"
DEMO_LOTTEON_TR_NO = "LO10000001"


class Command(BaseCommand):
    help = "Load the demo: a seller with a user, a QFC warehouse operator and a LotteON account on the sandbox."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force-demo", action="store_true",
            help="Load the demo even with SMARTSHIP_ENV=production (a throwaway stack only: it creates users "
                 "with published passwords and an account pointed at the sandbox's key).",
        )

    def handle(self, *args, **options):
        if settings.SMARTSHIP_ENV == "production" and not options["force_demo"]:
            raise CommandError(
                f"seed_demo refuses to run with SMARTSHIP_ENV=production: it creates the users {DEMO_USERNAME} and "
                f"{QFC_USERNAME} with published passwords. Create real users with create_seller; on a throwaway "
                "stack, pass --force-demo."
            )
        self.seed()

    @transaction.atomic
    def seed(self):
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
            # All four options on, so the demo shows the whole journey: pull, confirm, fulfil, stock.
            account = SalesSiteAccount(seller=seller, site="lotteon", shop_id="demoshop", account_number=DEMO_LOTTEON_TR_NO,
                                       auto_fulfillment=True, auto_stock_sync=True)
            account.set_api_key(DEMO_LOTTEON_KEY)
            account.save()
        if not Sku.objects.filter(seller=seller).exists():
            for name, code, options in DEMO_SKUS:
                saved = sku_create(
                    seller=seller, kind=SkuKind.MULTI if options else SkuKind.SINGLE, name=name, code=code,
                    options=[OptionInput(code=option_code, option_values=values) for option_code, values in options],
                )
                for number, option in enumerate(saved.sku.options.order_by("pk")):
                    stock_receive(seller=seller, option=option, quantity=20 + 7 * number, note="Demo opening stock")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: seller user {DEMO_USERNAME} / {DEMO_PASSWORD}, QFC operator {QFC_USERNAME} / {QFC_PASSWORD}"
            )
        )
