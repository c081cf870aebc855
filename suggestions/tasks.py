"""Celery tasks of the loop: thin wrappers over services that take ids and re-read state."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import OperationalError
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def email_notifications(notification_ids: list[int]) -> int:
    """E-mail each notification once: claimed by a conditional update, so a retry never sends twice."""
    from .models import Notification

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


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def sweep_deadlines() -> dict:
    """Beat task: reminders, escalations and unrated closures that are due now; e-mail a page could not queue."""
    from . import loop, notifications, supervision

    result = supervision.deadline_sweep()
    result["closed_unrated"] = loop.close_unrated()
    result["email_queued_again"] = notifications.queue_unsent_email()
    return result


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def purge_expired_contacts() -> dict:
    """Beat task (daily): names and phone numbers of items closed longer ago than the retention period."""
    from .personal_data import contacts_purge_expired

    return contacts_purge_expired()


@shared_task(ignore_result=True)
def purge_stale_imports() -> int:
    from .importer import purge_stale_stashes

    return purge_stale_stashes()
