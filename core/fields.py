"""Model fields for citizens' personal data: stored encrypted, found by keyed hash (see :mod:`core.crypto`).

:class:`EncryptedCharField` is a ``CharField`` to Python, forms and the admin
(``max_length`` counts the plaintext) and a ``text`` column of ciphertext to
the database. Every value written is sealed anew (a random nonce), so the
database can no longer compare values: a filter on such a field accepts only
``isnull`` and equality with the empty string ("no name given"). Everything
else (``icontains``, ``startswith``, equality with a name) raises ``FieldError``
instead of silently finding nothing; a look-up by phone number goes through the
:class:`KeyedHashField` stored beside it, exact match only.

:func:`reencrypt_rows` seals the rows of a model with the newest key (the
migrations that introduced encryption and ``manage.py
rotate_personal_data_key`` call it); :func:`decrypt_rows` undoes it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import FieldError
from django.db import models, transaction
from django.db.models import Case, Q, TextField, Value, When
from django.db.models.functions import Cast
from django.db.models.lookups import Exact, IsNull
from django.utils.functional import cached_property

from core import crypto


class EncryptedCharField(models.CharField):
    """A short text (a name, a phone number) encrypted at rest; empty stays empty, so "not given" is visible."""

    def get_internal_type(self):
        # The column holds the ciphertext, longer than max_length allows for the plaintext.
        return "TextField"

    @cached_property
    def _context(self) -> bytes:
        return f"{self.model._meta.label_lower}.{self.name}".encode()

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return crypto.decrypt(value, self._context)

    def get_db_prep_save(self, value, connection):
        # What the chain below does for a str, without its five calls: the citizen's form writes two of these.
        if type(value) is str:
            return crypto.encrypt(value, self._context) if value else value
        return super().get_db_prep_save(value, connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        # Values that are not a plain str on their way to a save (lazy text), and the right-hand side
        # of a filter, where only "" can arrive (see _EmptyOnlyExact).
        value = super().get_db_prep_value(value, connection, prepared)
        if not value or not isinstance(value, str):
            return value
        return crypto.encrypt(value, self._context)

    def get_lookup(self, lookup_name):
        if lookup_name not in ("exact", "isnull"):
            return None  # Django then raises FieldError: "Unsupported lookup ..."
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        return None


class _EmptyOnlyExact(Exact):
    """``field=""`` (nothing given) is a question the database can answer; ``field="王女士"`` is not."""

    def get_prep_lookup(self):
        # Another column (F("visit__visitor_name")) is refused too: two sealings of one name never compare equal.
        if self.rhs not in ("", None):
            raise FieldError(
                f"{self.lhs.target.name} is stored encrypted: compare it with '' only, or look up by its keyed hash."
            )
        return super().get_prep_lookup()


EncryptedCharField.register_lookup(_EmptyOnlyExact)
EncryptedCharField.register_lookup(IsNull)


class KeyedHashField(models.CharField):
    """The keyed hash (HMAC-SHA256) of another field's plaintext, kept equal to it on every ``save()``.

    ``normalize`` turns the plaintext into its canonical form first (a phone
    number typed with spaces hashes like one typed without). Writes that skip
    ``save()`` (``update()``, hand-built inserts) set it themselves.
    """

    def __init__(self, *args, source: str, normalize: Callable[[str], str] | None = None, **kwargs):
        self.source = source
        self.normalize = normalize
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.normalize is not None:
            kwargs["normalize"] = self.normalize
        for key, default in (("max_length", 64), ("blank", True), ("editable", False)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def get_db_prep_save(self, value, connection):
        # A hex digest goes in as it is (the one-statement insert prepares every field of the portal's own).
        return value if type(value) is str else super().get_db_prep_save(value, connection)

    def hash_of(self, plaintext: str) -> str:
        if self.normalize is not None:
            plaintext = self.normalize(plaintext or "")
        return crypto.digest(plaintext) if plaintext else ""

    def pre_save(self, model_instance, add):
        value = self.hash_of(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def encrypted_fields(model) -> list[EncryptedCharField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]


def hash_fields(model) -> list[KeyedHashField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, KeyedHashField)]


def _raw(field) -> str:
    return f"_raw_{field.name}"


def stale_rows(model, prefix: str | None = None):
    """Rows with a value not written by the newest key (an older key, or still in plaintext)."""
    prefix = prefix or crypto.current_prefix()
    fields = encrypted_fields(model)
    # Cast: the stored text itself, compared by the database (the field refuses such look-ups).
    stale = Q()
    for field in fields:
        stale |= ~Q(**{f"{_raw(field)}__startswith": prefix}) & ~Q(**{field.name: ""})
    return model._base_manager.alias(**{_raw(f): Cast(f.name, TextField()) for f in fields}).filter(stale)


def reencrypt_rows(
    model,
    *,
    batch_size: int = 500,
    everything: bool = False,
    after: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Seal every stale row of ``model`` with the newest key and recompute its hashes; returns the rows written.

    Works in batches by primary key, each in its own transaction with the
    batch's rows locked (a concurrent edit waits instead of being overwritten).
    Interrupted, it resumes where it stopped: rows already done are no longer
    stale. ``everything`` takes every row with a value (after a new hash key,
    whose hashes no prefix shows), from the key ``after`` on. ``progress`` is
    called after each batch with the rows done so far and the last key.
    """
    fields = encrypted_fields(model)
    hashes = hash_fields(model)
    if not fields:
        return 0
    rows = rows_with_values(model, fields) if everything else stale_rows(model)
    names = [f.name for f in fields] + [h.name for h in hashes]
    done, last = 0, after
    while True:
        with transaction.atomic():
            batch = list(rows.filter(pk__gt=last).order_by("pk").select_for_update().only("pk", *names)[:batch_size])
            if not batch:
                break
            for row in batch:
                for hashed in hashes:
                    setattr(row, hashed.attname, hashed.hash_of(getattr(row, hashed.source)))
            model._base_manager.bulk_update(batch, names)
        done += len(batch)
        last = batch[-1].pk
        if progress is not None:
            progress(done, last)
    return done


def rows_with_values(model, fields=None):
    """Rows with at least one encrypted field given."""
    fields = fields or encrypted_fields(model)
    given = Q()
    for field in fields:
        given |= ~Q(**{field.name: ""})
    return model._base_manager.filter(given)


def decrypt_rows(model, *, batch_size: int = 500) -> int:
    """Write every value of ``model``'s encrypted fields back in plaintext (the reverse of the migrations)."""
    fields = encrypted_fields(model)
    if not fields:
        return 0
    rows = rows_with_values(model, fields)
    done, last = 0, 0
    while True:
        with transaction.atomic():
            names = [f.name for f in fields]
            batch = list(rows.filter(pk__gt=last).order_by("pk").select_for_update().only("pk", *names)[:batch_size])
            if not batch:
                break
            # Value(..., TextField()): a plain column's preparation, so the text goes in as it is.
            update = {
                field.name: Case(
                    *[
                        When(pk=row.pk, then=Value(getattr(row, field.attname), output_field=TextField()))
                        for row in batch
                    ],
                    output_field=TextField(),
                )
                for field in fields
            }
            model._base_manager.filter(pk__in=[row.pk for row in batch]).update(**update)
        done += len(batch)
        last = batch[-1].pk
    return done
