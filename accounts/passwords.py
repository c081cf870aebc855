"""The password policy (等保 2.0 level 3): validators for AUTH_PASSWORD_VALIDATORS and when a change is due."""

from __future__ import annotations

import string
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import permissions

_CLASSES = (
    frozenset(string.ascii_lowercase),
    frozenset(string.ascii_uppercase),
    frozenset(string.digits),
)


def character_classes(password: str) -> int:
    """How many of lower-case, upper-case, digit and symbol the password uses (any other character is a symbol)."""
    used = sum(1 for chars in _CLASSES if any(c in chars for c in password))
    if any(not any(c in chars for chars in _CLASSES) for c in password):
        used += 1
    return used


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    """Django's rule with a message of our own: Django 5.2's error text has no Chinese translation."""

    def get_error_message(self):
        return ngettext(
            "The password must be at least %(count)d character long.",
            "The password must be at least %(count)d characters long.",
            self.min_length,
        ) % {"count": self.min_length}

    def get_help_text(self):
        return ngettext(
            "Use at least %(count)d character.",
            "Use at least %(count)d characters.",
            self.min_length,
        ) % {"count": self.min_length}


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.message(), code="password_too_simple")

    def message(self) -> str:
        return _(
            "The password must use at least %(count)d of these four: lower-case letters, upper-case letters, "
            "digits and symbols."
        ) % {"count": self.min_classes}

    def get_help_text(self):
        return self.message()


class UsernameNotInPasswordValidator:
    """Refuses a password that contains the user name, in any case (a user name of one or two
    characters is left alone: it would refuse half of all passwords)."""

    MIN_USERNAME = 3

    def validate(self, password, user=None):
        username = (getattr(user, "username", "") or "").casefold()
        if len(username) >= self.MIN_USERNAME and username in password.casefold():
            raise ValidationError(_("The password must not contain your user name."), code="password_has_username")

    def get_help_text(self):
        return _("The password must not contain your user name.")


class PasswordHistoryValidator:
    """Refuses the current password and the last ones kept in :class:`accounts.models.PasswordHistory`.

    Each kept hash is checked with the hasher that made it (a full PBKDF2 run each), once per change.
    """

    def __init__(self, count: int | None = None):
        self.count = count

    def _count(self) -> int:
        return self.count if self.count is not None else settings.PASSWORD_HISTORY_COUNT

    def validate(self, password, user=None):
        if user is None or not user.pk:
            return
        hashes = [user.password] if user.has_usable_password() else []
        hashes += list(user.password_history.values_list("password", flat=True)[: self._count()])
        if any(check_password(password, encoded) for encoded in dict.fromkeys(hashes)):
            raise ValidationError(self.message(), code="password_reused")

    def message(self) -> str:
        count = self._count()
        return ngettext(
            "The password must differ from your last password.",
            "The password must differ from your last %(count)d passwords.",
            count,
        ) % {"count": count}

    def get_help_text(self):
        return self.message()


# When a change is due ------------------------------------------------------------------------

INITIAL = "initial"
EXPIRED = "expired"


def change_due(user) -> str:
    """ "initial" when an administrator chose the password, "expired" past the maximum age, else ""."""
    if not user.is_authenticated:
        return ""
    if user.must_change_password:
        return INITIAL
    days = settings.PASSWORD_MAX_AGE_DAYS
    # The date first: the roles cost a query, and most passwords are younger than the limit.
    if days > 0 and user.password_changed_at <= timezone.now() - timedelta(days=days):
        if permissions.password_expires(user):
            return EXPIRED
    return ""
