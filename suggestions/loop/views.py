"""The closed loop's pages: the inboxes, the supervision list, the actions of the detail page, notifications.

Thin views: the reads are in :mod:`suggestions.loop.selectors`, every write is
a function of :mod:`suggestions.loop.actions`, which re-checks the actor's right. A
step refused by the workflow (``WorkflowError``) comes back as a message and a
redirect with nothing changed; a step the user may not take is a 403.
"""

from __future__ import annotations

import datetime as dt
import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from audit import services as audit
from core import workdays
from core.files import private_file_response
from core.middleware import body_limit
from core.pagination import paginate
from suggestions import selectors, views
from suggestions.loop import actions as loop
from suggestions.loop import forms as loop_forms
from suggestions.loop import notifications
from suggestions.loop import selectors as loop_selectors
from suggestions.models import Stage
from suggestions.selectors import active_categories
from suggestions.workflow import ACTIONS, ASSIGNMENT, EXTENSION, SUGGESTION, Action, allowed, may_act

PER_PAGE = 20
CALENDAR_LOOKAHEAD = dt.timedelta(days=60)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# Inboxes ------------------------------------------------------------------------------------------


def station_inbox(request):
    """Station staff: items to check and hand to a representative, and unit answers to release."""
    _require(permissions.may_use_station_inbox(request.user), _("The station inbox is for station staff."))
    page = paginate(request, loop_selectors.station_inbox(request.user), per_page=PER_PAGE)
    rows = loop_selectors.station_inbox_rows(page)
    to_hand = [s for s in rows if s.stage == Stage.COLLECT]
    residents = loop_selectors.residents_by_station({s.station_id for s in to_hand}) if to_hand else {}
    for s in to_hand:
        choices = list(residents.get(s.station_id, []))
        for extra in (s.representative, s.station.head, s.default_assessor):
            if extra is not None and all(extra.pk != r.pk for r in choices):
                choices.append(extra)
        s.representative_choices = choices
    return render(
        request,
        "loop/station_inbox.html",
        {"page": page, "rows": rows, "categories": list(active_categories()) if to_hand else []},
    )


def representative_inbox(request):
    """A representative: items to assess (reopened ones with their redo count) and answers to release."""
    _require(
        permissions.may_use_representative_inbox(request.user), _("The representative inbox is for representatives.")
    )
    page = paginate(request, loop_selectors.representative_inbox(request.user), per_page=PER_PAGE)
    return render(request, "loop/representative_inbox.html", {"page": page})


def unit_inbox(request):
    """A unit handler: open assignments of their units, those to accept first, then by deadline."""
    _require(permissions.may_use_unit_inbox(request.user), _("The unit inbox is for handlers of handling units."))
    page = paginate(request, loop_selectors.unit_inbox(request.user), per_page=PER_PAGE)
    return render(request, "loop/unit_inbox.html", {"page": page, "rows": loop_selectors.paint_page(page)})


def supervision(request):
    """Committee admins: overdue assignments, extension requests, flagged items, items under supervision."""
    _require(permissions.may_supervise(request.user), _("The supervision list is for committee admins."))
    today = timezone.localdate()
    tab = request.GET.get("tab", "overdue")
    if tab not in loop_selectors.SUPERVISION_TABS:
        tab = "overdue"
    page = paginate(request, loop_selectors.supervision_list(request.user, tab, today), per_page=PER_PAGE)
    rows = loop_selectors.paint_page(page, today) if tab == "overdue" else list(page)
    if tab == "extensions":
        for row in rows:
            row.decide_form = loop_forms.action_form(Action.DECIDE_EXTENSION, row.assignment.suggestion, target=row)
    missing = workdays.missing_years(today, today + CALENDAR_LOOKAHEAD)
    try:
        calendar_url = reverse("admin:suggestions_calendaroverride_changelist")
    except NoReverseMatch:
        calendar_url = ""
    return render(
        request,
        "loop/supervision.html",
        {
            "tab": tab,
            "page": page,
            "rows": rows,
            "counts": loop_selectors.supervision_counts(request.user, today),
            "missing_years": missing,
            "calendar_url": calendar_url,
            "querystring": f"tab={tab}",
        },
    )


# Actions of the detail page -------------------------------------------------------------------


def _target(suggestion, action: str, post):
    """The assignment or extension request a step is about; it must belong to this suggestion (else 404)."""
    on = ACTIONS[action].on
    if on == EXTENSION:
        name, candidates = "request", [r for a in suggestion.assignments.all() for r in a.extension_requests.all()]
    elif on == ASSIGNMENT:
        name, candidates = "assignment", list(suggestion.assignments.all())
    else:
        return None
    try:
        pk = int(post.get(name, ""))
    except ValueError:
        raise Http404(f"no {name} given") from None
    for candidate in candidates:
        if candidate.pk == pk:
            return candidate
    raise Http404(f"no such {name} on this suggestion")


# What each kind of step's service is given as the thing it acts on.
_TARGET_KEYWORD = {SUGGESTION: "suggestion", ASSIGNMENT: "assignment", EXTENSION: "request"}


def _run(action: str, suggestion, target, form, user) -> str:
    """Call the step's service (``workflow.ACTIONS``) with what the form holds; returns the message shown."""
    step = ACTIONS[action]
    acted_on = suggestion if step.on == SUGGESTION else target
    result = step.service()(**{_TARGET_KEYWORD[step.on]: acted_on}, by=user, **form.service_kwargs())
    return form.done_message(result)


def _refused(request, suggestion, action: str, outcome: str, reason: str = "") -> None:
    """A step that did not happen: its transaction rolled back, so the refusal is recorded here, after it."""
    audit.record(
        audit.AuditAction.LOOP_ACTION,
        request=request,
        obj=suggestion,
        outcome=outcome,
        detail=loop.loop_audit_detail(suggestion, action, reason=reason[:200]),
    )


def _act_page(request, code, action):
    """The page that holds every step's form: the suggestion's own."""
    return views.suggestion_detail(request, code)


@body_limit(page=_act_page)
@require_POST
def act(request, code, action):
    """``/suggestions/<code>/act/<action>/``: one step of the loop, through its service."""
    if action not in ACTIONS or not ACTIONS[action].form:
        raise Http404("unknown action")
    suggestion = selectors.suggestion_for_user(request.user, code, with_assignments=True)
    back = _safe_next(request, suggestion.get_absolute_url())
    if not may_act(request.user, suggestion, action):
        _refused(request, suggestion, action, audit.AuditOutcome.DENIED)
        raise PermissionDenied(_("You may not take this step on this suggestion."))
    if suggestion.duplicate_of_id or not allowed(suggestion.stage, action):
        _refused(request, suggestion, action, audit.AuditOutcome.FAILED, reason="stage")
        messages.error(
            request,
            _("This step is no longer possible: the suggestion is now at stage “%(stage)s”. Reload the page.")
            % {"stage": suggestion.get_stage_display()},
        )
        return redirect(back)
    target = _target(suggestion, action, request.POST)
    form = loop_forms.action_form(action, suggestion, request.POST, request.FILES, target=target)
    if not form.is_valid():
        messages.error(request, _("Check the form: something is missing or wrong."))
        bound = loop_forms.Bound(action=action, target_pk=target.pk if target is not None else None, form=form)
        return views.render_detail(request, suggestion, bound=bound, status=400)
    try:
        done = _run(action, suggestion, target, form, request.user)
    except PermissionDenied:
        _refused(request, suggestion, action, audit.AuditOutcome.DENIED)
        raise
    except ValidationError as exc:
        _refused(request, suggestion, action, audit.AuditOutcome.FAILED, reason=" ".join(exc.messages))
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    except IntegrityError:
        _refused(request, suggestion, action, audit.AuditOutcome.FAILED)
        messages.error(request, _("Someone else acted on this at the same moment. Reload the page."))
        return redirect(back)
    messages.success(request, done)
    return redirect(back)


@require_POST
def unlock_rating(request, code):
    """Let the citizen rate with the phone's digits again: the station's staff or the committee, after a call."""
    suggestion = selectors.suggestion_for_user(request.user, code, with_assignments=True)
    if not may_act(request.user, suggestion, Action.UNLOCK_RATING):
        raise PermissionDenied(_("Only the station's staff or the committee may unlock rating."))
    try:
        loop.suggestion_unlock_rating(suggestion=suggestion, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Rating is unlocked: the citizen can rate with the last four digits again."))
    return redirect(suggestion.get_absolute_url())


# Notifications ----------------------------------------------------------------------------------


def notification_list(request):
    page = paginate(request, loop_selectors.notifications_for(request.user), per_page=PER_PAGE)
    return render(request, "loop/notifications.html", {"page": page})


@require_POST
def notification_read(request, pk):
    """Mark one notification read; with ``open`` set, go on to the page it is about."""
    notification = loop_selectors.notification_for_user(request.user, pk)
    notifications.notification_mark_read(notification=notification, by=request.user)
    if request.POST.get("open") and notification.url:
        target = notification.url
        if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return redirect(target)
    return redirect(_safe_next(request, reverse("loop:notifications")))


@require_POST
def notifications_read_all(request):
    count = notifications.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect(reverse("loop:notifications"))


@require_GET
def reply_file(request, code, pk):
    """The document a unit attached to its reply, for those who may see the suggestion (404 otherwise)."""
    suggestion = selectors.suggestion_for_user(request.user, code, with_assignments=True)
    reply = next((r for a in suggestion.assignments.all() for r in a.replies.all() if r.pk == pk and r.file), None)
    if reply is None:
        raise Http404("no such reply file")
    name = reply.file.name.rsplit("/", 1)[-1]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    audit.record(audit.AuditAction.FILE_DOWNLOAD, request=request, obj=reply, detail={"code": suggestion.tracking_code})
    return private_file_response(reply.file, name, content_type)
