from django.core.management.base import BaseCommand, CommandError

from integrations.models import SalesSiteAccount, SyncRun
from orders.services.sync import accounts_due, orders_sync


class Command(BaseCommand):
    help = "Pull, store and confirm orders now: the same service the scheduled Celery task runs."

    def add_arguments(self, parser):
        parser.add_argument("--account", type=int, help="Sync only this sales-site account (id)")

    def handle(self, *args, account=None, **options):
        if account is not None:
            if not SalesSiteAccount.objects.filter(pk=account).exists():
                raise CommandError(f"No sales-site account with id {account}.")
            ids = [account]
        else:
            ids = [a.pk for a in accounts_due()]
            if not ids:
                self.stdout.write("No active account has Automatic Order Integration on.")
        failed = False
        for account_id in ids:
            run = orders_sync(account_id=account_id, trigger=SyncRun.Trigger.COMMAND)
            self.stdout.write(
                f"account {account_id}: {run.get_status_display()} - seen {run.lines_seen}, new {run.lines_new}, "
                f"updated {run.lines_updated}, confirmed {run.lines_confirmed}, failed {run.lines_failed}, "
                f"cancelled {run.lines_cancelled}" + (f" ({run.error_message})" if run.error_message else "")
            )
            failed = failed or run.status == SyncRun.Status.FAILED
        if failed:
            raise CommandError("At least one sync failed; see above.")
