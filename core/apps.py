from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared kernel: helpers every app uses (codes, QR, working days, SMS, rate limits, spreadsheet cells,
    personal-data encryption, uploads, pagination, the figures cache). It imports no app of the portal."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
