"""What every request's body and form values go through before a view (or the CSRF check) reads them.

:class:`RequestBodyMiddleware` — one answer to a body that is too large
--------------------------------------------------------------------------
Django refuses a body whose text fields exceed ``DATA_UPLOAD_MAX_MEMORY_SIZE``,
or that holds more than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields or
``DATA_UPLOAD_MAX_NUMBER_FILES`` files, with a bare "400 Bad Request"; and it
reads (and spools to disk) a body of any size before a view could say no. Here
the declared length is compared with the view's limit first —
``REQUEST_MAX_BODY_BYTES``, or the setting a view names with :func:`body_limit`
— before anything is read, and then the form data is parsed so that Django's
own refusals are caught too. A refused request is answered with the form's own
page, as for a GET, carrying a message that says what was too large, with
status 413. A view that only takes posts names the view of its page with
:func:`body_limit`. The middleware runs after ``LoginRequiredMiddleware`` (a
page is only ever shown to someone who may see it) and before
``CsrfViewMiddleware`` (which would otherwise read the body first); the page
is rendered as a GET and changes nothing, so skipping the CSRF check for it
is safe.

:class:`InputTextMiddleware` — no bidirectional controls in any form value
--------------------------------------------------------------------------
Every form of the portal, the Django admin's and the citizen's alike, reads
its values from ``request.GET`` and ``request.POST``; cleaning them there once
covers every field, including those added later by someone who never heard of
the problem, which a per-field rule could not. See :mod:`core.text`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import QueryDict
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .text import has_bidi, strip_bidi

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
MB = 1024 * 1024


def body_limit(*, setting: str | None = None, message=None, page=None):
    """Mark a view: its body limit is ``settings.<setting>``; ``message()`` says why a body was refused;
    ``page(request, *args, **kwargs)`` renders its form's page (for views that only take posts).

    Put it outermost, above ``require_POST`` and the like, so that Django finds the marks.
    """

    def mark(view):
        if setting is not None:
            view.body_limit_setting = setting
        if message is not None:
            view.body_refused_message = message
        if page is not None:
            view.body_refused_page = page
        return view

    return mark


def _mb(size: int) -> str:
    return f"{size / MB:.1f}"


def _refusal(request, view_func) -> str | None:
    """Why this request's body is refused, or None."""
    limit = getattr(settings, getattr(view_func, "body_limit_setting", "REQUEST_MAX_BODY_BYTES"))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0  # Django reads nothing it cannot count
    if length > limit:
        return _(
            "What you sent (%(size)s MB) is larger than the %(limit)s MB this form accepts. "
            "Attach fewer or smaller files and fill in the form again."
        ) % {"size": _mb(length), "limit": _mb(limit)}
    if request.content_type not in FORM_TYPES:
        return None
    try:
        request.POST  # noqa: B018 - parsing is the check
        request.FILES  # noqa: B018
    except RequestDataTooBig:
        return _(
            "The text you sent is larger than the %(limit)s MB a form accepts. "
            "Shorten it, or attach it as a file, and fill in the form again."
        ) % {"limit": _mb(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
    except TooManyFieldsSent:
        return _("The form sent more than %(limit)s values. Fill it in again.") % {
            "limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        }
    except TooManyFilesSent:
        return _("You attached more than %(limit)s files at once. Attach fewer and fill in the form again.") % {
            "limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES
        }
    return None


class RequestBodyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, args, kwargs):
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        reason = _refusal(request, view_func)
        if reason is None:
            return None
        explain = getattr(view_func, "body_refused_message", None)
        # Nothing of the body is read from here on: the page is shown as for a GET.
        request.method = request.META["REQUEST_METHOD"] = "GET"
        request._post, request._files = QueryDict(), MultiValueDict()
        messages.error(request, explain() if explain else reason)
        page = getattr(view_func, "body_refused_page", None) or view_func
        response = page(request, *args, **kwargs)
        if response.status_code == 405:  # a view that only takes posts and names no page
            back = request.headers.get("referer", "")
            if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
                back = ""
            response = render(request, "413.html", {"back": back})
        if response.status_code < 300:
            response.status_code = 413
        return response


def _cleaned(values: QueryDict) -> QueryDict:
    """``values`` as they are when clean (the usual case costs one scan), else a cleaned copy."""
    if not any(has_bidi(value) for _key, items in values.lists() for value in items):
        return values
    cleaned = QueryDict(mutable=True, encoding=values.encoding)
    for key, items in values.lists():
        cleaned.setlist(key, [strip_bidi(value) for value in items])
    cleaned._mutable = False
    return cleaned


class InputTextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, args, kwargs):
        if request.GET:
            request.GET = _cleaned(request.GET)
        if request.method == "POST" and request.content_type in FORM_TYPES:
            request.POST = _cleaned(request.POST)
            for _key, uploads in request.FILES.lists():
                for upload in uploads:
                    if upload.name and has_bidi(upload.name):
                        upload.name = strip_bidi(upload.name)
        return None
