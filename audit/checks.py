"""System check: audit records are kept as long as the law asks."""

from django.conf import settings
from django.core.checks import Error, register

from .services import MIN_RETENTION_DAYS


@register()
def retention_check(app_configs, **kwargs):
    days = getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)
    if not isinstance(days, int) or days < MIN_RETENTION_DAYS:
        return [
            Error(
                f"AUDIT_RETENTION_DAYS is {days!r}; audit records must be kept at least {MIN_RETENTION_DAYS} days.",
                hint="Set AUDIT_RETENTION_DAYS to 180 or more.",
                id="audit.E001",
            )
        ]
    return []
