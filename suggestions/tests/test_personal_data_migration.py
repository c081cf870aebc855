"""The migrations that introduced encryption seal the rows already there, and unapplied, open them again."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core import crypto

# The migrations before and with encryption (renumbered with them if they move).
SUGGESTIONS_BEFORE = ("suggestions", "0008_unique_without_pattern_indexes")
SUGGESTIONS_WITH = ("suggestions", "0010_suggestion_pipl")
STATIONS_BEFORE = ("stations", "0002_reception_days_and_visits")
STATIONS_WITH = ("stations", "0003_visit_pipl")


def migrate(*targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(list(targets))
    return executor.loader.project_state(list(targets)).apps


def raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.fixture
def back_to_latest(transactional_db):
    yield
    migrate(*MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_existing_rows_are_sealed_forwards_and_opened_backwards(back_to_latest):
    old = migrate(SUGGESTIONS_BEFORE, STATIONS_BEFORE)
    region = old.get_model("stations", "Region").objects.create(name="开封市", level="city", path="1/")
    station = old.get_model("stations", "Station").objects.create(region=region, name="四季城联络点", code="ABCDEFGH")
    day = old.get_model("stations", "ReceptionDay").objects.create(
        station=station, date="2026-11-20", start_time="09:00", end_time="11:00"
    )
    visit = old.get_model("stations", "Visit").objects.create(
        reception_day=day, visitor_name="赵先生", visitor_phone="13712345678", summary="咨询"
    )
    suggestion = old.get_model("suggestions", "Suggestion").objects.create(
        station=station,
        region=region,
        channel="mailbox",
        title="路灯",
        content="路灯坏了",
        received_at="2026-11-20T09:00:00+08:00",
        submitter_name="王女士",
        submitter_phone="13912345678",
        tracking_code="TESTCODE2345",
    )

    new = migrate(SUGGESTIONS_WITH, STATIONS_WITH)
    assert raw("suggestions_suggestion", "submitter_phone", suggestion.pk).startswith("pd1:")
    assert raw("suggestions_suggestion", "submitter_name", suggestion.pk).startswith("pd1:")
    assert raw("suggestions_suggestion", "submitter_phone_hash", suggestion.pk) == crypto.phone_digest("13912345678")
    assert raw("stations_visit", "visitor_phone", visit.pk).startswith("pd1:")
    sealed = new.get_model("suggestions", "Suggestion").objects.get(pk=suggestion.pk)
    assert (sealed.submitter_name, sealed.submitter_phone) == ("王女士", "13912345678")

    migrate(SUGGESTIONS_BEFORE, STATIONS_BEFORE)
    assert raw("suggestions_suggestion", "submitter_phone", suggestion.pk) == "13912345678"
    assert raw("suggestions_suggestion", "submitter_name", suggestion.pk) == "王女士"
    assert raw("stations_visit", "visitor_name", visit.pk) == "赵先生"
