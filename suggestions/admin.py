"""The suggestions app in the Django admin, for committee admins and the superuser.

The closed loop's records (suggestions, assignments, replies, ratings, the
timeline, reminders and escalations, notifications) are changed only through
``suggestions.loop.actions`` and ``suggestions.intake.services``, which check rights and write
the timeline: here they are for looking up, never for editing. What committee
admins configure — categories, deadline policies and the working-day calendar
— is editable. Every list is limited to the admin's own region subtree.
"""

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy

from accounts import permissions
from accounts.admin import PortalInline, PortalModelAdmin, RegionScopedAdmin, RoleLinkAdmin, SharedRegistryAdmin
from audit import services as audit
from core import workdays
from core.sms import mask_phone
from stations.models import Region
from suggestions.intake import services
from suggestions.models import (
    Assignment,
    Attachment,
    CalendarOverride,
    Category,
    DeadlinePolicy,
    Event,
    ExtensionRequest,
    HandlingUnit,
    Notification,
    Rating,
    Reply,
    Suggestion,
    Supervision,
)


@admin.register(HandlingUnit)
class HandlingUnitAdmin(RoleLinkAdmin, RegionScopedAdmin):
    list_display = ("name", "short_name", "region", "phone", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "short_name")
    autocomplete_fields = ("region",)
    filter_horizontal = ("handlers",)


class SuggestionScopedAdmin(RegionScopedAdmin):
    """Scoped like :class:`RegionScopedAdmin`, for rows that reach one region through foreign keys.

    The region filter is a subquery on the small region table instead of a join
    with ``DISTINCT``: these tables grow to hundreds of thousands of rows, and a
    ``DISTINCT`` over every column would sort all of them before showing a page.
    """

    def get_queryset(self, request):
        # Skip RegionScopedAdmin's join + DISTINCT; the subquery below scopes the same subtrees.
        queryset = PortalModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        regions = Region.objects.filter(permissions.visible_regions_q(request.user)).values("pk")
        return queryset.filter(**{f"{self.region_lookup}__in": regions})


class RecordAdmin(SuggestionScopedAdmin):
    """A record of the loop: viewed here, written only by the loop's services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Configuration ----------------------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(SharedRegistryAdmin):
    list_display = ("name", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(SharedRegistryAdmin):
    list_display = ("__str__", "category", "urgency", "accept_days", "reply_days", "rating_days")
    list_filter = ("urgency", "category")
    search_fields = ("category__name",)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(SharedRegistryAdmin):
    """Holidays and make-up days for years the calendar package does not know (2027 on)."""

    list_display = ("date", "is_workday", "note")
    list_filter = ("is_workday", ("date", admin.DateFieldListFilter))
    search_fields = ("note",)
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _calendar_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _calendar_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        _calendar_changed()


def _calendar_changed():
    """Deadlines read the overrides through a per-process cache: forget it now and again after commit.

    Now, so that this request sees the change; after commit, in case another
    thread reloaded the cache from the database before the change was visible.
    Other processes pick the change up within ``workdays.CACHE_SECONDS``.
    """
    workdays.clear_cache()
    transaction.on_commit(workdays.clear_cache)


# The loop's records -------------------------------------------------------------------


class AttachmentInline(PortalInline):
    model = Attachment
    fields = ("original_name", "content_type", "size", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class AssignmentInline(PortalInline):
    model = Assignment
    fields = ("unit", "role", "status", "accept_due", "reply_due", "responsible", "flagged")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Suggestion)
class SuggestionAdmin(SuggestionScopedAdmin):
    """Read-mostly: only the category may be corrected here, and the correction goes on the timeline."""

    list_display = (
        "tracking_code",
        "title",
        "station",
        "channel",
        "stage",
        "category",
        "is_enterprise",
        "flagged",
        "received_at",
    )
    list_filter = ("stage", "channel", "is_enterprise", "flagged", "urgency", "category")
    search_fields = ("=tracking_code", "title")
    date_hierarchy = "received_at"
    list_select_related = ("station", "category")
    show_full_result_count = False
    fields = (
        "tracking_code",
        "title",
        "content",
        "location",
        "category",
        "urgency",
        "station",
        "region",
        "representative",
        "channel",
        "is_enterprise",
        "enterprise_name",
        "submitter_name",
        "masked_phone",
        "consent_version",
        "consent_at",
        "received_at",
        "stage",
        "assessor",
        "flagged",
        "under_committee_supervision",
        "redo_count",
        "marked_for_proposal",
        "answer",
        "answer_released_at",
        "rating_due",
        "outcome",
        "duplicate_of",
        "visit",
        "created_by",
        "created_at",
        "stage_changed_at",
        "closed_at",
    )
    inlines = [AssignmentInline, AttachmentInline]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        # As on the portal's pages: only the station's own staff see the number in full and call back.
        if obj is not None and permissions.may_see_full_phone(request.user, obj):
            return [("submitter_phone" if name == "masked_phone" else name) for name in self.fields]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return [name for name in self.get_fields(request, obj) if name != "category"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("original")
        if obj is not None and obj.submitter_phone and permissions.may_see_full_phone(request.user, obj):
            audit.record(
                audit.AuditAction.PERSONAL_DATA_VIEW,
                request=request,
                obj=obj,
                detail={"where": "admin", "shown": "mobile_number", "code": obj.tracking_code},
            )
        return response

    @admin.display(description=gettext_lazy("mobile number"))
    def masked_phone(self, obj):
        return mask_phone(obj.submitter_phone)

    def save_model(self, request, obj, form, change):
        # Not obj.save(): only the corrected field is written, and the timeline says who changed it.
        if form.changed_data:
            services.suggestion_set_category(suggestion=obj, category=obj.category, by=request.user)


@admin.register(Attachment)
class AttachmentAdmin(RecordAdmin):
    region_lookup = "suggestion__region"
    # The file itself is served only by the portal's own view, which checks who may see it.
    fields = ("suggestion", "original_name", "content_type", "size", "created_at")
    list_display = ("original_name", "suggestion", "content_type", "size", "created_at")
    list_filter = ("content_type",)
    search_fields = ("original_name", "=suggestion__tracking_code")
    list_select_related = ("suggestion",)


@admin.register(Event)
class EventAdmin(RecordAdmin):
    region_lookup = "suggestion__region"
    list_display = ("created_at", "suggestion", "kind", "action", "from_stage", "to_stage", "actor")
    list_filter = ("kind", "action", "to_stage")
    search_fields = ("=suggestion__tracking_code", "suggestion__title", "note", "public_text")
    date_hierarchy = "created_at"
    list_select_related = ("suggestion", "actor")
    show_full_result_count = False


@admin.register(Assignment)
class AssignmentAdmin(RecordAdmin):
    region_lookup = "suggestion__region"
    list_display = ("suggestion", "unit", "role", "status", "accept_due", "reply_due", "responsible", "flagged")
    list_filter = ("status", "role", "flagged")
    search_fields = ("=suggestion__tracking_code", "suggestion__title", "unit__name")
    date_hierarchy = "reply_due"
    list_select_related = ("suggestion", "unit", "responsible")
    show_full_result_count = False


@admin.register(Reply)
class ReplyAdmin(RecordAdmin):
    region_lookup = "assignment__suggestion__region"
    list_display = ("assignment", "result", "by", "created_at")
    list_filter = ("result",)
    search_fields = ("=assignment__suggestion__tracking_code", "assignment__unit__name", "text")
    list_select_related = ("assignment__suggestion", "assignment__unit", "by")


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(RecordAdmin):
    region_lookup = "assignment__suggestion__region"
    list_display = ("assignment", "status", "requested_due", "granted_due", "requested_by", "decided_by", "created_at")
    list_filter = ("status",)
    search_fields = ("=assignment__suggestion__tracking_code", "assignment__unit__name", "reason")
    list_select_related = ("assignment__suggestion", "assignment__unit", "requested_by", "decided_by")


@admin.register(Supervision)
class SupervisionAdmin(RecordAdmin):
    region_lookup = "assignment__suggestion__region"
    list_display = ("assignment", "kind", "deadline", "created_at", "notified_at")
    list_filter = ("kind", ("deadline", admin.DateFieldListFilter))
    search_fields = (
        "=assignment__suggestion__tracking_code",
        "assignment__suggestion__title",
        "assignment__unit__name",
    )
    date_hierarchy = "created_at"
    list_select_related = ("assignment__suggestion", "assignment__unit")
    show_full_result_count = False


@admin.register(Rating)
class RatingAdmin(RecordAdmin):
    region_lookup = "suggestion__region"
    list_display = ("suggestion", "verdict", "round", "created_at")
    list_filter = ("verdict",)
    search_fields = ("=suggestion__tracking_code", "suggestion__title", "comment")
    list_select_related = ("suggestion",)


@admin.register(Notification)
class NotificationAdmin(RecordAdmin):
    """A committee admin sees their own notifications here; the superuser sees everyone's."""

    list_display = ("created_at", "user", "text", "read_at", "emailed_at")
    list_filter = (
        ("read_at", admin.EmptyFieldListFilter),
        ("emailed_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("text", "user__username", "user__full_name")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = PortalModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(user=request.user)
