from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from sellers.services import seller_create


class Command(BaseCommand):
    help = "Create a seller (shop) and its first user, the owner."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", required=True, help="The seller's (shop's) name")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, password, name, email, **options):
        try:
            membership = seller_create(name=name, username=username, password=password, email=email)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        except ValidationError as exc:
            raise CommandError("Password rejected: " + " ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Created seller {membership.seller.name!r} (id {membership.seller.pk}) with user {username!r}.")
        )
