"""Who is told what, in the notification centre and by e-mail.

Every ``notify_*`` function only schedules: the rows are written after the
workflow step commits, and e-mail goes through a Celery task. A failure is
logged and never undoes the step.

The notification row is the promise, the queued task only a reminder of it:
when the broker is away (or a mail server refused), the row keeps
``emailed_at`` empty and the deadline sweep queues it again
(:func:`queue_unsent_email`); the task claims each row before sending, so a
row queued twice is mailed once.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from liaison import resilience

from .models import Notification
from .tasks import email_notifications

logger = logging.getLogger(__name__)

# An unsent e-mail is queued again once it is this old (the first attempt has had its chance) ...
EMAIL_RETRY_AFTER = dt.timedelta(minutes=10)
# ... and no longer once it is this old: a notification read a day late in the portal needs no mail.
EMAIL_RETRY_WITHIN = dt.timedelta(days=1)
EMAIL_BATCH = 500


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
    created = Notification.objects.bulk_create([Notification(user_id=pk, text=text[:300], url=url) for pk in user_ids])
    ids = [n.pk for n in created]
    queue_email(ids)
    return ids


def queue_email(ids: list[int]) -> bool:
    """Queue the e-mail of notifications ``ids``; False (logged) when the broker is away: the sweep retries."""
    if not resilience.available("broker"):
        return False
    try:
        email_notifications.delay(ids)
    except Exception as exc:
        resilience.failed("broker", f"e-mail of notifications {ids[:5]}", exc)
        return False
    return True


def queue_unsent_email(*, now: dt.datetime | None = None) -> int:
    """Queue again the e-mail of unread notifications that were never sent; returns how many were queued.

    Those of the last day older than ten minutes, whose user has an address: a
    page could not queue them (broker away) or the mail server refused them.
    """
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            read_at__isnull=True,
            created_at__gte=now - EMAIL_RETRY_WITHIN,
            created_at__lte=now - EMAIL_RETRY_AFTER,
        )
        .exclude(user__email="")
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    queued = 0
    for start in range(0, len(ids), EMAIL_BATCH):
        batch = ids[start : start + EMAIL_BATCH]
        if not queue_email(batch):
            break
        queued += len(batch)
    return queued


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
