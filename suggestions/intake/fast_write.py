"""The citizen's submission written in one statement: the fast write path, gathered here.

A citizen's text-only submission on PostgreSQL is the portal's busiest write
(see docs/benchmarks.md). Instead of two ORM saves it is one statement that
inserts the suggestion and its first timeline event together, built from the
field values through a per-column plan made once per process (``_Columns``),
sent through a cursor that keeps the statement prepared on the connection
(``prepared_cursor``), and without the per-request health check when the
idempotency key makes a second run harmless (``fetch_one_prepared``).

The plan writes what ``save()`` would write; ``suggestions/tests/test_fast_write.py``
fails when ``Suggestion`` or ``Event`` gains a field, a default or a save signal
this module would skip. Suggestions with attachments, and other databases, take
the ORM path in :mod:`suggestions.intake.services`.

The prepared cursor
-------------------
A cursor for the few hot statements worth keeping prepared on PostgreSQL.

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

import functools
from contextlib import nullcontext

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.backends.postgresql.base import ServerBindingCursor
from django.utils import timezone

from suggestions.models import Event, Suggestion


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


def available() -> bool:
    """The one-statement write needs PostgreSQL (a data-modifying WITH); elsewhere the ORM writes the rows."""
    return connection.vendor == "postgresql"


# The rows, from the values ---------------------------------------------------------------------


def _plain_types(field) -> frozenset:
    """The value types that ``field.get_db_prep_save`` returns unchanged (so there is no need to call it)."""
    target = field.target_field if field.is_relation else field
    if not _is_stock(target):
        # A field of the portal's own may change any value on its way to the database: an encrypted
        # name is a str in and a different str out, and skipping it would store the name in clear.
        return frozenset()
    kind = target.get_internal_type()
    if kind in ("CharField", "TextField"):
        return frozenset({str, type(None)})
    if kind in ("BooleanField",):
        return frozenset({bool, type(None)})
    if kind in ("AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField"):
        return frozenset({int, type(None)})
    return frozenset({type(None)})


def _is_stock(field) -> bool:
    """Is this one of Django's own field classes, whose preparation ``_plain_types`` knows?"""
    return type(field).__module__.startswith("django.")


class _Columns:
    """How one model's row is written without building the instance first: what ``save()`` would write.

    Per column, in order: the value given (by field name or attname; a related
    object gives its key), else ``now`` for ``auto_now``/``auto_now_add``, else
    the field's default (a callable default, such as the tracking code, is
    called for each row). Values go through ``get_db_prep_save`` as in
    ``save()``, except those it would return unchanged (see ``_plain_types``).
    The primary key is left to the database.
    """

    def __init__(self, model, *, skip: str = ""):
        # from_db() below takes the key first, then the other columns in this order.
        assert model._meta.concrete_fields[0].primary_key
        self.model = model
        self.fields = [f for f in model._meta.local_concrete_fields if not f.primary_key and f.name != skip]
        self.names = [connection.ops.quote_name(f.column) for f in self.fields]
        self.related = [f for f in self.fields if f.is_relation]
        # Fields whose stored form differs from their value (encrypted ones): the instance gets the value.
        self.custom = [f for f in self.fields if not f.is_relation and not _is_stock(f)]
        # Per column: (field, name, attname, how, ready). ``how`` says where the value comes from when
        # ``values`` does not give it: the moment of writing ("now"), the field's default called for the
        # row ("call"), or ``ready``, a default that is not a callable, prepared once.
        self.plan = []
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                how, ready = "now", None
            elif f.has_default() and callable(f.default):
                how, ready = "call", None
            else:
                how, ready = "ready", f.get_db_prep_save(f.get_default(), connection)
            self.plan.append((f, f.name, f.attname, how, ready, _plain_types(f)))

    def row(self, values: dict, now, db) -> list:
        row = []
        for field, name, attname, how, ready, plain in self.plan:
            if name in values:
                value = values[name]
                if value is not None and field.is_relation:
                    value = value.pk
            elif attname in values:
                value = values[attname]
            elif how == "ready":
                row.append(ready)
                continue
            elif how == "now":
                row.append(now)  # timezone.now(): aware, as the field would make it
                continue
            else:
                value = field.get_default()
            # A str for a text column, an int for a key, a bool for a flag, or None: prepared, they stay
            # what they are, and the preparation is most of the cost of a row.
            row.append(value if type(value) in plain else field.get_db_prep_save(value, db))
        return row

    def instance(self, pk, row: list, values: dict, db):
        """The saved instance, as if read back; related objects given in ``values`` are kept (no query later)."""
        obj = self.model.from_db(db.alias, None, [pk, *row])
        for field in self.custom:
            if field.name in values:
                setattr(obj, field.attname, values[field.name])
            elif hasattr(field, "from_db_value"):
                setattr(obj, field.attname, field.from_db_value(getattr(obj, field.attname), None, db))
        for field in self.related:
            related = values.get(field.name)
            if related is not None:
                field.set_cached_value(obj, related)
        return obj


@functools.cache
def _plan() -> tuple[_Columns, _Columns, str]:
    """The statement of ``insert_with_event`` and the columns behind its parameters, built once per process."""
    quote = connection.ops.quote_name
    s_cols = _Columns(Suggestion)
    e_cols = _Columns(Event, skip="suggestion")  # its value comes from the CTE
    sql = (
        f"WITH s AS (INSERT INTO {quote(Suggestion._meta.db_table)} ({', '.join(s_cols.names)}) "
        f"VALUES ({', '.join(['%s'] * len(s_cols.names))}) RETURNING id) "
        f"INSERT INTO {quote(Event._meta.db_table)} "
        f"({quote(Event._meta.get_field('suggestion').column)}, {', '.join(e_cols.names)}) "
        f"VALUES ((SELECT id FROM s), {', '.join(['%s'] * len(e_cols.names))}) RETURNING suggestion_id"
    )
    return s_cols, e_cols, sql


def insert_with_event(values: dict, event_values: dict) -> Suggestion:
    """PostgreSQL: the suggestion and its first timeline event in one prepared statement, one round trip.

    A single statement is atomic by itself, so outside a transaction no BEGIN and
    COMMIT travel to the server (four round trips become one); inside one, a
    savepoint keeps a duplicate key from breaking the caller's transaction. The
    rows are built from the values directly (see ``_Columns``), without model
    instances first; no model signals are sent (none are connected to these two
    models: a test holds them to that). The statement is prepared on the
    connection (see ``fetch_one_prepared``). Other databases, and suggestions
    with attachments, take the ORM path.
    """
    db = transaction.get_connection()  # the connection itself: each attribute of the proxy costs a lookup
    s_cols, e_cols, sql = _plan()
    now = timezone.now()
    row = s_cols.row(values, now, db)
    params = row + e_cols.row(event_values, now, db)
    # With an idempotency key, running the statement twice cannot write twice (see fetch_one_prepared).
    repeatable = values["idempotency_key"] is not None
    with transaction.atomic() if db.in_atomic_block else nullcontext():
        (suggestion_id,) = fetch_one_prepared(db, sql, params, repeatable=repeatable)
    return s_cols.instance(suggestion_id, row, values, db)
