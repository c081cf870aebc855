"""Project-wide periodic tasks."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "liaison:worker-heartbeat"


@shared_task(ignore_result=True)
def heartbeat() -> str:
    """Record that beat and a worker are alive; /healthz reports the time."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, stamp, timeout=24 * 3600)
    return stamp
