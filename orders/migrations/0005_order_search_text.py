# Orders list search: a normalised search_text per order, filled for existing orders, then indexed
# (pg_trgm GIN on PostgreSQL, an FTS5 trigram table with triggers on SQLite). See orders/services/search.py.

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from orders.services.search import search_index_create, search_index_drop, search_text_backfill


def backfill(apps, schema_editor):
    search_text_backfill(apps.get_model("orders", "Order"), apps.get_model("orders", "OrderLine"),
                         batch_size=2000)


def create_index(apps, schema_editor):
    search_index_create(schema_editor)


def drop_index(apps, schema_editor):
    search_index_drop(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0004_manual_numbers_and_sort_indexes'),
    ]

    operations = [
        # PostgreSQL only (the operation does nothing elsewhere); pg_trgm is a trusted extension, so a
        # database owner may create it without being superuser.
        TrigramExtension(),
        migrations.AddField(
            model_name='order',
            name='search_text',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        # Filled before the index exists: building an index once is cheaper than updating it per row.
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
