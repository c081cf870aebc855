from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"


class PortalAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with the portal's own site as ``admin.site`` (named in INSTALLED_APPS)."""

    default = False  # "accounts" in INSTALLED_APPS still means AccountsConfig
    default_site = "accounts.admin_site.PortalAdminSite"
