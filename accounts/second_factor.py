"""The second factor: a TOTP authenticator app, with single-use backup codes (django-otp).

Writes and reads of the devices live here; who must or may use them is decided in
:mod:`accounts.permissions`. A user has at most one confirmed TOTP device
("authenticator") and one static device ("backup codes").
"""

from __future__ import annotations

import re
from base64 import b32encode
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import permissions, signals

TOTP_NAME = "authenticator"
BACKUP_NAME = "backup codes"
# Set at log-in: whether the account has a second factor, so that the many accounts without one
# cost no query on each page (see accounts.middleware.SecondFactorMiddleware).
ENROLLED_SESSION_KEY = "_portal_otp_enrolled"

_TOTP_TOKEN = re.compile(r"^\d{6}$")


# Reads --------------------------------------------------------------------------------------


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def manual_key(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app when the camera cannot be used."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def normalise_token(token: str) -> str:
    """Spaces and dashes are dropped (apps show "123 456"); backup codes are lower-case."""
    return re.sub(r"[\s-]", "", token or "").lower()


# Writes ------------------------------------------------------------------------------------------


def enrolment_device(user) -> TOTPDevice:
    """The unconfirmed device whose key the enrolment page shows; the same one until it is confirmed."""
    if not permissions.may_use_second_factor(user):
        raise PermissionDenied(_("Two-step verification is for administrators and committee admins."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


@dataclass
class Verified:
    device: object | None
    # After repeated wrong codes django-otp doubles the wait before it checks another (1, 2, 4 … seconds).
    wait_seconds: int = 0

    @property
    def throttled(self) -> bool:
        return self.wait_seconds > 0


def _check(device, token: str) -> Verified:
    allowed, data = device.verify_is_allowed()
    if not allowed:
        locked_until = (data or {}).get("locked_until") or timezone.now()
        return Verified(None, wait_seconds=max(1, int((locked_until - timezone.now()).total_seconds()) + 1))
    return Verified(device if device.verify_token(token) else None)


@transaction.atomic
def enrolment_confirm(*, request, token: str) -> list[str] | None:
    """Confirm the enrolment device with a code from the app; returns the new backup codes, or None.

    The device becomes the user's only authenticator and is marked verified in this session.
    """
    user = request.user
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or not _TOTP_TOKEN.match(normalise_token(token)):
        return None
    if not _check(device, normalise_token(token)).device:
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _backup_codes_replace(user)
    otp_login(request, device)
    request.session[ENROLLED_SESSION_KEY] = True
    signals.second_factor_changed.send(sender=TOTPDevice, account=user, by=user, change="enrolled")
    return codes


def verify(*, request, token: str) -> Verified:
    """The log-in's second step: a six-digit code from the app, or one backup code (used up by this)."""
    user = request.user
    token = normalise_token(token)
    with transaction.atomic():
        if _TOTP_TOKEN.match(token):
            devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
        else:
            devices = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
        result = Verified(None)
        for device in devices:
            result = _check(device, token)
            if result.device or result.throttled:
                break
    if result.device:
        otp_login(request, result.device)
    else:
        signals.second_factor_failed.send(sender=TOTPDevice, account=user, request=request, throttled=result.throttled)
    return result


def _backup_codes_replace(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name=BACKUP_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.OTP_BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def backup_codes_regenerate(*, request) -> list[str]:
    """New backup codes in place of the old ones; only in a session verified with the second factor."""
    user = request.user
    if not (user.is_verified() and is_enrolled(user)):
        raise PermissionDenied(_("Verify with your authenticator app first."))
    codes = _backup_codes_replace(user)
    signals.second_factor_changed.send(sender=StaticDevice, account=user, by=user, change="backup_codes")
    return codes


@transaction.atomic
def second_factor_disable(*, request) -> None:
    """Committee admins may turn the optional second factor off again; the duties may not."""
    user = request.user
    if permissions.second_factor_required(user):
        raise PermissionDenied(_("Administrators cannot turn two-step verification off."))
    if not user.is_verified():
        raise PermissionDenied(_("Verify with your authenticator app first."))
    _remove_devices(user)
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[ENROLLED_SESSION_KEY] = False
    signals.second_factor_changed.send(sender=TOTPDevice, account=user, by=user, change="disabled")


@transaction.atomic
def second_factor_reset(*, account, by) -> bool:
    """The security admin resets another account's second factor (a lost phone). Returns whether there was one.

    The account's sessions lose their verification at once (the device is gone); at the next
    log-in it enrols again, or, for a committee admin, goes on without.
    """
    if not permissions.may_reset_second_factor(by, account):
        raise PermissionDenied(_("Only the security administrator resets second factors."))
    removed = _remove_devices(account)
    if removed:
        signals.second_factor_changed.send(sender=TOTPDevice, account=account, by=by, change="reset")
    return removed


def _remove_devices(user) -> bool:
    removed, _detail = TOTPDevice.objects.filter(user=user).delete()
    removed_static, _detail = StaticDevice.objects.filter(user=user).delete()
    return bool(removed or removed_static)
