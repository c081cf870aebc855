"""Celery tasks of the loop: thin wrappers over its services that take ids and re-read state.

The top of the loop package: it imports the actions, the sweep and the
notifications, and nothing below imports it (the notifications name the e-mail
task instead).
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from suggestions.loop import actions, notifications, supervision


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def email_notifications(notification_ids: list[int]) -> int:
    """E-mail each notification once (see notifications.email_notifications_send)."""
    return notifications.email_notifications_send(notification_ids)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def sweep_deadlines() -> dict:
    """Beat task: reminders, escalations and unrated closures that are due now; e-mail a page could not queue."""
    result = supervision.deadline_sweep()
    result["closed_unrated"] = actions.close_unrated()
    result["email_queued_again"] = notifications.queue_unsent_email()
    return result
