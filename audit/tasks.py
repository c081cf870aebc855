from celery import shared_task
from django.contrib.auth import get_user_model

from . import services


@shared_task(ignore_result=True)
def purge_audit_records() -> int:
    return services.purge()


@shared_task(ignore_result=True)
def verify_audit_chain(requested_by: int | None = None) -> bool:
    """Daily from beat, or when the audit administrator presses the button (``requested_by`` is their id)."""
    actor = get_user_model().objects.filter(pk=requested_by).first() if requested_by else None
    return services.verify_and_record(actor=actor).ok
