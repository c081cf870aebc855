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

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import resilience
from suggestions.models import Notification

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


# The task is named, not imported: the tasks module sits above this one (suggestions.loop.tasks imports it).
EMAIL_TASK = "suggestions.loop.tasks.email_notifications"
EMAIL_BATCH = 500  # notifications per queued task


def queue_email(ids: list[int]) -> bool:
    """Queue the e-mail of notifications ``ids``, in batches; False (logged) when the broker is away: the sweep
    retries."""
    if not resilience.available("broker"):
        return False
    try:
        task = current_app.tasks[EMAIL_TASK]
        for start in range(0, len(ids), EMAIL_BATCH):
            task.delay(ids[start : start + EMAIL_BATCH])
    except Exception as exc:
        resilience.failed("broker", f"e-mail of notifications {ids[:5]}", exc)
        return False
    return True


def email_notifications_send(notification_ids: list[int]) -> int:
    """E-mail each notification once: claimed by a conditional update, so a retry never sends twice."""
    sent = 0
    for notification in Notification.objects.filter(pk__in=notification_ids).select_related("user"):
        if not notification.user.email:
            continue
        if not Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        ):
            continue
        try:
            send_mail(
                subject=notification.text[:78],
                message=f"{notification.text}\n\n{settings.PUBLIC_BASE_URL}{notification.url}",
                from_email=None,
                recipient_list=[notification.user.email],
            )
            sent += 1
        except Exception:
            # The in-app notification stands; let the next attempt try the mail again.
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
            logger.exception("e-mail for notification %s failed", notification.pk)
    return sent


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


def notification_mark_read(*, notification: Notification, by) -> None:
    """The reader opened it. Only its own user may; a second mark changes nothing."""
    if notification.user_id != by.pk:
        raise PermissionDenied(_("This notification is someone else's."))
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_all_read(*, user) -> int:
    """Every unread notification of ``user``, read; returns how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
