from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmarks' own baseline view and table; installed only by liaison.settings.bench."""

    name = "devtools.bench"
    label = "bench"  # its table and migrations were made under this label
    default_auto_field = "django.db.models.BigAutoField"
