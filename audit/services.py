"""Writes to the audit trail. :func:`record` is the one way in; every app above calls it.

The request being served is kept in a context variable by
:class:`audit.middleware.AuditContextMiddleware`, so a record made deep in a
service or a signal receiver still knows the acting account and its address.
Outside a request (Celery, management commands) the actor is the system.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging

import pgtrigger
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from core.i18n import in_portal_language
from core.ratelimit import client_ip

from . import chain
from .models import GENESIS, AuditAction, AuditChain, AuditOutcome, AuditRecord

__all__ = ["AuditAction", "AuditOutcome", "record", "purge", "verify_and_record", "request_address"]

logger = logging.getLogger(__name__)

MIN_RETENTION_DAYS = 180  # 《网络安全法》第二十一条: network logs are kept for no less than six months

_current_request: contextvars.ContextVar = contextvars.ContextVar("audit_request", default=None)
_UNSET = object()


def current_request():
    return _current_request.get()


def bind_request(request) -> contextvars.Token:
    return _current_request.set(request)


def release_request(token: contextvars.Token) -> None:
    _current_request.reset(token)


def request_address(request) -> str:
    """The client's address for the record: the rate limits' rule (REMOTE_ADDR, never X-Forwarded-For)."""
    if request is None:
        return ""
    address = client_ip(request)
    return "" if address == "unknown" else address[:45]


def _object_ref(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def record(
    action: str,
    *,
    request=None,
    actor=_UNSET,
    username: str | None = None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    detail: dict | None = None,
    outcome: str = AuditOutcome.SUCCESS,
) -> AuditRecord:
    """Append one record to the chain and return it.

    ``actor`` defaults to the signed-in user of ``request`` (or of the request being served); pass ``None``
    for the system or an anonymous citizen. ``username`` names an actor without an account (a failed login).
    ``detail`` is a small dict; phone and ID numbers in it are masked whatever the caller passed.

    Inside a transaction the record commits or rolls back with it, and the chain head stays locked until then.
    Raises whatever the database raises: an action whose record cannot be written does not happen.
    """
    request = request if request is not None else current_request()
    if actor is _UNSET:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    if obj is not None:
        object_type, object_id = _object_ref(obj)
    values = {
        "actor_id": actor.pk if actor is not None else None,
        "actor_username": (actor.get_username() if actor is not None else (username or ""))[:150],
        "ip": request_address(request),
        "action": action,
        "object_type": object_type[:60],
        "object_id": chain.scrub(str(object_id))[:64],
        "detail": chain.canonical_detail(detail),
        "outcome": outcome,
    }
    with transaction.atomic():
        head = _lock_head()
        values.update(seq=head.last_seq + 1, created_at=timezone.now(), prev_hash=head.last_hash)
        values["hash"] = chain.compute_hash(values)
        entry = AuditRecord.objects.create(**values)
        head.last_seq, head.last_hash = entry.seq, entry.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return entry


def _lock_head() -> AuditChain:
    """The chain head, locked until the transaction ends: records are numbered and chained one at a time.

    On SQLite the IMMEDIATE transaction already holds the database's write lock; SELECT … FOR UPDATE is
    for PostgreSQL. The head is created on the first write (or after a test flushed the tables).
    """
    head = AuditChain.objects.select_for_update().filter(pk=1).first()
    if head is None:
        last = AuditRecord.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, digest = last if last else (0, GENESIS)
        # Two first writers at once: the primary key lets one create it and the other read it.
        AuditChain.objects.get_or_create(pk=1, defaults={"last_seq": seq, "last_hash": digest})
        head = AuditChain.objects.select_for_update().get(pk=1)
    return head


# Retention ------------------------------------------------------------------------------------------


def retention_days() -> int:
    days = int(getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS))
    if days < MIN_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"AUDIT_RETENTION_DAYS is {days}; audit records must be kept at least {MIN_RETENTION_DAYS} days."
        )
    return days


def purge(*, now: dt.datetime | None = None) -> int:
    """Delete the records older than the retention and anchor the chain's new start; returns how many went.

    The oldest records are a prefix of the chain (numbers are given in time order), so what remains is
    still one unbroken chain. The purge record says which record is now first and the hash it chains to;
    ``audit_verify`` starts from it. Raises ``ImproperlyConfigured`` when the retention is under 180 days.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    with transaction.atomic():
        head = _lock_head()
        first_kept = (
            AuditRecord.objects.filter(created_at__gte=cutoff).order_by("seq").values_list("seq", "prev_hash").first()
        )
        # Everything older than the cutoff goes; then the purge record itself is the first one left.
        first_seq, first_prev = first_kept if first_kept else (head.last_seq + 1, head.last_hash)
        doomed = AuditRecord.objects.filter(seq__lt=first_seq)
        oldest = doomed.order_by("seq").values_list("seq", flat=True).first()
        if oldest is None:
            return 0
        with pgtrigger.ignore("audit.AuditRecord:audit_no_delete"):
            deleted, _by_model = doomed.delete()
        record(
            AuditAction.AUDIT_PURGE,
            actor=None,
            detail={
                "deleted": deleted,
                "deleted_from": oldest,
                "deleted_to": first_seq - 1,
                "older_than": chain.timestamp(cutoff),
                "retention_days": retention_days(),
                "first_seq": first_seq,
                "first_prev_hash": first_prev,
            },
        )
    logger.info("audit trail: purged %s records older than %s", deleted, cutoff)
    return deleted


# Verification ------------------------------------------------------------------------------------------


@in_portal_language
def verify_and_record(*, actor=None) -> chain.Verification:
    """Walk the chain and append the result, so the audit log shows when it was last checked and by whom."""
    result = chain.verify()
    record(
        AuditAction.AUDIT_VERIFY,
        actor=actor,
        outcome=AuditOutcome.SUCCESS if result.ok else AuditOutcome.FAILED,
        detail={
            "checked": result.checked,
            "first_seq": result.first_seq,
            "last_seq": result.last_seq,
            "broken_seq": result.broken_seq,
            "summary": result.summary(),
        },
    )
    if not result.ok:
        logger.error("audit trail: verification failed: %s", result.problem)
    return result
