"""Re-encrypt every stored API key with the newest of SMARTSHIP_ENCRYPTION_KEYS (docs/sales-site-accounts.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core import crypto
from integrations.models import SalesSiteAccount
from integrations.services import KEY_UNREADABLE_MESSAGE


class Command(BaseCommand):
    help = ("Re-encrypt every stored sales-site API key with the first (newest) key of SMARTSHIP_ENCRYPTION_KEYS, "
            "so the older keys can be dropped. Keys already under the newest key are left as they are (running it "
            "twice changes nothing); keys no configured key can decrypt are reported by account and left alone. "
            "Exits with an error when any key could not be decrypted.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report what would be rotated; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        rotated = current = 0
        unreadable: list[SalesSiteAccount] = []
        readable_again: list[int] = []
        accounts = (SalesSiteAccount.objects.order_by("pk")
                    .only("pk", "seller_id", "site", "shop_id", "api_key_encrypted", "connection_status",
                          "connection_message"))
        for account in accounts.iterator(chunk_size=500):
            token = account.api_key_encrypted
            if crypto.is_current(token):
                new_token = None
            else:
                try:
                    new_token = crypto.rotate(token)
                except crypto.DecryptionError:
                    unreadable.append(account)
                    continue
            if (account.connection_status == SalesSiteAccount.ConnectionStatus.FAILED
                    and account.connection_message == KEY_UNREADABLE_MESSAGE):
                readable_again.append(account.pk)
            if new_token is None:
                current += 1
                continue
            if dry_run:
                rotated += 1
                continue
            # Only if the key was not replaced meanwhile (a seller saving a new key wins); no updated_at change,
            # the key itself is the same.
            rotated += SalesSiteAccount.objects.filter(pk=account.pk, api_key_encrypted=token).update(
                api_key_encrypted=new_token)
        if readable_again and not dry_run:
            # These showed "cannot be decrypted" and now read (the old key is back): that message is wrong now.
            SalesSiteAccount.objects.filter(
                pk__in=readable_again, connection_status=SalesSiteAccount.ConnectionStatus.FAILED,
                connection_message=KEY_UNREADABLE_MESSAGE,
            ).update(connection_status=SalesSiteAccount.ConnectionStatus.UNTESTED, connection_message="")

        verb = "Would rotate" if dry_run else "Rotated"
        self.stdout.write(f"{verb} {rotated} stored API key(s) to the newest encryption key; {current} already "
                          f"used it.")
        if readable_again:
            ids = ", ".join(str(pk) for pk in readable_again)
            self.stdout.write(f"{len(readable_again)} account(s) showed an unreadable key and read again "
                              f"({ids}): their connection status "
                              + ("would go back to" if dry_run else "is back to")
                              + " Not tested; press Test Connection.")
        if unreadable:
            for account in unreadable:
                self.stderr.write(
                    f"account {account.pk} (seller {account.seller_id}, {account.site} shop {account.shop_id}): "
                    "the stored API key cannot be decrypted with any configured key; left unchanged.")
            raise CommandError(
                f"{len(unreadable)} stored API key(s) could not be decrypted with the configured "
                "SMARTSHIP_ENCRYPTION_KEYS and were left unchanged. Add the key they were saved with back to the "
                "list (after the new one) and run this command again, or have the sellers re-enter those API keys "
                "in Sales Site API. Do not drop an old key before this command reports no unreadable key.")
