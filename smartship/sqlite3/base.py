"""Django's SQLite backend, told the real limit on query parameters.

Django assumes SQLite's old default of 999 variables per statement, so bulk inserts of wide rows go
out 28 rows at a time. SQLite 3.32+ allows 32,766; the connection reports its own limit, and batches
follow it (a 10,000-line sync then needs a handful of INSERTs instead of hundreds).
"""

import sqlite3

from django.db.backends.sqlite3 import base, features


class DatabaseFeatures(features.DatabaseFeatures):
    pass


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        limit = connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self.features.max_query_params = limit
        return connection
