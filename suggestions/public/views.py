"""The citizen's side of the loop: the form behind a QR code, and the public tracking page.

Both are public (``login_not_required``). The tracking page shows what the
citizen may know and nothing else: public timeline texts, never internal notes
or who handled the item. The attachment download at the end is for signed-in
staff only.
"""

from __future__ import annotations

import functools
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit import services as audit
from core import ratelimit
from core.crypto import phone_digest
from core.files import private_file_response
from core.middleware import body_limit
from representatives.selectors import representative_by_code
from stations.selectors import station_for_intake
from suggestions import selectors
from suggestions.intake import personal_data, services
from suggestions.loop import actions as loop
from suggestions.loop.forms import RatingForm
from suggestions.models import Channel, Event, Outcome, Rating, Stage, Suggestion
from suggestions.public.forms import PublicSuggestionForm, TrackLookupForm, WithdrawContactForm, derive_title
from suggestions.workflow import Action

SUGGEST_TEMPLATE = "public/suggest_form.html"
RATED_OUTCOMES = (Outcome.SATISFIED, Outcome.BASICALLY_SATISFIED)
TRACK_TEMPLATE = "public/track.html"


# The four stages in the public's words (群众点单 → 代表派单 → 政府接单 → 群众评单).
PUBLIC_STEPS = [
    (Stage.COLLECT, pgettext_lazy("public stage", "Received")),
    (Stage.ASSESS, pgettext_lazy("public stage", "Studied by a representative")),
    (Stage.ASSIGN, pgettext_lazy("public stage", "Being handled by the department")),
    (Stage.FEEDBACK, pgettext_lazy("public stage", "Answered")),
    (Stage.CLOSED, pgettext_lazy("public stage", "Closed")),
]
PUBLIC_STAGE_TEXT = {
    Stage.COLLECT: pgettext_lazy("public stage", "Your suggestion has arrived and is being checked by the station."),
    Stage.ASSESS: pgettext_lazy("public stage", "A representative is studying your suggestion and deciding who acts."),
    Stage.ASSIGN: pgettext_lazy(
        "public stage", "The responsible department is handling it; the representatives follow it up."
    ),
    Stage.FEEDBACK: pgettext_lazy(
        "public stage", "An answer has been given; you will be asked whether it satisfies you."
    ),
    Stage.CLOSED: pgettext_lazy("public stage", "Handling is finished."),
}


# The form ------------------------------------------------------------------


def _typed(post) -> dict:
    """What the citizen typed, as initial values: a refused request re-renders it without validating."""
    return {name: value for name, value in post.items() if name not in ("csrfmiddlewaretoken", "attachments")}


def _earlier_submission(post) -> Suggestion | None:
    """The suggestion already made from this form (same key and same text): a double tap or a resubmit.

    Asked only when a limit refuses, so that a resubmit is never refused: the
    unique key in the database is the memory of what was submitted (see
    suggestion_create), and the usual path asks nothing.
    """
    try:
        key = str(uuid.UUID(post.get("idempotency_key", "")))
    except ValueError:
        return None
    earlier = Suggestion.objects.filter(idempotency_key=key).only("tracking_code", "content").first()
    if earlier is None or earlier.content != post.get("content", "").strip():
        return None
    return earlier


def _resubmitted(request, *spent) -> HttpResponseRedirect | None:
    """When a refused post repeats a suggestion already made: the attempts back, and its tracking page."""
    earlier = _earlier_submission(request.POST)
    if earlier is None:
        return None
    ratelimit.give_back(*spent)
    return HttpResponseRedirect(_success_url(earlier))


def _success_url(suggestion: Suggestion) -> str:
    # Used as is by HttpResponseRedirect: redirect() would first try it as a URL name to reverse.
    return f"{_track_prefix(get_script_prefix())}{suggestion.tracking_code}/?new=1"


@functools.lru_cache(maxsize=8)
def _track_prefix(script_prefix: str) -> str:
    """``/t/``, reversed once per script prefix: reverse() on every submission cost more than the redirect."""
    return reverse("public:track", args=["CODE"]).removesuffix("CODE/")


def _pages_never_cached(view):
    """``never_cache`` for the pages a view renders; its redirects go out as they are.

    The form page carries a fresh idempotency key and CSRF token and must never
    be stored. The redirect that answers a submission is not stored by browsers
    or proxies anyway (a 302 without freshness information), so the headers are
    not worked out on the busiest path.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if not isinstance(response, HttpResponseRedirectBase):
            add_never_cache_headers(response)
        return response

    return wrapper


def _upload_limits() -> dict:
    max_bytes = settings.SUGGESTION_ATTACHMENT_MAX_BYTES
    return {
        "max_files": settings.SUGGESTION_ATTACHMENT_MAX_FILES,
        "max_bytes": max_bytes,
        "max_mb": f"{max_bytes / (1024 * 1024):g}",
    }


def _render_form(request, context, form, *, status=200, refused="", reattach=(), retry_after=0):
    response = render(
        request,
        SUGGEST_TEMPLATE,
        {**context, **_upload_limits(), "form": form, "refused": refused, "reattach": list(reattach)},
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _suggest(request, *, station, representative, channel):
    context = {"station": station, "representative": representative}
    if request.method != "POST":
        form = PublicSuggestionForm(initial={"idempotency_key": str(uuid.uuid4())})
        return _render_form(request, context, form)

    # The post is counted, and tentatively the submission too (given back below when the form is sent
    # back with errors): both limits in one round trip.
    ip = ratelimit.client_ip(request)
    posts, by_ip = ratelimit.hit_each(("suggest_post_ip", ip), ("suggest_ip", ip))
    reattach = [upload.name for upload in request.FILES.getlist("attachments")]
    too_many = gettext_lazy("Too many submissions from this network. Please wait a while and try again.")
    if not posts.allowed:
        # A double tap or a resubmit after a network error is the same suggestion, and no rate limit spent.
        return _resubmitted(request, posts) or _render_form(
            request,
            context,
            PublicSuggestionForm(initial=_typed(request.POST)),
            status=429,
            refused=too_many,
            reattach=reattach,
            retry_after=posts.retry_after,
        )

    form = PublicSuggestionForm(request.POST, request.FILES)
    if not form.is_valid():
        ratelimit.give_back(by_ip)  # only suggestions actually submitted count against suggest_ip
        return _render_form(request, context, form, reattach=reattach)

    cleaned = form.cleaned_data
    phone = cleaned["submitter_phone"]
    if not by_ip.allowed:
        return _resubmitted(request, posts, by_ip) or _render_form(
            request, context, form, status=429, refused=too_many, reattach=reattach, retry_after=by_ip.retry_after
        )
    # Counted under the number's keyed hash, the one stored beside it: the number itself never becomes a key.
    by_phone = ratelimit.hit("suggest_phone", phone_digest(phone)) if phone else None
    if by_phone is not None and not by_phone.allowed:
        refused = _("Too many suggestions from this mobile number in the last hour. Please try again later.")
        return _resubmitted(request, posts, by_ip, by_phone) or _render_form(
            request, context, form, status=429, refused=refused, reattach=reattach, retry_after=by_phone.retry_after
        )

    fields = {
        "station": station,
        "channel": channel,
        "title": derive_title(cleaned["content"]),
        "content": cleaned["content"],
        "category": cleaned["category"],
        "representative": representative,
        "location": cleaned["location"],
        "is_enterprise": cleaned["is_enterprise"],
        "enterprise_name": cleaned["enterprise_name"],
        "submitter_name": cleaned["submitter_name"],
        "submitter_phone": phone,
        # The form asks for the tick whenever a name or number is given: that is what was agreed to.
        "consent_version": (
            settings.PRIVACY_NOTICE_VERSION
            if cleaned["consent"] and (cleaned["submitter_name"].strip() or phone)
            else ""
        ),
        "attachments": cleaned["attachments"],
    }
    try:
        suggestion, created = services.suggestion_create(**fields, idempotency_key=cleaned["idempotency_key"])
        if not created:
            if suggestion.content == cleaned["content"].strip():
                # A double tap or a resubmit after a network error: the suggestion already made, and the
                # attempts just counted are given back.
                ratelimit.give_back(posts, by_ip, by_phone)
            else:
                # The key was used before with other text: a form restored from the browser's history.
                # It is a new suggestion and gets a key of its own.
                suggestion, created = services.suggestion_create(**fields, idempotency_key=str(uuid.uuid4()))
    except ValidationError as error:
        form.add_error(None, error.messages)
        return _render_form(request, context, form, reattach=reattach)
    return HttpResponseRedirect(_success_url(suggestion))


def _too_large() -> str:
    return _(
        "What you sent is too large. Attach at most %(limit)s photos or PDF files of up to %(mb)s MB each, "
        "then type your suggestion again."
    ) % {"limit": settings.SUGGESTION_ATTACHMENT_MAX_FILES, "mb": _upload_limits()["max_mb"]}


# A body over the limit gets the form back from core.middleware.RequestBodyMiddleware, before anything
# (the CSRF check included) reads it.
@body_limit(setting="SUGGESTION_MAX_REQUEST_BYTES", message=_too_large)
@login_not_required
@_pages_never_cached
@require_http_methods(["GET", "POST"])
def station_suggest(request, code):
    """``/s/<code>/suggest/``: the form a citizen reaches from a station's QR poster."""
    station = station_for_intake(code)
    return _suggest(request, station=station, representative=None, channel=Channel.QR_STATION)


@body_limit(setting="SUGGESTION_MAX_REQUEST_BYTES", message=_too_large)
@login_not_required
@_pages_never_cached
@require_http_methods(["GET", "POST"])
def representative_suggest(request, code):
    """``/r/<code>/suggest/``: addressed to the representative, received by their (first) station."""
    representative = representative_by_code(code)
    residency = representative.residencies.select_related("station__region").order_by("id").first()
    if residency is None:
        return render(request, "public/no_station.html", {"representative": representative})
    station = residency.station
    return _suggest(request, station=station, representative=representative, channel=Channel.QR_REPRESENTATIVE)


# The tracking page ---------------------------------------------------------


def _public_timeline(suggestion_id: int) -> list[dict]:
    """Only what was written for the citizen: no internal note, no actor is even loaded."""
    return list(
        Event.objects.filter(suggestion_id=suggestion_id)
        .exclude(public_text="")
        .order_by("created_at", "id")
        .values("public_text", "created_at")
    )


def _steps(stage: str) -> list[dict]:
    order = [value for value, _label in PUBLIC_STEPS]
    reached = order.index(stage) if stage in order else -1
    return [
        {"label": label, "done": index < reached, "current": index == reached}
        for index, (_value, label) in enumerate(PUBLIC_STEPS)
    ]


@login_not_required
@require_GET
def track_lookup(request):
    """``/t/``: type a tracking code."""
    form = TrackLookupForm(request.GET or None)
    if form.is_valid():
        return redirect("public:track", form.cleaned_data["code"])
    return render(request, "public/track_lookup.html", {"form": form})


def _track_context(request, code: str, suggestion: Suggestion | None, *, limited: bool = False) -> dict:
    context = {
        "code": code,
        "suggestion": suggestion,
        "limited": limited,
        "lookup_form": TrackLookupForm(),
        "just_submitted": False,
    }
    if suggestion is not None:
        # A merged duplicate is closed; its submitter follows the original's progress.
        followed = suggestion.duplicate_of or suggestion
        context.update(
            {
                "just_submitted": request.GET.get("new") == "1",
                "timeline": _public_timeline(suggestion.pk),
                "original_timeline": _public_timeline(followed.pk) if followed is not suggestion else [],
                "steps": _steps(followed.stage),
                "stage_text": PUBLIC_STAGE_TEXT.get(followed.stage, ""),
                "track_url": request.build_absolute_uri(reverse("public:track", args=[suggestion.tracking_code])),
                # The answer as released to the citizen (never a unit's reply before review).
                "answer": followed.answer if followed.answer_released_at else "",
                "rating_form": _rating_form(suggestion) if _rating_offered(suggestion) else None,
                "rating_locked": loop.rating_open(suggestion) and loop.rating_locked(suggestion),
                "outcome": suggestion.get_outcome_display() if suggestion.outcome in RATED_OUTCOMES else "",
                "can_withdraw": personal_data.has_contact(suggestion),
            }
        )
    return context


def _rating_offered(suggestion: Suggestion) -> bool:
    return loop.rating_open(suggestion) and not loop.rating_locked(suggestion)


def _rating_form(suggestion: Suggestion, data=None) -> RatingForm:
    return RatingForm(data, needs_phone=bool(suggestion.submitter_phone), auto_id="rate-%s")


@login_not_required
@never_cache
@require_GET
def track(request, code):
    """``/t/<code>/``: the public timeline. Unknown codes get the same page, empty, with status 200."""
    lookups = ratelimit.hit("track_ip", ratelimit.client_ip(request))
    limited = not lookups.allowed
    suggestion = None if limited else selectors.suggestion_by_tracking_code(code)
    context = _track_context(request, code, suggestion, limited=limited)
    if limited:
        response = render(request, TRACK_TEMPLATE, context, status=429)
        response["Retry-After"] = str(lookups.retry_after)
        return response
    return render(request, TRACK_TEMPLATE, context)


@login_not_required
@never_cache
@require_POST
def track_rate(request, code):
    """``/t/<code>/rate/``: the submitter rates the released answer (评单).

    Only the submitter may: the tracking code, plus the last four digits of the
    mobile number when one was given. Wrong digits are counted on the suggestion
    and lock rating by digits after ``loop.RATING_TRIES`` (see
    ``loop.suggestion_rate``); posts also count against the tracking page's
    limit per network.
    """
    by_ip = ratelimit.hit("track_ip", ratelimit.client_ip(request))
    if not by_ip.allowed:
        context = _track_context(request, code, None, limited=True)
        response = render(request, TRACK_TEMPLATE, context, status=429)
        response["Retry-After"] = str(by_ip.retry_after)
        return response
    suggestion = selectors.suggestion_by_tracking_code(code)
    if suggestion is None:
        return redirect("public:track", code)
    if not loop.rating_open(suggestion):
        messages.info(request, _("This answer can no longer be rated."))
        return redirect("public:track", code)
    if loop.rating_locked(suggestion):
        return render(request, TRACK_TEMPLATE, _track_context(request, code, suggestion), status=403)
    form = _rating_form(suggestion, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            loop.suggestion_rate(
                suggestion=suggestion,
                verdict=data["verdict"],
                comment=data["comment"],
                phone_last4=data.get("phone_last4", ""),
            )
        except loop.RatingLocked:
            # This try was the last one: the page now says whom to call instead of offering the form.
            _record_wrong_digits(request, suggestion, data["verdict"])
            return render(request, TRACK_TEMPLATE, _track_context(request, code, suggestion), status=403)
        except loop.WrongDigits as exc:
            _record_wrong_digits(request, suggestion, data["verdict"])
            form.add_error(
                "phone_last4",
                ngettext(
                    "These are not the last four digits of the mobile number given with this suggestion. "
                    "%(left)s more try, then rating with the digits is locked.",
                    "These are not the last four digits of the mobile number given with this suggestion. "
                    "%(left)s more tries, then rating with the digits is locked.",
                    exc.tries_left,
                )
                % {"left": exc.tries_left},
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if data["verdict"] == Rating.Verdict.UNSATISFIED:
                messages.success(request, _("Thank you. A representative will take up your suggestion again."))
            else:
                messages.success(request, _("Thank you for your rating. Your suggestion is closed."))
            return redirect("public:track", code)
    context = _track_context(request, code, suggestion)
    context["rating_form"] = form
    return render(request, TRACK_TEMPLATE, context, status=400)


def _record_wrong_digits(request, suggestion, verdict: str) -> None:
    """Someone guessing the last four digits: each wrong try is on the record, with its address."""
    action = Action.RATE_REJECT if verdict == Rating.Verdict.UNSATISFIED else Action.RATE_ACCEPT
    audit.record(
        audit.AuditAction.LOOP_ACTION,
        request=request,
        obj=suggestion,
        outcome=audit.AuditOutcome.DENIED,
        detail=loop.loop_audit_detail(suggestion, action),
    )


# Withdrawing one's contact details (PIPL) ---------------------------------------------------------------------

WITHDRAW_TEMPLATE = "public/withdraw.html"


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def track_withdraw(request, code):
    """``/t/<code>/withdraw/``: the submitter has their name and number removed; the suggestion goes on.

    Two steps: the proof (the last four digits of the number given, when one
    was), then a confirmation that carries the digits on and removes. Every
    request counts against the tracking page's limit per network; wrong digits
    also count against the item (``personal_data.WITHDRAW_MAX_FAILURES`` in
    all), so the four digits cannot be found by trying.
    """
    lookups = ratelimit.hit("track_ip", ratelimit.client_ip(request))
    if not lookups.allowed:
        response = render(request, TRACK_TEMPLATE, _track_context(request, code, None, limited=True), status=429)
        response["Retry-After"] = str(lookups.retry_after)
        return response
    suggestion = selectors.suggestion_by_tracking_code(code)
    if suggestion is None:
        return redirect("public:track", code)
    context = {"code": code, "suggestion": suggestion, "has_contact": personal_data.has_contact(suggestion)}
    if not context["has_contact"]:
        return render(request, WITHDRAW_TEMPLATE, context)
    form = WithdrawContactForm(
        request.POST if request.method == "POST" else None, needs_phone=personal_data.proof_needed(suggestion)
    )
    status = 200
    if personal_data.withdraw_attempts_left(suggestion) <= 0:
        context["locked"] = True
    elif request.method == "POST" and form.is_valid():
        digits = form.cleaned_data.get("phone_last4", "")
        try:
            if form.cleaned_data["confirm"]:
                personal_data.contact_withdraw(suggestion=suggestion, phone_last4=digits)
                messages.success(
                    request, _("Your name and mobile number have been removed. Your suggestion is handled as before.")
                )
                return redirect("public:track", code)
            personal_data.check_withdraw_proof(suggestion, digits)
        except personal_data.WithdrawalLocked:
            context["locked"] = True
            status = 403
        except PermissionDenied as exc:
            form.add_error("phone_last4" if "phone_last4" in form.fields else None, exc.args[0])
            status = 400
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            status = 400
        else:
            context.update({"confirming": True, "digits": digits})
    elif request.method == "POST":
        status = 400
    context.update({"form": form, "attempts_left": personal_data.withdraw_attempts_left(suggestion)})
    return render(request, WITHDRAW_TEMPLATE, context, status=status)


# Staff: attachments --------------------------------------------------------


@never_cache
@require_GET
def attachment_download(request, code, pk):
    """A suggestion's photo or PDF, for signed-in users who may see the suggestion (404 for everyone else)."""
    suggestion = selectors.suggestion_for_user(request.user, code)
    attachment = next((a for a in suggestion.attachments.all() if a.pk == pk), None)
    if attachment is None:
        raise Http404("no such attachment")
    audit.record(
        audit.AuditAction.FILE_DOWNLOAD, request=request, obj=attachment, detail={"code": suggestion.tracking_code}
    )
    return private_file_response(attachment.file, attachment.original_name, attachment.content_type)
