"""Periodic work of the reception-day schedule: thin wrappers over :mod:`stations.reception`."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from . import reception
from .models import ReceptionRule

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def generate_reception_days() -> int:
    """Keep every active rule's days scheduled :data:`~stations.reception.HORIZON_DAYS` ahead.

    Rules are re-read here; one broken rule is logged and does not stop the others.
    """
    until = timezone.localdate() + dt.timedelta(days=reception.HORIZON_DAYS)
    created = 0
    for rule in ReceptionRule.objects.filter(is_active=True).select_related("station").order_by("pk"):
        try:
            created += reception.reception_days_generate(rule=rule, until=until)
        except Exception:
            logger.exception("Could not schedule the reception days of rule %s", rule.pk)
    return created


@shared_task(acks_late=True, ignore_result=True)
def flag_missed_reception_days() -> int:
    """Flag the reception days that ended with no visit logged."""
    return reception.reception_days_flag_missed(now=timezone.now())
