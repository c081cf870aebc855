"""The hash chain: audit_verify names every kind of tampering, the database refuses edits, the purge keeps it whole."""

import datetime as dt
import io
import threading
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pgtrigger
import pytest
import time_machine
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from django.utils import translation

from audit import chain, services
from audit.models import GENESIS, AuditAction, AuditChain, AuditOutcome, AuditRecord

from .conftest import on_postgres

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


@contextmanager
def tampering():
    """What an intruder with the database's password does: on PostgreSQL, first lift the triggers."""
    if connection.vendor == "postgresql":
        with pgtrigger.ignore("audit.AuditRecord:audit_no_update", "audit.AuditRecord:audit_no_delete"):
            with connection.cursor() as cursor:
                yield cursor
    else:
        with connection.cursor() as cursor:
            yield cursor


def write(n, **kwargs):
    return [
        services.record(AuditAction.LOGIN, actor=None, username=f"user{i}", detail={"i": i}, **kwargs) for i in range(n)
    ]


def verify_command():
    """``manage.py audit_verify``: (exit code, what it printed)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def test_records_form_one_chain_from_genesis():
    first, second, third = write(3)
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    head = AuditChain.objects.get()
    assert (head.last_seq, head.last_hash) == (3, third.hash)
    code, output = verify_command()
    assert code == 0
    assert "3" in output and "#1" in output and "#3" in output


def test_each_hash_is_an_hmac_under_the_configured_key(settings):
    entry = write(1)[0]
    values = AuditRecord.objects.filter(pk=entry.pk).values(*chain.HASHED_FIELDS).get()
    assert chain.compute_hash(values) == entry.hash
    settings.AUDIT_HMAC_KEY = "another key"
    assert chain.compute_hash(values) != entry.hash
    result = chain.verify()
    assert not result.ok and result.broken_seq == 1


def test_phone_and_id_numbers_never_reach_a_record_in_clear():
    entry = services.record(
        AuditAction.EXPORT,
        actor=None,
        object_id="13812345678",
        detail={"filters": "q=13812345678", "note": ["身份证 410102199001011234"]},
    )
    stored = AuditRecord.objects.get(pk=entry.pk)
    assert "13812345678" not in stored.detail and "138****5678" in stored.detail
    assert "410102199001011234" not in stored.detail and "4101**********1234" in stored.detail
    assert stored.object_id == "138****5678"
    assert chain.verify().ok


def test_audit_verify_names_an_edited_record():
    write(5)
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditrecord SET outcome = %s WHERE seq = 3", [AuditOutcome.FAILED])
    code, output = verify_command()
    assert code == 1
    assert "#3" in output and "#4" not in output


def test_audit_verify_names_a_deleted_record():
    write(5)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditrecord WHERE seq = 3")
    code, output = verify_command()
    assert code == 1
    assert "BROKEN at record #4" in output and "#3" in output


def test_an_edit_with_every_later_hash_recomputed_without_the_key_is_caught():
    write(5)
    forged_key = chain._key("guessed")
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditrecord SET actor_username = 'nobody' WHERE seq = 2")
        prev = AuditRecord.objects.values_list("hash", flat=True).get(seq=1)
        for seq in range(2, 6):
            values = AuditRecord.objects.filter(seq=seq).values(*chain.HASHED_FIELDS).get()
            values["prev_hash"] = prev
            prev = chain.compute_hash(values, forged_key)
            cursor.execute(
                "UPDATE audit_auditrecord SET prev_hash = %s, hash = %s WHERE seq = %s",
                [values["prev_hash"], prev, seq],
            )
        cursor.execute("UPDATE audit_auditchain SET last_hash = %s", [prev])
    result = chain.verify()
    assert not result.ok and result.broken_seq == 2


def test_a_record_inserted_at_the_end_is_caught():
    write(3)
    head = AuditChain.objects.get()
    values = {
        "seq": 4,
        "created_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        "actor_id": None,
        "actor_username": "intruder",
        "ip": "",
        "action": AuditAction.LOGIN,
        "object_type": "",
        "object_id": "",
        "detail": "{}",
        "outcome": AuditOutcome.SUCCESS,
        "prev_hash": head.last_hash,
    }
    AuditRecord.objects.create(hash=chain.compute_hash(values, chain._key("guessed")), **values)
    with translation.override("zh-hans"):
        result = chain.verify()
    assert not result.ok and result.broken_seq == 4 and "位于链头之后" in result.problem


def test_cutting_off_the_newest_records_is_caught():
    write(4)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditrecord WHERE seq >= 3")
    result = chain.verify()
    assert not result.ok and result.broken_seq == 3


def test_deleting_the_oldest_records_without_the_purge_is_caught():
    write(4)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditrecord WHERE seq <= 2")
    code, output = verify_command()
    assert code == 1 and "#3" in output


def test_the_verification_is_itself_recorded(trail):
    write(2)
    result = services.verify_and_record()
    assert result.ok
    (entry,) = trail(AuditAction.AUDIT_VERIFY)
    assert entry.outcome == AuditOutcome.SUCCESS and entry.detail_data["checked"] == 2
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditrecord SET ip = '10.0.0.9' WHERE seq = 1")
    assert not services.verify_and_record().ok
    assert trail(AuditAction.AUDIT_VERIFY)[-1].outcome == AuditOutcome.FAILED


# The database itself refuses ------------------------------------------------------------------------


@on_postgres
def test_postgres_refuses_update_and_delete_of_records():
    write(2)
    for statement in (
        "UPDATE audit_auditrecord SET actor_username = 'x' WHERE seq = 1",
        "DELETE FROM audit_auditrecord WHERE seq = 1",
        "DELETE FROM audit_auditchain",
        "UPDATE audit_auditchain SET last_seq = 1",
    ):
        with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(seq=2).update(ip="10.0.0.1")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(seq=2).delete()
    assert AuditRecord.objects.count() == 2
    assert chain.verify().ok


@on_postgres
def test_postgres_edit_is_caught_once_the_trigger_is_lifted():
    write(3)
    with pgtrigger.ignore("audit.AuditRecord:audit_no_update"):
        AuditRecord.objects.filter(seq=2).update(detail='{"i":99}')
    code, output = verify_command()
    assert code == 1 and "#2" in output


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    """Four connections writing at once: the head lock numbers every record once, in one line."""
    errors = []

    def writer(n):
        try:
            for i in range(15):
                services.record(AuditAction.LOGIN, actor=None, username=f"w{n}", detail={"i": i})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 61))
    result = chain.verify()
    assert result.ok and result.checked == 60


# Retention and the purge ----------------------------------------------------------------------------


def test_purge_removes_only_records_past_the_retention_and_the_chain_still_verifies(trail):
    with time_machine.travel(NOW - dt.timedelta(days=200), tick=False):
        old = write(3)
    with time_machine.travel(NOW - dt.timedelta(days=179), tick=False):
        kept = write(2)
    with time_machine.travel(NOW, tick=False):
        assert services.purge() == 3
    assert not AuditRecord.objects.filter(seq__in=[r.seq for r in old]).exists()
    (anchor,) = trail(AuditAction.AUDIT_PURGE)
    assert anchor.detail_data["first_seq"] == kept[0].seq
    assert anchor.detail_data["first_prev_hash"] == old[-1].hash
    result = chain.verify()
    assert result.ok and result.first_seq == kept[0].seq and result.anchored_at == anchor.seq
    assert verify_command()[0] == 0
    with time_machine.travel(NOW, tick=False):
        assert services.purge() == 0  # nothing more to do, and no record of doing nothing
    assert len(trail(AuditAction.AUDIT_PURGE)) == 1


def test_after_a_purge_deleting_the_new_first_record_is_still_caught():
    with time_machine.travel(NOW - dt.timedelta(days=200), tick=False):
        write(2)
    with time_machine.travel(NOW - dt.timedelta(days=10), tick=False):
        kept = write(2)
    with time_machine.travel(NOW, tick=False):
        services.purge()
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditrecord WHERE seq = %s", [kept[0].seq])
    code, output = verify_command()
    assert code == 1 and f"#{kept[1].seq}" in output


def test_a_later_purge_moves_the_anchor_and_may_remove_the_earlier_purge_record():
    with time_machine.travel(NOW - dt.timedelta(days=400), tick=False):
        write(2)
    with time_machine.travel(NOW - dt.timedelta(days=200), tick=False):
        services.purge()  # removes the 400-day-old records
        write(2)
    with time_machine.travel(NOW, tick=False):
        assert services.purge() == 3  # the 200-day-old records and the first purge's own record
        last = write(1)[0]
    result = chain.verify()
    assert result.ok and result.last_seq == last.seq
    assert AuditRecord.objects.filter(action=AuditAction.AUDIT_PURGE).count() == 1


def test_purging_everything_leaves_the_purge_record_as_the_start():
    with time_machine.travel(NOW - dt.timedelta(days=365), tick=False):
        write(3)
    with time_machine.travel(NOW, tick=False):
        assert services.purge() == 3
    (only,) = AuditRecord.objects.all()
    assert only.action == AuditAction.AUDIT_PURGE and only.detail_data["first_seq"] == only.seq == 4
    assert chain.verify().ok


def test_purge_and_system_check_refuse_a_retention_under_180_days(settings):
    write(1)
    settings.AUDIT_RETENTION_DAYS = 90
    with pytest.raises(ImproperlyConfigured):
        services.purge()
    assert "audit.E001" in [message.id for message in run_checks()]
    settings.AUDIT_RETENTION_DAYS = 180
    assert "audit.E001" not in [message.id for message in run_checks()]


def test_beat_purges_and_verifies_every_day(settings):
    from liaison.celery import app

    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in ("audit.tasks.purge_audit_records", "audit.tasks.verify_audit_chain"):
        assert schedule[task] == 24 * 3600.0
        assert task in app.tasks
