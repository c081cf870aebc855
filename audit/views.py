"""The audit log page: for the audit administrator (审计管理员) only; 403 for everyone else, the superuser included."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import permissions
from core.pagination import paginate, querystring_without_page

from . import selectors, services, tasks
from .forms import AuditFilterForm
from .models import AuditAction, AuditOutcome

PER_PAGE = 50

# Words for the keys records carry in their detail, in the order they are read; other keys come last, as stored.
DETAIL_LABELS = {
    "code": gettext_lazy("Tracking code"),
    "step": gettext_lazy("Step"),
    "from_stage": gettext_lazy("From stage"),
    "to_stage": gettext_lazy("To stage"),
    "actor_kind": gettext_lazy("Acting as"),
    "reason": gettext_lazy("Reason"),
    "where": gettext_lazy("Where"),
    "shown": gettext_lazy("Shown in full"),
    "register": gettext_lazy("Register"),
    "format": gettext_lazy("Format"),
    "filters": gettext_lazy("Filters"),
    "rows": gettext_lazy("Rows"),
    "page": gettext_lazy("Page number"),
    "object": gettext_lazy("Object"),
    "username": gettext_lazy("Account"),
    "field": gettext_lazy("Link"),
    "added": gettext_lazy("Added"),
    "removed": gettext_lazy("Removed"),
    "fields": gettext_lazy("Fields"),
    "created": gettext_lazy("On creation"),
    "changes": gettext_lazy("Changes"),
    "action": gettext_lazy("Admin action"),
    "count": gettext_lazy("Count"),
    "ids": gettext_lazy("Object ids"),
    "file": gettext_lazy("File"),
    "known_account": gettext_lazy("Account exists"),
    "locked": gettext_lazy("Account locked"),
    "summary": gettext_lazy("Conclusion"),
    "checked": gettext_lazy("Records checked"),
    "first_seq": gettext_lazy("First record"),
    "deleted": gettext_lazy("Records deleted"),
    "deleted_from": gettext_lazy("Deleted from record"),
    "deleted_to": gettext_lazy("Deleted up to record"),
    "older_than": gettext_lazy("Older than"),
    "retention_days": gettext_lazy("Retention in days"),
    "change": gettext_lazy("Change"),
    "throttled": gettext_lazy("Too many wrong codes"),
    "why": gettext_lazy("Erased because"),
    "suggestions": gettext_lazy("Suggestions"),
    "visits": gettext_lazy("Visits"),
}
# Codes the values of CODED_KEYS are stored as, so the page reads in the reader's language.
VALUE_LABELS = {
    "activities": gettext_lazy("Register of activities (活动记录簿)"),
    "admin": gettext_lazy("Django admin"),
    "audit_log": gettext_lazy("Audit log"),
    "citizen": gettext_lazy("Citizen"),
    "mobile_number": gettext_lazy("mobile number"),
    "reception_day": gettext_lazy("Reception day page"),
    "reception": gettext_lazy("Register of reception days and visitors (接待登记簿)"),
    "suggestions": gettext_lazy("Register of suggestions and their handling (意见建议办理簿)"),
    "system": gettext_lazy("System"),
    "suggestion_list": gettext_lazy("Suggestion list"),
    "suggestion_page": gettext_lazy("Suggestion page"),
    "second_factor": gettext_lazy("The log-in's second step"),
    "enrolled": gettext_lazy("Set up"),
    "disabled": gettext_lazy("Turned off"),
    "reset": gettext_lazy("Reset by the security administrator"),
    "backup_codes": gettext_lazy("New backup codes"),
    "withdrawn": gettext_lazy("Withdrawn by the citizen"),
    "retention": gettext_lazy("Retention period ended"),
}
# Kept in the record for the chain and for audit_verify, not worth a line on the page.
HIDDEN_DETAIL = {"first_prev_hash", "step_code", "from_code", "to_code", "broken_seq", "last_seq"}


CODED_KEYS = {"where", "shown", "register", "actor_kind", "change", "why"}


def _value(value, coded: bool = False) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "、".join(_value(v, coded) for v in value) or "—"
    if isinstance(value, dict):
        if set(value) == {"from", "to"}:
            return f"{_value(value['from'])} → {_value(value['to'])}"
        return "；".join(f"{k}: {_value(v)}" for k, v in value.items())
    if value in (None, ""):
        return "—"
    return str(VALUE_LABELS.get(value, value)) if coded else str(value)


def detail_lines(entry) -> list[tuple[str, str]]:
    """The record's detail as (label, text) lines, in reading order, field names and choices in words."""
    data = entry.detail_data
    if isinstance(data.get("fields"), dict):
        data["fields"] = selectors.field_change_labels(entry.object_type, data["fields"])
    if isinstance(data.get("field"), str):
        data["field"] = selectors.field_label(entry.object_type, data["field"])
    order = {key: i for i, key in enumerate(DETAIL_LABELS)}
    return [
        (str(DETAIL_LABELS.get(key, key)), _value(value, key in CODED_KEYS))
        for key, value in sorted(data.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))
        if key not in HIDDEN_DETAIL
    ]


def filters_in_force(request) -> str:
    """The query string without the empty fields a filter form sends, for the record of who looked for what."""
    return urlencode([(key, value) for key, value in request.GET.items() if value])[:300]


def _require_auditor(user) -> None:
    if not permissions.may_read_audit_log(user):
        raise PermissionDenied(_("The audit log is read by the audit administrator only."))


def audit_log(request):
    _require_auditor(request.user)
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    page = paginate(request, selectors.audit_log(filters), per_page=PER_PAGE, capped=True)
    rows = list(page)
    for entry in rows:
        entry.lines = detail_lines(entry)
        entry.object_label = selectors.object_type_label(entry.object_type) if entry.object_type else ""
    verification = selectors.last_verification()
    # Written after the page is read, so the reader's own visit is not the first line they see.
    services.record(
        AuditAction.AUDIT_VIEW,
        request=request,
        detail={"where": "audit_log", "filters": filters_in_force(request)},
    )
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "filtered": filters.any(),
            "querystring": querystring_without_page(request),
            "verification": verification,
            "verification_summary": verification.detail_data.get("summary", "") if verification else "",
            "verification_ok": verification is not None and verification.outcome == AuditOutcome.SUCCESS,
        },
    )


@require_POST
def verify_now(request):
    """Runs the whole walk in the Celery worker: a long chain takes longer than a page should."""
    _require_auditor(request.user)
    user_id = request.user.pk
    transaction.on_commit(lambda: tasks.verify_audit_chain.delay(user_id))
    messages.success(
        request, _("The chain is being verified in the background. Reload this page in a moment to see the result.")
    )
    return redirect("audit:log")
