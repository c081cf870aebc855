from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from . import middleware  # the middleware module imports models: only once the apps are ready

        # The absolute limit counts from the log-in itself, not from the first page after it.
        user_logged_in.connect(middleware.session_started, dispatch_uid="accounts.session_started")
