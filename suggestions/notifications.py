"""Who is told what, in the notification centre and by e-mail.

Every ``notify_*`` function only schedules: the rows are written after the
workflow step commits, and e-mail goes through a Celery task. A failure is
logged and never undoes the step.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import transaction

logger = logging.getLogger(__name__)


def _text(template, suggestion, **extra) -> str:
    return str(template) % {"title": suggestion.title[:60], **extra}


def _schedule(user_ids, text: str, url: str) -> None:
    user_ids = sorted({pk for pk in user_ids if pk})
    if not user_ids:
        return

    def deliver():
        try:
            deliver_now(user_ids, text, url)
        except Exception:
            logger.exception("notification delivery failed")

    transaction.on_commit(deliver)


def deliver_now(user_ids, text: str, url: str) -> list[int]:
    """Write the notifications and queue their e-mail; returns the new notification ids."""
    from .models import Notification
    from .tasks import email_notifications

    created = Notification.objects.bulk_create([Notification(user_id=pk, text=text[:300], url=url) for pk in user_ids])
    ids = [n.pk for n in created]
    try:
        email_notifications.delay(ids)
    except Exception:
        logger.exception("could not queue the e-mail for notifications %s", ids)
    return ids


def notify_representative(representative, suggestion, template, **extra) -> None:
    if representative is not None and representative.user_id:
        _schedule([representative.user_id], _text(template, suggestion, **extra), suggestion.get_absolute_url())


def notify_assessor(suggestion, template, **extra) -> None:
    rep = suggestion.assessor or suggestion.representative
    notify_representative(rep, suggestion, template, **extra)


def notify_station_staff(suggestion, template, **extra) -> None:
    ids = suggestion.station.staff.values_list("pk", flat=True)
    _schedule(list(ids), _text(template, suggestion, **extra), suggestion.get_absolute_url())


def notify_units(units, suggestion, template, **extra) -> None:
    ids = get_user_model().objects.filter(handling_units__in=[u.pk for u in units]).values_list("pk", flat=True)
    _schedule(list(ids), _text(template, suggestion, **extra), suggestion.get_absolute_url())


def notify_committee(suggestion, template, **extra) -> None:
    ids = (
        get_user_model()
        .objects.filter(committee_regions__pk__in=suggestion.region.ancestor_ids())
        .values_list("pk", flat=True)
    )
    _schedule(list(ids), _text(template, suggestion, **extra), suggestion.get_absolute_url())
