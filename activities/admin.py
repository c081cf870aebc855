from django.contrib import admin

from accounts.admin import PortalInline, RegionScopedAdmin, SharedRegistryAdmin

from .models import Activity, ActivityKind, ActivityPhoto, ScoringRule


@admin.register(ActivityKind)
class ActivityKindAdmin(SharedRegistryAdmin):
    list_display = ["name", "order", "is_active"]
    list_editable = ["order", "is_active"]


class ActivityPhotoInline(PortalInline):
    """Photos are shown and may be removed here; they are added on the activity's page, where every photo is
    measured and stripped of its EXIF block (core/images.py). An upload here would skip both."""

    model = ActivityPhoto
    extra = 0
    readonly_fields = ["file", "original_name", "size"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(RegionScopedAdmin):
    region_lookup = "station__region"
    list_display = ["date", "title", "kind", "station"]
    list_filter = ["kind"]
    search_fields = ["title", "summary"]
    date_hierarchy = "date"
    autocomplete_fields = ["station", "representatives"]
    readonly_fields = ["created_by"]  # who entered it is a record, not a choice
    inlines = [ActivityPhotoInline]


@admin.register(ScoringRule)
class ScoringRuleAdmin(SharedRegistryAdmin):
    list_display = ["__str__", "points", "within_days", "cap", "is_active"]
    list_editable = ["points", "within_days", "cap", "is_active"]
    list_filter = ["basis", "is_active"]
