"""Django permissions for the administrator duties (三员分立).

Listed first in ``AUTHENTICATION_BACKENDS``. For an account with a duty it answers
every permission question from :data:`accounts.permissions.DUTY_PERMISSIONS` and
raises ``PermissionDenied`` for anything else, which stops Django from asking the
model backend: groups or user permissions given to a duty account widen nothing.
For every other account it refuses the reserved apps (accounts, groups, lockouts,
second factors, the audit trail) and leaves the rest to the model backend, so a
committee admin keeps exactly the permissions it has today.

Superusers never reach a backend (Django answers True for them first); the
database refuses a superuser with a duty.
"""

from django.core.exceptions import PermissionDenied

from . import permissions


class AdminDutyBackend:
    """Authorises only: no ``get_user``, so that sessions (and the test client's force_login)
    keep using the model backend; passwords are checked by it behind django-axes."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        duty = permissions.admin_duty(user_obj)
        if duty:
            if user_obj.is_active and permissions.duty_grants(duty, perm):
                return True
            raise PermissionDenied
        if perm.partition(".")[0] in permissions.RESERVED_APP_LABELS:
            raise PermissionDenied
        return False

    def has_module_perms(self, user_obj, app_label):
        duty = permissions.admin_duty(user_obj)
        if duty:
            if user_obj.is_active and permissions.duty_opens_app(duty, app_label):
                return True
            raise PermissionDenied
        if app_label in permissions.RESERVED_APP_LABELS:
            raise PermissionDenied
        return False
