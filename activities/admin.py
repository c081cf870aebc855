from django.contrib import admin

from accounts import permissions
from accounts.admin import RegionScopedAdmin

from .models import Activity, ActivityKind, ActivityPhoto, ScoringRule


class TopCommitteeEditsAdmin(admin.ModelAdmin):
    """Rules that hold for every county: kept by the top-level committee; other committees read them."""

    def _may_edit(self, request) -> bool:
        user = request.user
        return user.is_superuser or any(path.count("/") == 1 for path in permissions.committee_region_paths(user))

    def has_add_permission(self, request):
        return self._may_edit(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request) and super().has_delete_permission(request, obj)


@admin.register(ActivityKind)
class ActivityKindAdmin(TopCommitteeEditsAdmin):
    list_display = ["name", "order", "is_active"]
    list_editable = ["order", "is_active"]


class ActivityPhotoInline(admin.TabularInline):
    """Photos are shown and may be removed here; they are added on the activity's page, where every photo is
    measured and stripped of its EXIF block (liaison/images.py). An upload here would skip both."""

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
    inlines = [ActivityPhotoInline]


@admin.register(ScoringRule)
class ScoringRuleAdmin(TopCommitteeEditsAdmin):
    list_display = ["__str__", "points", "within_days", "cap", "is_active"]
    list_editable = ["points", "within_days", "cap", "is_active"]
    list_filter = ["basis", "is_active"]
