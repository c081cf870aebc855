from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmarks' own baseline view and table; installed only by liaison.settings.bench."""

    name = "bench"
    default_auto_field = "django.db.models.BigAutoField"
