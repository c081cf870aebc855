"""A cursor for the few hot statements worth keeping prepared on PostgreSQL.

Django's PostgreSQL cursors bind parameters on the client: every run sends the
whole statement text, which the server parses and plans afresh. For a statement
run on every citizen's submission that is a measurable share of the work (see
docs/benchmarks.md). :func:`prepared_cursor` gives a Django cursor (query
logging, error wrapping and execute wrappers as usual) over psycopg's
server-side binding, with each statement prepared on the connection at its
first run and reused while the connection lives (``CONN_MAX_AGE``).

psycopg prepares nothing while the connection's ``prepare_threshold`` is None,
which is what Django sets unless ``OPTIONS`` gives one: the settings give one
for PostgreSQL (``liaison.settings.base``). Django's own queries bind on the
client and are never prepared, whatever the threshold.

Prepared statements live on a server connection: behind a pooler in
transaction mode, use one that tracks them (PgBouncer 1.21 or later with
``max_prepared_statements``).
"""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.db.backends.postgresql.base import ServerBindingCursor


class PreparedCursor(ServerBindingCursor):
    """psycopg's server-side binding cursor that asks for every statement to be prepared."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def prepared_cursor(db):
    """A Django cursor on ``db`` (a PostgreSQL connection) whose statements are prepared and reused.

    Does what ``db.cursor()`` does (the per-request health check, connecting,
    thread check, debug wrapper) with a :class:`PreparedCursor` underneath.
    Use it as a context manager, like ``db.cursor()``.
    """
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        cursor = PreparedCursor(db.connection)
    return db.make_debug_cursor(cursor) if db.queries_logged else db.make_cursor(cursor)


def fetch_one_prepared(db, sql, params, *, repeatable: bool = False):
    """Run one statement on ``db`` through :func:`prepared_cursor` and return its first row.

    ``repeatable`` says that running the statement twice does no harm (a
    unique key makes the second run fail instead of writing twice). Such a
    statement goes out without the per-request health check (``SELECT 1``, a
    round trip of its own): outside a transaction, a connection that turns out
    dead is replaced and the statement runs once more. A connection lost after
    the server committed is covered by the same property: the second run finds
    the key taken. Inside a transaction, or when not ``repeatable``, the health
    check runs as for any other query.
    """
    if repeatable and db.connection is not None and not db.in_atomic_block and not db.health_check_done:
        db.health_check_done = True
        try:
            with prepared_cursor(db) as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone()
        except (OperationalError, InterfaceError):
            if db.is_usable():
                raise  # the statement failed, not the connection
            db.close()  # a server restart or a dropped connection: connect again and run it once more
    with prepared_cursor(db) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()
