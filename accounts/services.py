"""Writes on accounts: duties, administrators' changes, lockouts.

Each function re-checks the actor's right in :mod:`accounts.permissions`, whoever calls it
(the Django admin, a management command, a test).
"""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import permissions, signals
from .models import User


@transaction.atomic
def admin_duty_assign(*, account: User, duty: str, by: User | None) -> User:
    """Give ``account`` an administrator duty ("" takes it away).

    ``by`` is the superuser doing it in the admin, or None for ``manage.py create_admin_duty``
    run on the server at installation. Raises ``PermissionDenied`` for anyone else and
    ``ValidationError`` for a superuser or an account with a business role. A duty account
    uses the Django admin, so it is staff; without a duty it has nothing to do there.
    """
    if by is not None and not permissions.may_assign_duty(by):
        raise PermissionDenied(_("Only a superuser assigns administrator duties."))
    refusal = permissions.duty_refusal(account, duty)
    if refusal:
        raise ValidationError(refusal, code="duty_refused")
    account.admin_duty = duty
    account.is_staff = bool(duty)
    account.save(update_fields=["admin_duty", "is_staff"])
    return account


def account_check_change(*, by: User, account: User, fields) -> None:
    """Refuse a change from the admin to fields ``by`` does not keep (the admin's read-only fields
    already drop them: this is the second lock). Raises ``PermissionDenied``."""
    editable = permissions.editable_account_fields(by, account)
    if editable is None:
        return
    refused = set(fields) - editable
    if refused:
        raise PermissionDenied(
            _("You may not change these fields: %(fields)s") % {"fields": ", ".join(sorted(refused))}
        )


def account_unlock(*, account: User, by: User) -> int:
    """Lift the lockout after failed log-ins (django-axes) on every address; returns the attempts cleared."""
    if not permissions.may_unlock_accounts(by):
        raise PermissionDenied(_("Only the security administrator unlocks accounts."))
    cleared = axes_reset(username=account.get_username())
    if cleared:
        signals.account_unlocked.send(sender=User, account=account, by=by)
    return cleared
