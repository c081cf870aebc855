"""Celery tasks of intake."""

from celery import shared_task
from django.db import OperationalError

from suggestions.intake.personal_data import contacts_purge_expired


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def purge_expired_contacts() -> dict:
    """Beat task (daily): names and phone numbers of items closed longer ago than the retention period."""
    return contacts_purge_expired()
