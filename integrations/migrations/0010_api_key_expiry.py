from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def saved_at_from_history(apps, schema_editor):
    """A stored key was saved when it last replaced another ("API Key replaced"), else when the account was made."""
    account_model = apps.get_model("integrations", "SalesSiteAccount")
    event_model = apps.get_model("integrations", "AccountEvent")
    replaced = (event_model.objects.filter(account=OuterRef("pk"), kind="key_changed")
                .order_by("-created_at").values("created_at")[:1])
    account_model.objects.filter(api_key_saved_at__isnull=True).update(
        api_key_saved_at=Coalesce(Subquery(replaced), "created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0009_sync_run_seller_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="salessiteaccount",
            name="api_key_expires_on",
            field=models.DateField(blank=True, null=True, verbose_name="Key expires on"),
        ),
        migrations.AddField(
            model_name="salessiteaccount",
            name="api_key_saved_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.RunPython(saved_at_from_history, migrations.RunPython.noop, elidable=True),
    ]
