from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.auth.signals import user_logged_in


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from . import middleware  # the middleware module imports models: only once the apps are ready

        # The absolute limit counts from the log-in itself, not from the first page after it.
        user_logged_in.connect(middleware.session_started, dispatch_uid="accounts.session_started")


class PortalAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with the portal's own site as ``admin.site`` (named in INSTALLED_APPS)."""

    default = False  # "accounts" in INSTALLED_APPS still means AccountsConfig
    default_site = "accounts.admin_site.PortalAdminSite"
