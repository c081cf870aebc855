from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "oversight"
    verbose_name = _("Dashboards, registers and exports")

    def ready(self):
        # Registered in every process: exports queue their task by name (see oversight.exports.WRITE_TASK).
        from oversight import tasks  # noqa: F401
