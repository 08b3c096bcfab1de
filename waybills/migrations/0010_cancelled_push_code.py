from django.db import migrations

# The message waybills.services.push stores on a number not pushed because the buyer cancelled the line. Written
# out here: a migration must not change when the service's wording does.
CANCELLED_BY_BUYER = "Cancelled by the buyer: the tracking number is not pushed."


def forwards(apps, schema_editor):
    """Pushes the sales site answered "cancelled" were stored without the code "cancelled", so Tracking push
    failures never listed them under "Not pushed: cancelled by the buyer"."""
    TrackingPush = apps.get_model("waybills", "TrackingPush")
    TrackingPush.objects.filter(state="cancelled", last_message=CANCELLED_BY_BUYER).exclude(
        last_code="cancelled").update(last_code="cancelled")


class Migration(migrations.Migration):

    dependencies = [
        ("waybills", "0009_verbose_name_plural"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
