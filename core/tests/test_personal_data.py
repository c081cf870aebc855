"""Citizens' names and numbers at rest: sealed in the database, opened by the portal, rotated, and refused in clear."""

import base64
import hmac
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection

from core import crypto
from core.fields import reencrypt_rows, stale_rows
from devtools.testing import factories as f
from stations.models import ReceptionDay, Visit
from suggestions.models import Suggestion

PHONE = "13912345678"
NAME = "王秀英"
KEY_A = base64.urlsafe_b64encode(b"A" * 32).decode()
KEY_B = base64.urlsafe_b64encode(b"B" * 32).decode()
ROOT = Path(__file__).resolve().parent.parent.parent


def raw(model, pk, column) -> str:
    """What the database holds, read past the model field."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {model._meta.db_table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


def write_raw(model, pk, column, value):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {model._meta.db_table} SET {connection.ops.quote_name(column)} = %s WHERE id = %s",  # noqa: S608
            [value, pk],
        )


@pytest.fixture
def named(db):
    return f.SuggestionFactory(submitter_name=NAME, submitter_phone=PHONE)


@pytest.fixture
def visit(db):
    station = f.StationFactory()
    day = ReceptionDay.objects.create(station=station, date="2026-11-20", start_time="09:00", end_time="11:00")
    return Visit.objects.create(reception_day=day, visitor_name="赵先生", visitor_phone="13712345678", summary="咨询")


def test_name_and_number_are_ciphertext_in_the_database_and_plain_to_the_portal(named):
    for column, plain in (("submitter_name", NAME), ("submitter_phone", PHONE)):
        stored = raw(Suggestion, named.pk, column)
        assert stored.startswith(crypto.current_prefix())
        assert plain not in stored and plain[-4:] not in stored
    again = Suggestion.objects.get(pk=named.pk)
    assert (again.submitter_name, again.submitter_phone) == (NAME, PHONE)
    assert Suggestion.objects.filter(pk=named.pk).values_list("submitter_phone", flat=True).get() == PHONE


def test_the_visitors_name_and_number_are_ciphertext_too(visit):
    assert raw(Visit, visit.pk, "visitor_name").startswith("pd1:")
    assert "13712345678" not in raw(Visit, visit.pk, "visitor_phone")
    assert Visit.objects.get(pk=visit.pk).visitor_phone == "13712345678"


def test_the_same_number_is_sealed_differently_each_time_but_hashes_the_same(db):
    one = f.SuggestionFactory(submitter_phone=PHONE)
    two = f.SuggestionFactory(submitter_phone="139 1234 5678")
    assert raw(Suggestion, one.pk, "submitter_phone") != raw(Suggestion, two.pk, "submitter_phone")
    assert one.submitter_phone_hash == Suggestion.objects.get(pk=two.pk).submitter_phone_hash
    assert one.submitter_phone_hash == crypto.phone_digest("+86 139-1234-5678")
    assert PHONE not in one.submitter_phone_hash


def test_an_empty_name_stays_empty_so_anonymity_is_still_visible(db):
    anonymous = f.SuggestionFactory()
    assert raw(Suggestion, anonymous.pk, "submitter_name") == ""
    assert raw(Suggestion, anonymous.pk, "submitter_phone_hash") == ""
    assert Suggestion.objects.filter(submitter_phone="").get() == anonymous


def test_the_hash_is_hmac_sha256_under_the_hash_key():
    ring = crypto.keyring()
    for value in ("13912345678", "", "王" * 40):
        assert crypto.digest(value) == hmac.digest(ring.hash_key, value.encode(), "sha256").hex()


def test_the_hash_depends_on_the_hash_key(settings):
    before = crypto.phone_digest(PHONE)
    settings.PERSONAL_DATA_HASH_KEY = "another-hash-key-of-the-test-suite"
    assert crypto.phone_digest(PHONE) != before


def test_a_value_moved_to_another_column_does_not_open(named):
    write_raw(Suggestion, named.pk, "submitter_name", raw(Suggestion, named.pk, "submitter_phone"))
    with pytest.raises(crypto.PersonalDataError, match="does not open"):
        Suggestion.objects.get(pk=named.pk)


def test_an_altered_value_does_not_open(named):
    stored = raw(Suggestion, named.pk, "submitter_phone")
    flipped = stored[:-3] + ("A" if stored[-3] != "A" else "B") + stored[-2:]
    write_raw(Suggestion, named.pk, "submitter_phone", flipped)
    with pytest.raises(crypto.PersonalDataError):
        Suggestion.objects.get(pk=named.pk)


def test_a_value_under_a_key_no_longer_configured_names_the_key(named, settings):
    old_id = crypto.current_prefix().split(":")[1]
    settings.PERSONAL_DATA_KEYS = [KEY_A]
    with pytest.raises(crypto.PersonalDataError, match=old_id):
        Suggestion.objects.get(pk=named.pk)


def test_the_database_cannot_be_asked_about_a_name_or_part_of_a_number(named):
    # These would silently find nothing in ciphertext: they fail loudly instead.
    for lookup in (
        {"submitter_phone__contains": "5678"},
        {"submitter_name": NAME},
        {"submitter_name__icontains": "王"},
    ):
        with pytest.raises(FieldError):
            list(Suggestion.objects.filter(**lookup))
    assert list(Suggestion.objects.exclude(submitter_name="")) == [named]


def test_a_bad_key_is_refused_with_a_clear_message(settings):
    settings.PERSONAL_DATA_KEYS = ["too-short"]
    with pytest.raises(Exception, match="32 random bytes"):
        crypto.encrypt("x", b"ctx")


# Rotation ---------------------------------------------------------------------------------------------


def test_rotation_reencrypts_every_row_with_the_newest_key_and_is_safe_to_run_twice(named, visit, settings, capsys):
    original = settings.PERSONAL_DATA_KEYS[0]
    settings.PERSONAL_DATA_KEYS = [KEY_B, original]
    new_prefix = crypto.current_prefix()
    # Written before the rotation, still readable with the old key listed after the new one.
    assert Suggestion.objects.get(pk=named.pk).submitter_phone == PHONE
    assert not raw(Suggestion, named.pk, "submitter_phone").startswith(new_prefix)

    call_command("rotate_personal_data_key", batch_size=1)
    out = capsys.readouterr().out
    assert "suggestions.Suggestion: 1 rows to re-encrypt" in out and "stations.Visit: 1 rows" in out
    assert "1/1 (last id" in out
    for model, pk, column in ((Suggestion, named.pk, "submitter_name"), (Visit, visit.pk, "visitor_phone")):
        assert raw(model, pk, column).startswith(new_prefix)

    settings.PERSONAL_DATA_KEYS = [KEY_B]  # the old key can go now
    again = Suggestion.objects.get(pk=named.pk)
    assert (again.submitter_name, again.submitter_phone) == (NAME, PHONE)
    assert Visit.objects.get(pk=visit.pk).visitor_name == "赵先生"

    call_command("rotate_personal_data_key")
    assert "Done: 0 rows" in capsys.readouterr().out


def test_an_interrupted_rotation_resumes_where_it_stopped(db, settings):
    rows = [f.SuggestionFactory(submitter_phone=f"1390000000{n}") for n in range(5)]
    settings.PERSONAL_DATA_KEYS = [KEY_B, settings.PERSONAL_DATA_KEYS[0]]

    def stop_after_two(done, last):
        if done >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        reencrypt_rows(Suggestion, batch_size=1, progress=stop_after_two)
    assert stale_rows(Suggestion).count() == 3  # the two batches done are committed
    assert reencrypt_rows(Suggestion, batch_size=2) == 3
    assert stale_rows(Suggestion).count() == 0
    assert [s.submitter_phone for s in Suggestion.objects.order_by("pk")] == [r.submitter_phone for r in rows]


def test_rows_written_before_encryption_are_sealed_by_rotation(named):
    write_raw(Suggestion, named.pk, "submitter_phone", PHONE)  # as the data stood before the migration
    write_raw(Suggestion, named.pk, "submitter_phone_hash", "")
    assert Suggestion.objects.get(pk=named.pk).submitter_phone == PHONE  # plaintext reads as it is meanwhile
    call_command("rotate_personal_data_key", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert raw(Suggestion, named.pk, "submitter_phone").startswith("pd1:")
    assert raw(Suggestion, named.pk, "submitter_phone_hash") == crypto.phone_digest(PHONE)


def test_all_recomputes_the_hashes_after_a_new_hash_key(named, settings, capsys):
    settings.PERSONAL_DATA_HASH_KEY = "the-next-hash-key-of-the-test-suite"
    assert raw(Suggestion, named.pk, "submitter_phone_hash") != crypto.phone_digest(PHONE)
    call_command("rotate_personal_data_key", all=True, model="suggestions.Suggestion")
    assert raw(Suggestion, named.pk, "submitter_phone_hash") == crypto.phone_digest(PHONE)
    assert "suggestions.Suggestion: 1 rows" in capsys.readouterr().out


# Production refuses to start without real keys ------------------------------------------------------------


def _production(**environ) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "liaison.settings.production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "portal.example.gov.cn",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "AUDIT_HMAC_KEY": "a" * 48,
        **environ,
    }
    code = "import django; django.setup(); from django.conf import settings; print(settings.PERSONAL_DATA_KEYS[0][:4])"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PERSONAL_DATA_HASH_KEY": "h" * 40}, "PERSONAL_DATA_KEYS"),
        ({"PERSONAL_DATA_KEYS": KEY_A}, "PERSONAL_DATA_HASH_KEY"),
        (
            {"PERSONAL_DATA_KEYS": "ZGV2LW9ubHktaW5zZWN1cmUtcGVyc29uYWwtZGF0YSE=", "PERSONAL_DATA_HASH_KEY": "h" * 40},
            "public development key",
        ),
        ({"PERSONAL_DATA_KEYS": "short", "PERSONAL_DATA_HASH_KEY": "h" * 40}, "32 random bytes"),
        (
            {"PERSONAL_DATA_KEYS": KEY_A, "PERSONAL_DATA_HASH_KEY": "dev-only-insecure-personal-data-hash-key"},
            "not the default",
        ),
    ],
)
def test_production_refuses_to_start_without_real_keys(environ, message):
    result = _production(**environ)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_real_keys():
    result = _production(PERSONAL_DATA_KEYS=f"{KEY_A},{KEY_B}", PERSONAL_DATA_HASH_KEY="h" * 40)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == KEY_A[:4]
