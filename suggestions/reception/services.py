"""Writes of a reception day's visits (来访接待) and the suggestions they become.

The schedule itself (rules, days, rosters) is written in :mod:`stations.reception`;
this module sits above it because a visit may turn into suggestions.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from stations.models import ReceptionDay, Visit
from suggestions.intake.services import suggestion_create
from suggestions.models import Channel

MAX_SUGGESTIONS_PER_VISIT = 3


def _received_at(day: ReceptionDay, now: dt.datetime) -> dt.datetime:
    """When the suggestions arrived: now on the day itself; on the day's date at this hour when logged later."""
    local = timezone.localtime(now)
    if day.date == local.date():
        return now
    return timezone.make_aware(dt.datetime.combine(day.date, local.time().replace(microsecond=0)))


def _clean_rows(rows: list[dict], summary: str) -> list[dict]:
    cleaned = []
    for row in rows:
        title = (row.get("title") or "").strip()
        content = (row.get("content") or "").strip()
        category = row.get("category")
        if not (title or content or category):
            continue
        if not title:
            raise ValidationError({"suggestions": _("Give every suggestion a title.")})
        # What the visitor raised stands for the content when the row gives none: the fast path at the desk.
        cleaned.append({"title": title, "content": content or summary, "category": category})
    return cleaned


def visit_log(
    *,
    day: ReceptionDay,
    by,
    visitor_name: str = "",
    visitor_phone: str = "",
    received_by,
    summary: str,
    answered_on_spot: bool = False,
    spot_answer: str = "",
    suggestions: list[dict] | tuple = (),
    idempotency_key: str = "",
) -> Visit:
    """Record one visitor received on ``day`` and the suggestions (channel ``reception``) it became, all or nothing.

    Each suggestion is linked to the visit, so to the day and the station; its
    submitter is the visitor (who gets the tracking code by SMS when a phone is
    given). When one representative received the visitor the suggestions are
    addressed to them. ``idempotency_key`` makes a resubmitted form a no-op.

    Raises ``PermissionDenied`` when ``by`` may not log visits at the station,
    and ``ValidationError`` when the day is cancelled or still ahead, nothing was
    raised, nobody received the visitor (or someone not resident or on duty
    did), an on-the-spot answer is missing, no suggestion is given for a visit
    not answered on the spot, a suggestion has no title, there are more than
    :data:`MAX_SUGGESTIONS_PER_VISIT`, or the form was already saved.
    """
    station = day.station
    if by is None or not permissions.can_enter_suggestions(by, station):
        raise PermissionDenied(_("You may not log visits at this station."))
    now = timezone.now()
    if day.is_cancelled:
        raise ValidationError(_("This reception day was cancelled; no visit can be logged on it."))
    if day.date > timezone.localtime(now).date():
        raise ValidationError(_("Visits can be logged from the day of the reception on."))
    summary = summary.strip()
    spot_answer = spot_answer.strip() if answered_on_spot else ""
    errors = {}
    if not summary:
        errors["summary"] = _("Write down what the visitor raised.")
    received_by = list(received_by)
    allowed = set(day.on_duty.values_list("pk", flat=True)) | set(
        station.residencies.values_list("representative_id", flat=True)
    )
    if not received_by:
        errors["received_by"] = _("Choose at least one representative who received the visitor.")
    elif {rep.pk for rep in received_by} - allowed:
        errors["received_by"] = _("Only representatives on duty or resident at this station can receive visitors here.")
    if answered_on_spot and not spot_answer:
        errors["spot_answer"] = _("Write down the answer given on the spot.")
    if errors:
        raise ValidationError(errors)
    rows = _clean_rows(list(suggestions), summary)
    if len(rows) > MAX_SUGGESTIONS_PER_VISIT:
        raise ValidationError(
            {"suggestions": _("At most %(max)s suggestions per visit.") % {"max": MAX_SUGGESTIONS_PER_VISIT}}
        )
    if not answered_on_spot and not rows:
        raise ValidationError(
            {"suggestions": _("A visit not answered on the spot becomes at least one suggestion: give its title.")}
        )
    received_at = _received_at(day, now)
    addressed_to = received_by[0] if len(received_by) == 1 else None
    with transaction.atomic():
        visit = Visit.objects.create(
            reception_day=day,
            visitor_name=visitor_name.strip(),
            visitor_phone=visitor_phone.strip(),
            summary=summary,
            answered_on_spot=answered_on_spot,
            spot_answer=spot_answer,
            created_by=by,
        )
        visit.received_by.set(received_by)
        for number, row in enumerate(rows, start=1):
            _suggestion, created = suggestion_create(
                station=station,
                channel=Channel.RECEPTION,
                title=row["title"],
                content=row["content"],
                category=row["category"],
                representative=addressed_to,
                by=by,
                received_at=received_at,
                submitter_name=visit.visitor_name,
                submitter_phone=visit.visitor_phone,
                visit=visit,
                idempotency_key=f"{idempotency_key}:{number}" if idempotency_key else None,
            )
            if not created:
                # The same form came twice: undo this second visit, keep the first.
                raise ValidationError(_("This visit has already been saved."))
    return visit
