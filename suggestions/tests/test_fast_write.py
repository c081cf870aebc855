"""The citizen's one-statement write must write what ``save()`` would: held here on every database.

The statement itself runs only on PostgreSQL (test_public.py runs it there); the
rows it is built from are made the same way everywhere, so this test compares
them with what Django's own insert prepares, field by field, on SQLite as well.
A field, a default or a save signal added to Suggestion or Event that the
hand-built rows would miss fails here.
"""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.db.models import Model, signals

from suggestions.intake import fast_write, services
from suggestions.models import Channel, Event, Suggestion

MOMENT = "2026-11-02 10:00:00+08:00"


@pytest.mark.parametrize("model", [Suggestion, Event])
def test_nothing_runs_on_save_that_the_one_statement_would_skip(model):
    assert model.save is Model.save, f"{model.__name__} has its own save(): the fast write would skip it"
    for signal in (signals.pre_save, signals.post_save, signals.pre_init, signals.post_init):
        assert not signal.has_listeners(model), f"a {signal} receiver on {model.__name__} would be skipped"


def _captured_values(world, **fields):
    """The values ``suggestion_create`` hands to the one-statement write, whatever the database."""
    captured = {}

    def record(values, event_values):
        captured.update(values=values, event_values=event_values)
        return services._insert_with_attachments(values, event_values, [])

    with (
        mock.patch.object(fast_write, "available", return_value=True),
        mock.patch.object(fast_write, "insert_with_event", side_effect=record),
    ):
        services.suggestion_create(station=world.station, channel=Channel.QR_STATION, notify=False, **fields)
    return captured["values"], captured["event_values"]


def _comparable(field, value):
    """A stored value as it reads back: encrypted columns differ per write (a fresh nonce), their text does not;
    the moment of writing goes to the driver as it is (PostgreSQL's adapts it), SQLite's wants it as text."""
    if hasattr(field, "from_db_value"):
        return field.from_db_value(value, None, connection)
    if isinstance(value, dt.datetime):
        return field.get_db_prep_save(value, connection)
    return value


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "路灯不亮", "content": "人民路的路灯坏了两周，请修复。"},
        {
            "title": "企业用电",
            "content": "园区企业反映用电报装周期长。",
            "is_enterprise": True,
            "enterprise_name": "开封某某机械有限公司",
            "submitter_name": "王秀英",
            "submitter_phone": "13912345678",
            "consent_version": "2026-12",
            "location": "龙亭区北郊乡",
            "idempotency_key": "2f0e5f2e-0c1b-4f6e-9d53-6a1f1c1d7e11",
        },
    ],
)
def test_the_rows_are_what_save_would_write(world, fields):
    with time_machine.travel(MOMENT, tick=False):
        values, event_values = _captured_values(world, **fields)
        suggestion_columns, event_columns, _sql = fast_write._plan()
        now = Suggestion._meta.get_field("created_at").pre_save(Suggestion(), add=True)
        checks = [
            (suggestion_columns, Suggestion(**values), values),
            (event_columns, Event(suggestion=Suggestion(pk=1), **event_values), event_values),
        ]
        for columns, instance, given in checks:
            built = columns.row(given, now, connection)
            for field, value in zip(columns.fields, built, strict=True):
                if field.has_default() and callable(field.default) and field.name not in given:
                    continue  # a fresh value per row (the tracking code), on both paths
                expected = field.get_db_prep_save(field.pre_save(instance, add=True), connection)
                assert _comparable(field, value) == _comparable(field, expected), field.name


def test_every_column_of_both_tables_is_in_the_statement():
    _suggestion_columns, event_columns, sql = fast_write._plan()
    for model in (Suggestion, Event):
        for field in model._meta.local_concrete_fields:
            if not field.primary_key:
                assert connection.ops.quote_name(field.column) in sql, f"{model.__name__}.{field.name}"
    assert len(event_columns.fields) == len(Event._meta.local_concrete_fields) - 2  # less the key and the item
