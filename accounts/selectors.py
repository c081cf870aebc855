"""Reads on accounts for the admin pages."""

from __future__ import annotations

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice


def locked_attempts() -> QuerySet:
    """django-axes' attempt rows that lock an account now: the failure limit reached within the cool-off."""
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cool_off = get_cool_off()
    if cool_off:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def with_security_state(accounts: QuerySet) -> QuerySet:
    """Each account with ``is_locked`` and ``has_second_factor``, as two EXISTS in the same query."""
    return accounts.annotate(
        is_locked=Exists(locked_attempts().filter(username=OuterRef("username"))),
        has_second_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
    )
