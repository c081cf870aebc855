"""The audit log page: for the audit administrator (审计管理员) only; 403 for everyone else, the superuser included."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import permissions
from liaison.pagination import paginate, querystring_without_page

from . import selectors, services, tasks
from .forms import AuditFilterForm
from .models import AuditAction, AuditOutcome

PER_PAGE = 50

# Words for the keys records carry in their detail; a key not listed is shown as stored.
DETAIL_LABELS = {
    "action": gettext_lazy("Admin action"),
    "actor_kind": gettext_lazy("Acting as"),
    "added": gettext_lazy("Added"),
    "changes": gettext_lazy("Changes"),
    "checked": gettext_lazy("Records checked"),
    "code": gettext_lazy("Tracking code"),
    "count": gettext_lazy("Count"),
    "created": gettext_lazy("On creation"),
    "deleted": gettext_lazy("Records deleted"),
    "field": gettext_lazy("Link"),
    "fields": gettext_lazy("Fields"),
    "file": gettext_lazy("File"),
    "filters": gettext_lazy("Filters"),
    "first_seq": gettext_lazy("First record"),
    "format": gettext_lazy("Format"),
    "from_stage": gettext_lazy("From stage"),
    "ids": gettext_lazy("Object ids"),
    "known_account": gettext_lazy("Account exists"),
    "locked": gettext_lazy("Account locked"),
    "object": gettext_lazy("Object"),
    "reason": gettext_lazy("Reason"),
    "register": gettext_lazy("Register"),
    "removed": gettext_lazy("Removed"),
    "rows": gettext_lazy("Rows"),
    "shown": gettext_lazy("Shown in full"),
    "step": gettext_lazy("Step"),
    "summary": gettext_lazy("Conclusion"),
    "to_stage": gettext_lazy("To stage"),
    "username": gettext_lazy("Account"),
    "where": gettext_lazy("Where"),
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
}
# Kept in the record for the chain and for audit_verify, not worth a line on the page.
HIDDEN_DETAIL = {"first_prev_hash", "step_code", "from_code", "to_code", "broken_seq", "last_seq", "query"}


CODED_KEYS = {"where", "shown", "register", "actor_kind"}


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
    return [
        (str(DETAIL_LABELS.get(key, key)), _value(value, key in CODED_KEYS))
        for key, value in entry.detail_data.items()
        if key not in HIDDEN_DETAIL
    ]


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
        detail={"where": "audit_log", "query": request.GET.urlencode()[:300]},
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
