from django.db import migrations


def create_counters(apps, schema_editor):
    counter = apps.get_model("waybills", "NumberCounter")
    for name in ("qsp", "packing"):
        counter.objects.get_or_create(name=name, defaults={"last_value": 0})


class Migration(migrations.Migration):
    dependencies = [("waybills", "0001_initial")]

    operations = [migrations.RunPython(create_counters, migrations.RunPython.noop)]
