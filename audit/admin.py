"""The audit trail in the admin: read-only, and only for the audit administrator.

Also replaces the admin's site-wide "delete selected" action with one that
records what it deleted: Django writes the log entries of a bulk deletion with
``bulk_create``, which sends no signal, so :mod:`audit.receivers` would miss them.
"""

import functools

from django.contrib import admin
from django.contrib.admin.actions import delete_selected

from accounts import permissions

from .models import AuditAction, AuditRecord
from .services import record
from .views import filters_in_force


@functools.wraps(delete_selected)
def audited_delete_selected(modeladmin, request, queryset):
    confirmed = bool(request.POST.get("post"))
    pks = [str(pk) for pk in queryset.values_list("pk", flat=True)[:200]] if confirmed else []
    response = delete_selected(modeladmin, request, queryset)
    # None after a confirmed POST means the objects are gone; anything else is the confirmation page.
    if confirmed and response is None and pks:
        record(
            AuditAction.ADMIN_ACTION,
            request=request,
            object_type=modeladmin.model._meta.label_lower,
            detail={"action": "delete_selected", "count": len(pks), "ids": pks},
        )
    return response


admin.site.add_action(audited_delete_selected, "delete_selected")


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = ("seq", "created_at", "actor_username", "ip", "action", "object_type", "object_id", "outcome")
    list_filter = ("action", "outcome")
    search_fields = ("actor_username", "object_id", "ip")
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over the whole trail on every page

    def has_module_permission(self, request):
        return permissions.may_read_audit_log(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.may_read_audit_log(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if permissions.may_read_audit_log(request.user):
            record(
                AuditAction.AUDIT_VIEW,
                request=request,
                detail={"where": "admin", "filters": filters_in_force(request)},
            )
        return response
