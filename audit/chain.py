"""The hash chain: what each record's hash covers, and the walk that checks every link.

Why an HMAC and not a bare SHA-256: with a bare hash, anyone who can write to the
database can edit a row and recompute every later hash, and the chain looks
intact. The HMAC key (``settings.AUDIT_HMAC_KEY``) lives in the application's
environment, never in the database, so a database administrator or an attacker
with the database's credentials cannot forge a link. The key must stay the same
for as long as records are kept: changing it makes every older row fail.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from core.sms import mask_phone

from .models import GENESIS, AuditAction, AuditChain, AuditOutcome, AuditRecord

# What the hash covers, in this order. Changing it makes every existing row fail verification.
HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_username",
    "ip",
    "action",
    "object_type",
    "object_id",
    "detail",
    "outcome",
    "prev_hash",
)

# Mainland mobile numbers and resident ID numbers, wherever they turn up in a record's text.
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![\dXx])\d{17}[\dXx](?![\dXx])")


def scrub(text: str) -> str:
    """A record never holds a phone or ID number in clear, whatever a caller passed: 138****1234."""
    text = _ID_NUMBER.sub(lambda m: m.group(0)[:4] + "*" * 10 + m.group(0)[-4:], text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


def _plain(value, depth: int = 0):
    """Detail values as JSON that survives a round trip unchanged: strings (scrubbed, cut), ints, bools, lists."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, dict) and depth < 3:
        return {str(k)[:40]: _plain(v, depth + 1) for k, v in list(value.items())[:30]}
    if isinstance(value, list | tuple | set | frozenset) and depth < 3:
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_plain(v, depth + 1) for v in list(items)[:50]]
    return scrub(str(value))[:300]


def canonical_detail(detail: dict | None) -> str:
    return json.dumps(_plain(detail or {}), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@functools.lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    # Derived, so the configured text can be any length and the key is used for nothing else.
    return hashlib.sha256(f"liaison.audit.chain:{secret}".encode()).digest()


def hmac_key() -> bytes:
    return _key(settings.AUDIT_HMAC_KEY or f"secret-key:{settings.SECRET_KEY}")


def compute_hash(values: dict, key: bytes | None = None) -> str:
    """HMAC-SHA256 over the record's fields (``values`` maps HASHED_FIELDS to stored values)."""
    parts = [values[name] for name in HASHED_FIELDS]
    parts[1] = timestamp(parts[1])
    message = json.dumps(parts, ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(key or hmac_key(), message, hashlib.sha256).hexdigest()


# Verification -------------------------------------------------------------------------------


@dataclass
class Verification:
    ok: bool = True
    checked: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    anchored_at: int | None = None  # the purge record the first row chains to, if any
    broken_seq: int | None = None
    problem: str = ""
    notes: list[str] = field(default_factory=list)

    def fail(self, seq: int | None, problem: str) -> Verification:
        self.ok, self.broken_seq, self.problem = False, seq, problem
        return self

    def summary(self) -> str:
        if not self.ok:
            return self.problem
        if not self.checked:
            return _("The audit trail is empty.")
        text = _("%(n)s records, #%(first)s to #%(last)s: the chain is intact.") % {
            "n": self.checked,
            "first": self.first_seq,
            "last": self.last_seq,
        }
        if self.anchored_at:
            text += " " + _("Older records were purged; the first one chains to purge record #%(seq)s.") % {
                "seq": self.anchored_at
            }
        return text


def _row_values(row: tuple) -> dict:
    return dict(zip((*HASHED_FIELDS, "hash"), row, strict=True))


def _rows(upto: int, chunk: int = 2000):
    """Every row up to ``upto`` in chain order, as plain tuples, read a chunk at a time."""
    queryset = AuditRecord.objects.filter(seq__lte=upto).order_by("seq").values_list(*HASHED_FIELDS, "hash")
    return queryset.iterator(chunk_size=chunk)


def _anchor_check(first: dict, key: bytes, result: Verification) -> bool:
    """The first surviving row must be the genesis row, or the one the latest purge says it left first."""
    if first["seq"] == 1:
        if first["prev_hash"] != GENESIS:
            result.fail(1, _("Record #1 does not start the chain: it was replaced or inserted."))
            return False
        return True
    anchor = (
        AuditRecord.objects.filter(action=AuditAction.AUDIT_PURGE, outcome=AuditOutcome.SUCCESS)
        .order_by("-seq")
        .values_list(*HASHED_FIELDS, "hash")
        .first()
    )
    if anchor is None:
        result.fail(
            first["seq"],
            _("Records before #%(seq)s are missing, and no purge record accounts for them: they were deleted.")
            % {"seq": first["seq"]},
        )
        return False
    anchor = _row_values(anchor)
    if compute_hash(anchor, key) != anchor["hash"]:
        result.fail(
            anchor["seq"],
            _("Record #%(seq)s does not match its hash: it was edited, or inserted without the key.")
            % {"seq": anchor["seq"]},
        )
        return False
    detail = json.loads(anchor["detail"])
    if detail.get("first_seq") != first["seq"] or detail.get("first_prev_hash") != first["prev_hash"]:
        result.fail(
            first["seq"],
            _(
                "Records before #%(seq)s are missing: the last purge (record #%(purge)s) left #%(kept)s as the "
                "first record. They were deleted outside the purge."
            )
            % {"seq": first["seq"], "purge": anchor["seq"], "kept": detail.get("first_seq")},
        )
        return False
    result.anchored_at = anchor["seq"]
    return True


def _walk(head: AuditChain, key: bytes) -> Verification:
    result = Verification()
    expected_seq, expected_prev = None, None
    for row in _rows(head.last_seq):
        values = _row_values(row)
        seq = values["seq"]
        if expected_seq is None:
            if not _anchor_check(values, key, result):
                return result
            result.first_seq = seq
        elif seq != expected_seq:
            return result.fail(
                seq,
                _("Records #%(first)s to #%(last)s are missing before #%(seq)s: they were deleted.")
                % {"first": expected_seq, "last": seq - 1, "seq": seq},
            )
        elif values["prev_hash"] != expected_prev:
            return result.fail(
                seq,
                _("Record #%(seq)s does not chain to #%(prev)s: one of them was replaced or inserted.")
                % {"seq": seq, "prev": seq - 1},
            )
        if compute_hash(values, key) != values["hash"]:
            return result.fail(
                seq,
                _("Record #%(seq)s does not match its hash: it was edited, or inserted without the key.")
                % {"seq": seq},
            )
        result.checked += 1
        result.last_seq = seq
        expected_seq, expected_prev = seq + 1, values["hash"]
    if head.last_seq and (result.last_seq != head.last_seq or expected_prev != head.last_hash):
        last = result.last_seq or 0
        return result.fail(
            last + 1,
            _(
                "The chain head says the last record is #%(head)s, but the records end at #%(last)s: "
                "the end was cut off."
            )
            % {"head": head.last_seq, "last": last},
        )
    beyond = AuditRecord.objects.filter(seq__gt=AuditChain.objects.get(pk=head.pk).last_seq).order_by("seq")
    stray = beyond.values_list("seq", flat=True).first()
    if stray is not None:
        return result.fail(stray, _("Record #%(seq)s lies beyond the chain head: it was inserted.") % {"seq": stray})
    return result


def verify(key: bytes | None = None) -> Verification:
    """Walk the whole chain and report the first broken link, or how much was found intact.

    On PostgreSQL, when not already inside a transaction, the walk reads one REPEATABLE READ snapshot, so
    records written meanwhile neither appear half-way nor count as stray.
    """
    key = key or hmac_key()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return _verify_from_head(key)
    return _verify_from_head(key)


def _verify_from_head(key: bytes) -> Verification:
    head = AuditChain.objects.filter(pk=1).first()
    if head is None:
        if AuditRecord.objects.exists():
            return Verification().fail(None, _("The chain head is missing while records exist: it was deleted."))
        return Verification()
    return _walk(head, key)
