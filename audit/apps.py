from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        # Connecting the receivers here is what makes logins, password changes, role changes and the
        # admin's own log reach the audit trail; the system check keeps the retention within the law.
        from . import checks, receivers  # noqa: F401
