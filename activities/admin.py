from django.contrib import admin

from accounts.admin import PortalInline, RegionScopedAdmin, SharedRegistryAdmin

from .models import Activity, ActivityKind, ActivityPhoto, ScoringRule


@admin.register(ActivityKind)
class ActivityKindAdmin(SharedRegistryAdmin):
    list_display = ["name", "order", "is_active"]
    list_editable = ["order", "is_active"]


class ActivityPhotoInline(PortalInline):
    model = ActivityPhoto
    extra = 0
    readonly_fields = ["original_name", "size"]


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
