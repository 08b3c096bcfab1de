from django.core.management.base import BaseCommand, CommandError

from integrations.models import SalesSiteAccount
from inventory.models import StockSyncRun
from inventory.services.stock_sync import stock_accounts_due, stock_sync


class Command(BaseCommand):
    help = ("Push stock now: every linked option whose available quantity differs from what the sales site "
            "accepted (the same service as the periodic full stock sync).")

    def add_arguments(self, parser):
        parser.add_argument("--account", type=int, help="Sync only this sales-site account (id)")

    def handle(self, *args, account=None, **options):
        if account is not None:
            if not SalesSiteAccount.objects.filter(pk=account).exists():
                raise CommandError(f"No sales-site account with id {account}.")
            ids = [account]
        else:
            ids = stock_accounts_due(connected_only=False)
            if not ids:
                self.stdout.write("No active account has Automatic Stock Qty Sync on.")
        failed = False
        for account_id in ids:
            run = stock_sync(account_id=account_id, full=True, trigger=StockSyncRun.Trigger.COMMAND)
            self.stdout.write(
                f"account {account_id}: {run.get_status_display()} - checked {run.checked}, pushed {run.pushed}, "
                f"refused {run.failed}, not pushed {run.skipped}, back on sale {run.resumed}, calls {run.calls}"
                + (f" ({run.error_message})" if run.error_message else "")
            )
            failed = failed or run.status == StockSyncRun.Status.FAILED
        if failed:
            raise CommandError("At least one stock sync failed; see above.")
