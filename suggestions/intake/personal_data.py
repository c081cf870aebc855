"""The citizen's contact details under the PIPL (个人信息保护法): withdrawn on request, erased after retention.

Either way the suggestion stays, with everything the statistics count; the
name, the number and the number's keyed hash go, from the suggestion and from
the reception-day visit it came from (the same person's details, typed once at
the desk), and the public timeline says so.
"""

from __future__ import annotations

import datetime as dt
import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from core.i18n import in_portal_language
from stations.models import Visit
from stations.services import visits_forget_contacts
from suggestions.models import Event, Stage, Suggestion

# Wrong phone proofs allowed per item, in all, before the withdrawal page refuses (the station can still help).
WITHDRAW_MAX_FAILURES = 5

# What erasing writes: the fields .update() would otherwise skip re-deriving.
ERASED = {"submitter_name": "", "submitter_phone": "", "submitter_phone_hash": ""}


def _with_contact() -> Q:
    return ~Q(submitter_name="", submitter_phone="")


class WithdrawalLocked(PermissionDenied):
    """Too many wrong proofs for this item: the page no longer accepts any."""


def has_contact(suggestion: Suggestion) -> bool:
    return bool(suggestion.submitter_name or suggestion.submitter_phone)


def withdraw_attempts_left(suggestion: Suggestion) -> int:
    return max(0, WITHDRAW_MAX_FAILURES - suggestion.withdraw_failures)


def proof_needed(suggestion: Suggestion) -> bool:
    """The last four digits prove it is the submitter when a number was given; else the code alone does."""
    return bool(suggestion.submitter_phone)


def check_withdraw_proof(suggestion: Suggestion, phone_last4: str) -> None:
    """Refuse a wrong proof, counting it; raise ``WithdrawalLocked`` once the item has had too many.

    The count is one conditional UPDATE, so concurrent guesses cannot get past
    the limit, and it is committed even though the caller sees an exception.
    """
    if withdraw_attempts_left(suggestion) <= 0:
        raise WithdrawalLocked(_("Too many wrong attempts. Please ask the station to remove your contact details."))
    if not proof_needed(suggestion):
        return
    if hmac.compare_digest((phone_last4 or "").strip().encode(), suggestion.submitter_phone[-4:].encode()):
        return
    counted = Suggestion.objects.filter(pk=suggestion.pk, withdraw_failures__lt=WITHDRAW_MAX_FAILURES).update(
        withdraw_failures=F("withdraw_failures") + 1
    )
    suggestion.refresh_from_db(fields=["withdraw_failures"])
    if not counted or withdraw_attempts_left(suggestion) <= 0:
        raise WithdrawalLocked(_("Too many wrong attempts. Please ask the station to remove your contact details."))
    raise PermissionDenied(_("These are not the last four digits of the mobile number given with this suggestion."))


@in_portal_language
def contact_withdraw(*, suggestion: Suggestion, phone_last4: str = "") -> Suggestion:
    """The submitter withdraws their name and number (撤回同意, PIPL arts. 15 and 47); the suggestion stays.

    Proof as for rating: the tracking code, plus the last four digits of the
    number when one was given. Also erased: the same details on the
    reception-day visit the suggestion came from and on that visit's other
    suggestions. Each item's public timeline says so. Raises
    ``PermissionDenied`` for a wrong proof (see :func:`check_withdraw_proof`)
    and ``ValidationError`` when there is nothing left to remove.
    """
    if not has_contact(suggestion):
        raise ValidationError(_("No name or mobile number is stored with this suggestion."))
    check_withdraw_proof(suggestion, phone_last4)
    public_text = _("Contact details removed at the person's request.")
    with transaction.atomic():
        ids = [suggestion.pk]
        if suggestion.visit_id:
            ids += list(
                Suggestion.objects.filter(visit_id=suggestion.visit_id)
                .exclude(pk=suggestion.pk)
                .values_list("pk", flat=True)
            )
            visits_forget_contacts([suggestion.visit_id])
        erased = _erase(ids, public_text=public_text, note=_("The citizen withdrew their name and mobile number."))
        audit.record(
            audit.AuditAction.PERSONAL_DATA_ERASE,
            actor=None,
            obj=suggestion,
            detail={"why": "withdrawn", "code": suggestion.tracking_code, "suggestions": len(erased)},
        )
    for name, value in ERASED.items():
        setattr(suggestion, name, value)
    return suggestion


def _erase(ids, *, public_text: str, note: str) -> list[int]:
    """Blank the contact details of these suggestions and write one timeline line on each that had any."""
    # Locked, so that a withdrawal and the retention sweep on the same item write one line, not two.
    erased = list(
        Suggestion.objects.filter(pk__in=ids)
        .filter(_with_contact())
        .select_for_update(skip_locked=False)
        .values_list("pk", flat=True)
    )
    if not erased:
        return []
    Suggestion.objects.filter(pk__in=erased).update(**ERASED)
    Event.objects.bulk_create(
        [Event(suggestion_id=pk, kind=Event.Kind.CONTACT_REMOVED, note=note, public_text=public_text) for pk in erased]
    )
    return erased


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """The same calendar moment ``years`` earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def expired_q(cutoff: dt.datetime) -> Q:
    """Items closed before ``cutoff``; a merged duplicate counts from the closing of the item it joined."""
    return Q(stage=Stage.CLOSED) & (
        Q(duplicate_of__isnull=True, closed_at__lt=cutoff)
        | Q(duplicate_of__isnull=False, duplicate_of__stage=Stage.CLOSED, duplicate_of__closed_at__lt=cutoff)
    )


@in_portal_language
def contacts_purge_expired(*, now: dt.datetime | None = None, batch_size: int = 500) -> dict:
    """Erase the contact details of items closed more than ``PERSONAL_DATA_RETENTION_YEARS`` ago (beat, daily).

    Set-based, in batches of ``batch_size`` items, each batch its own
    transaction (rows claimed with ``SKIP LOCKED``, so two sweeps never write
    two timeline lines). Visits are erased once every suggestion they became
    has expired, and answered-on-the-spot visits once they are as old.
    Returns how many suggestions and visits were erased.
    """
    now = now or timezone.now()
    cutoff = years_before(now, settings.PERSONAL_DATA_RETENTION_YEARS)
    public_text = _("Contact details removed: the retention period has ended.")
    note = _("Name and mobile number erased after %(years)s years.") % {"years": settings.PERSONAL_DATA_RETENTION_YEARS}
    due = Suggestion.objects.filter(expired_q(cutoff)).filter(_with_contact()).order_by("pk")
    suggestions = 0
    while True:
        with transaction.atomic():
            ids = list(due.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            suggestions += len(_erase(ids, public_text=public_text, note=note))
    visits = _purge_expired_visits(cutoff, batch_size)
    if suggestions or visits:
        audit.record(
            audit.AuditAction.PERSONAL_DATA_ERASE,
            actor=None,
            detail={"why": "retention", "suggestions": suggestions, "visits": visits},
        )
    return {"suggestions": suggestions, "visits": visits}


def _purge_expired_visits(cutoff: dt.datetime, batch_size: int) -> int:
    # Which visits have expired is a question about their suggestions, so it is asked here.
    still_needed = Suggestion.objects.filter(visit=OuterRef("pk")).exclude(expired_q(cutoff))
    due = (
        Visit.objects.filter(created_at__lt=cutoff)
        .exclude(visitor_name="", visitor_phone="")
        .filter(~Exists(still_needed))
        .order_by("pk")
    )
    visits = 0
    while True:
        ids = list(due.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return visits
        visits += visits_forget_contacts(ids)
