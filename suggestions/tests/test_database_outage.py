"""The database lost in the middle of a request: a Chinese 503 page with Retry-After, and nothing half-written.

On every database the failure is made at the driver (an execute wrapper raises
the driver's own error inside Django's error wrapping, exactly where a lost
connection would surface). On PostgreSQL the backend is also really
terminated with ``pg_terminate_backend`` from a second connection.
"""

import contextlib
import sqlite3
import uuid

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, InterfaceError, OperationalError, ProgrammingError, connection
from django.test import Client
from django.urls import reverse

from core import resilience
from devtools.testing import factories as f
from suggestions.models import Attachment, Event, Suggestion
from suggestions.tests.test_public import CONTENT, PDF_BYTES, jpeg

PG = connection.vendor == "postgresql"


@pytest.fixture
def citizen():
    """A browser whose request errors come back as the page a citizen would see (not raised into the test)."""
    return Client(raise_request_exception=False)


def _suggest_url(world):
    return reverse("public:station_suggest", args=[world.station.code])


def _form(**extra):
    return {"content": CONTENT, "idempotency_key": str(uuid.uuid4()), **extra}


def _driver_error(message: str, *, sqlite_code: int = 10):
    """The error the database driver raises when the connection goes: sqlite3's I/O error, psycopg's lost link."""
    if connection.vendor == "sqlite":
        error = sqlite3.OperationalError(message)
        error.sqlite_errorcode = sqlite_code
        return error
    return connection.Database.OperationalError(message)  # psycopg: no SQLSTATE, no server answered


@contextlib.contextmanager
def database_fails_at(fragment: str, error=None):
    """From the first query containing ``fragment`` on, the database is gone for the rest of the request."""
    state = {"failed": False}

    def wrapper(execute, sql, params, many, context):
        if state["failed"] or fragment in sql:
            state["failed"] = True
            with context["connection"].wrap_database_errors:
                raise error or _driver_error("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield state


def _stored_files(prefix="suggestions") -> list[str]:
    storage = storages["private"]
    found = []

    def walk(path):
        try:
            folders, files = storage.listdir(path)
        except FileNotFoundError:
            return
        found.extend(f"{path}/{name}" for name in files)
        for folder in folders:
            walk(f"{path}/{folder}")

    walk(prefix)
    return found


def _assert_unavailable_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "服务暂时不可用" in body and "没有完成" in body and "请约 30 秒后" in body
    assert "Server error" not in body  # not the 500 page


# The page ----------------------------------------------------------------------------------------


def test_tracking_page_answers_503_when_the_database_goes_mid_request(citizen, world):
    s = f.SuggestionFactory(station=world.station)
    with database_fails_at('"suggestions_event"') as state:  # the timeline, after the suggestion was read
        response = citizen.get(reverse("public:track", args=[s.tracking_code]))
    assert state["failed"]
    _assert_unavailable_page(response)


def test_a_staff_page_answers_503_too(citizen, world):
    citizen.force_login(world.staff, backend="django.contrib.auth.backends.ModelBackend")
    with database_fails_at("SELECT"):
        response = citizen.get(reverse("suggestions:list"))
    _assert_unavailable_page(response)


def test_a_wrong_query_stays_a_500(citizen, world):
    """sqlite3 says "no such table" with an OperationalError too: that is a bug, not an outage."""
    s = f.SuggestionFactory(station=world.station)
    if connection.vendor == "sqlite":
        error = _driver_error("no such table: suggestions_event", sqlite_code=1)
    else:
        error = connection.Database.errors.UndefinedTable('relation "suggestions_event" does not exist')
    with database_fails_at('"suggestions_event"', error):
        response = citizen.get(reverse("public:track", args=[s.tracking_code]))
    assert response.status_code == 500 and not response.has_header("Retry-After")


# Nothing half-written ------------------------------------------------------------------------------


# A transaction of its own, as in production: the test's own would be broken by the lost connection too.
@pytest.mark.django_db(transaction=True)
def test_a_submission_cut_off_before_its_timeline_leaves_no_row_and_no_file(citizen, world):
    """With attachments the suggestion, its files and its first event are one transaction: all or nothing."""
    before = _stored_files()
    photo = jpeg("路灯.jpg")
    pdf = SimpleUploadedFile("说明.pdf", PDF_BYTES, content_type="application/pdf")
    with database_fails_at('INSERT INTO "suggestions_event"') as state:
        response = citizen.post(_suggest_url(world), _form(attachments=[photo, pdf]))
    assert state["failed"]
    _assert_unavailable_page(response)
    assert not Suggestion.objects.exists()
    assert not Attachment.objects.exists() and not Event.objects.exists()
    assert _stored_files() == before  # the photo and the PDF stored before the failure were removed


@pytest.mark.django_db(transaction=True)
def test_the_citizen_resubmits_after_the_outage_and_it_is_saved_once(citizen, world):
    data = _form()
    with database_fails_at('INSERT INTO "suggestions_suggestion"'):
        _assert_unavailable_page(citizen.post(_suggest_url(world), data))
    assert not Suggestion.objects.exists()
    assert citizen.post(_suggest_url(world), data).status_code == 302
    assert citizen.post(_suggest_url(world), data).status_code == 302  # a double tap after it
    assert Suggestion.objects.count() == 1 and Event.objects.count() == 1


# What counts as "unreachable" ----------------------------------------------------------------------


class _PgError(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _wrapped(django_class, cause):
    error = django_class(str(cause))
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "unreachable"),
    [
        (_wrapped(OperationalError, _PgError(None)), True),  # connection refused or lost: no server answer
        (_wrapped(OperationalError, _PgError("57P01")), True),  # pg_terminate_backend, admin shutdown
        (_wrapped(OperationalError, _PgError("08006")), True),  # connection failure
        (_wrapped(OperationalError, _PgError("53300")), True),  # too many connections
        (_wrapped(OperationalError, _PgError("57014")), False),  # statement timeout: a slow query
        (_wrapped(OperationalError, _PgError("40P01")), False),  # deadlock
        (_wrapped(ProgrammingError, _PgError("42P01")), False),  # undefined table
        (InterfaceError("connection already closed"), True),
        (DatabaseError("something else"), False),
        (ValueError("not a database error"), False),
    ],
)
def test_which_postgresql_errors_mean_the_database_is_unreachable(error, unreachable):
    assert resilience.database_unreachable(error) is unreachable


@pytest.mark.parametrize(
    ("code", "unreachable"),
    [(5, True), (517, True), (10, True), (14, True), (13, True), (1, False), (19, False)],  # 517: BUSY_SNAPSHOT
)
def test_which_sqlite_errors_mean_the_database_is_unreachable(code, unreachable):
    cause = sqlite3.OperationalError("x")
    cause.sqlite_errorcode = code
    assert resilience.database_unreachable(_wrapped(OperationalError, cause)) is unreachable


# PostgreSQL, for real ------------------------------------------------------------------------------


@contextlib.contextmanager
def backend_terminated_at(fragment: str):
    """Before the first query containing ``fragment``, another connection terminates ours (57P01)."""
    import psycopg

    settings = connection.settings_dict
    state = {"terminated": False}

    def wrapper(execute, sql, params, many, context):
        if not state["terminated"] and fragment in sql:
            state["terminated"] = True
            pid = context["connection"].connection.info.backend_pid
            with psycopg.connect(
                dbname=settings["NAME"],
                user=settings["USER"] or None,
                password=settings["PASSWORD"] or None,
                host=settings["HOST"] or None,
                port=settings["PORT"] or None,
                autocommit=True,
            ) as other:
                other.execute("SELECT pg_terminate_backend(%s)", [pid])
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(wrapper):
            yield state
    finally:
        connection.close()  # ours is dead: the next query connects afresh


pg_only = pytest.mark.skipif(not PG, reason="pg_terminate_backend needs PostgreSQL")


@pg_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_backend_terminated_mid_submission_leaves_nothing(citizen, world):
    before = _stored_files()
    with backend_terminated_at('INSERT INTO "suggestions_event"') as state:
        response = citizen.post(_suggest_url(world), _form(attachments=[jpeg("路灯.jpg")]))
    assert state["terminated"]
    _assert_unavailable_page(response)
    assert not Suggestion.objects.exists() and not Attachment.objects.exists()
    assert _stored_files() == before


@pg_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_backend_terminated_mid_page_answers_503(citizen, world):
    s = f.SuggestionFactory(station=world.station)
    with backend_terminated_at('"suggestions_event"') as state:
        response = citizen.get(reverse("public:track", args=[s.tracking_code]))
    assert state["terminated"]
    _assert_unavailable_page(response)
