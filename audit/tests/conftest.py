import pytest
from django.db import connection

from audit.models import AuditRecord
from devtools.testing import factories as f

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite has no triggers here")


@pytest.fixture
def auditor(db):
    """The audit administrator (审计管理员): the only reader of the trail."""
    return f.UserFactory(username="auditor", full_name="审计员", admin_duty="audit", is_staff=True)


@pytest.fixture
def trail():
    """``trail(action)``: the records of that action, oldest first (all of them without an action)."""

    def _trail(action=None, **filters):
        records = AuditRecord.objects.order_by("seq")
        if action:
            records = records.filter(action=action)
        return list(records.filter(**filters))

    return _trail
