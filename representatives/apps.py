from django.apps import AppConfig


class RepresentativesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "representatives"

    def ready(self):
        # Linking an account to a representative gives it the representative's rights.
        from audit.receivers import watch_fields

        from .models import Representative

        watch_fields(Representative, ("user",), describe=lambda rep: {"object": rep.name})
