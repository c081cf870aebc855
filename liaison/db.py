"""A cursor for the few hot statements worth keeping prepared on PostgreSQL.

Django's PostgreSQL cursors bind parameters on the client: every run sends the
whole statement text, which the server parses and plans afresh. For a statement
run on every citizen's submission that is a measurable share of the work (see
docs/benchmarks.md). :func:`prepared_cursor` gives a Django cursor (query
logging, error wrapping and execute wrappers as usual) over psycopg's
server-side binding, with each statement prepared on the connection at its
first run and reused while the connection lives (``CONN_MAX_AGE``).

Prepared statements live on a server connection: behind a pooler in
transaction mode, use one that tracks them (PgBouncer 1.21 or later with
``max_prepared_statements``).
"""

from __future__ import annotations

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
