"""What a signed-in request passes before it reaches a page (等保 2.0 level 3).

1. :class:`SessionLimitsMiddleware` ends a session idle for ``SESSION_IDLE_SECONDS`` or older
   than ``SESSION_ABSOLUTE_SECONDS`` and sends the user to the log-in page with a message.
2. :class:`SecondFactorMiddleware` holds an account with a second factor at the log-in's second
   step until it is verified in this session, and an administrator without one at enrolment.
3. :class:`PasswordChangeDueMiddleware` holds an account at the password change page while an
   administrator's password or one past its maximum age is in use.

Each lets through what is needed to get out of the hold: the page itself, logging out and
switching the language.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import ngettext

from . import passwords, permissions, second_factor

STARTED_SESSION_KEY = "_portal_started"
SEEN_SESSION_KEY = "_portal_seen"
# Writing the last request's time on every request would save the session on every page; a
# minute's precision on a thirty-minute limit saves it at most once a minute.
SEEN_PRECISION_SECONDS = 60

_ALWAYS_ALLOWED = frozenset({"accounts:logout", "admin:logout", "set_language", "healthz"})
SECOND_FACTOR_PAGES = frozenset({"accounts:otp_verify", "accounts:otp_enrol"})
PASSWORD_CHANGE_PAGES = frozenset({"accounts:password_change", "accounts:password_change_done"})


def _with_next(url_name: str, request) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"


def _view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else ""


def session_started(sender, request, user, **kwargs):
    """At log-in (user_logged_in): the session's clocks start now, also when the same user logs in again,
    and whether the account has a second factor is asked once, here, rather than on its pages."""
    now = int(time.time())
    request.session[STARTED_SESSION_KEY] = now
    request.session[SEEN_SESSION_KEY] = now
    request.session[second_factor.ENROLLED_SESSION_KEY] = second_factor.is_enrolled(user)


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            ended = self._ended(request)
            if ended:
                logout(request)
                messages.warning(request, ended)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    def _ended(self, request) -> str:
        """Why the session ends now ("" if it goes on); keeps the times it is judged by."""
        session = request.session
        now = int(time.time())
        started = session.setdefault(STARTED_SESSION_KEY, now)
        seen = session.get(SEEN_SESSION_KEY, now)
        if now - started >= settings.SESSION_ABSOLUTE_SECONDS:
            hours = settings.SESSION_ABSOLUTE_SECONDS // 3600
            return ngettext(
                "You were signed in for more than %(hours)d hour: please log in again.",
                "You were signed in for more than %(hours)d hours: please log in again.",
                hours,
            ) % {"hours": hours}
        if now - seen >= settings.SESSION_IDLE_SECONDS:
            minutes = settings.SESSION_IDLE_SECONDS // 60
            return ngettext(
                "You were logged out after %(minutes)d minute without activity: please log in again.",
                "You were logged out after %(minutes)d minutes without activity: please log in again.",
                minutes,
            ) % {"minutes": minutes}
        if SEEN_SESSION_KEY not in session or now - seen >= SEEN_PRECISION_SECONDS:
            session[SEEN_SESSION_KEY] = now
        return ""


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        name = _view_name(request)
        if name in _ALWAYS_ALLOWED or name in SECOND_FACTOR_PAGES:
            return None
        required = permissions.second_factor_required(user)
        enrolled = request.session.get(second_factor.ENROLLED_SESSION_KEY)
        if enrolled is None or required:
            # Sessions from before this flag existed ask once; those who must have a device, every time.
            enrolled = second_factor.is_enrolled(user)
            request.session[second_factor.ENROLLED_SESSION_KEY] = enrolled
        if enrolled:
            return redirect(_with_next("accounts:otp_verify", request))
        if required:
            return redirect(_with_next("accounts:otp_enrol", request))
        return None


class PasswordChangeDueMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        name = _view_name(request)
        if name in _ALWAYS_ALLOWED or name in PASSWORD_CHANGE_PAGES or name in SECOND_FACTOR_PAGES:
            return None
        if passwords.change_due(user):
            return redirect(_with_next("accounts:password_change", request))
        return None
