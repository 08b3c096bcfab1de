from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _search_index_ensure(sender, using, **kwargs):
    from django.db import connections

    from orders.services.search import sqlite_search_index_ensure

    sqlite_search_index_ensure(connections[using])


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self):
        # SQLite drops a table's triggers when a migration rebuilds the table: put the search index back.
        post_migrate.connect(_search_index_ensure, sender=self, dispatch_uid="orders_search_index_ensure")
