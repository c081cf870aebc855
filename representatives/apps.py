from django.apps import AppConfig


class RepresentativesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "representatives"
