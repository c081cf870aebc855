from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Development only: the demo data (seed_demo), the benchmark data and the benchmark commands.

    It sits on top of every app and calls their services; nothing imports it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "devtools"
