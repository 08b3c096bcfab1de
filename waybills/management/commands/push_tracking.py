"""``python manage.py push_tracking [--account ID]``: one synchronous pass of the tracking push, the very
service the Celery task runs (``waybills.services.push.tracking_push``)."""

from django.core.management.base import BaseCommand, CommandError

from integrations.models import SalesSiteAccount
from waybills.selectors import accounts_with_pushes
from waybills.services.push import tracking_push


class Command(BaseCommand):
    help = "Send waiting tracking numbers to the sales sites and settle unknown outcomes (all accounts, or one)."

    def add_arguments(self, parser):
        parser.add_argument("--account", type=int, help="Only this sales-site account (its id).")

    def handle(self, *args, **options):
        account_id = options.get("account")
        if account_id is not None:
            if not SalesSiteAccount.objects.filter(pk=account_id).exists():
                raise CommandError(f"There is no sales-site account with id {account_id}.")
            ids = [account_id]
        else:
            ids = accounts_with_pushes(include_held=True)
        if not ids:
            self.stdout.write("Nothing to push.")
            return
        failed = False
        for pk in ids:
            stats = tracking_push(account_id=pk)
            self.stdout.write(str(stats))
            failed = failed or bool(stats.error)
        if failed:
            raise CommandError("Some pushes are still waiting: see the messages above.")
