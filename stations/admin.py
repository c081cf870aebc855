from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.admin import RegionScopedAdmin, RoleLinkAdmin, SharedRegistryAdmin

from . import reception
from .models import IndustryChain, ReceptionDay, ReceptionRule, Region, StandardItem, Station, Visit

admin.site.empty_value_display = _("(none)")


@admin.register(Region)
class RegionAdmin(RoleLinkAdmin):
    list_display = ("name", "level", "parent", "path")
    list_filter = ("level",)
    search_fields = ("name",)
    autocomplete_fields = ("parent",)
    filter_horizontal = ("committee_admins",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if permissions.sees_every_region_in_admin(request.user):
            return queryset
        return queryset.filter(permissions.visible_regions_q(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "parent" and not permissions.sees_every_region_in_admin(request.user):
            # A region without a parent would be a new tree outside every committee's subtree.
            field.required = True
        return field


@admin.register(IndustryChain)
class IndustryChainAdmin(SharedRegistryAdmin):
    list_display = ("name", "parks_count", "enterprises_count", "cooperatives_count")
    search_fields = ("name",)


@admin.register(StandardItem)
class StandardItemAdmin(SharedRegistryAdmin):
    list_display = ("group", "name", "order", "is_active")
    list_filter = ("group", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("group", "name")


@admin.register(Station)
class StationAdmin(RoleLinkAdmin, RegionScopedAdmin):
    """Deleting a station that residents, sub-points or (later) suggestions use is
    refused by the PROTECT foreign keys: the admin lists what still uses it."""

    list_display = ("name", "code", "kind", "status", "region", "parent", "is_legislative_contact_point")
    list_filter = ("kind", "status", "is_legislative_contact_point", "industry_chain")
    search_fields = ("name", "code", "address")
    readonly_fields = ("code", "created_at", "updated_at")
    autocomplete_fields = ("region", "parent", "head", "industry_chain")
    filter_horizontal = ("staff", "standard_items_met")


# Reception days (代表接待日) ---------------------------------------------------------


class ReceptionRuleForm(forms.ModelForm):
    class Meta:
        model = ReceptionRule
        fields = reception.RULE_FIELDS

    def clean_duty_max(self):
        duty_max = self.cleaned_data["duty_max"]
        if duty_max is not None and not 1 <= duty_max <= reception.MAX_ON_DUTY:
            # The service's own message, so that it is already translated.
            raise forms.ValidationError(
                _("Between 1 and %(max)s representatives can be on duty."), params={"max": reception.MAX_ON_DUTY}
            )
        return duty_max


@admin.register(ReceptionRule)
class ReceptionRuleAdmin(RegionScopedAdmin):
    """Saved through the same service as the station pages, so the coming weeks' days are scheduled."""

    region_lookup = "station__region"
    form = ReceptionRuleForm
    list_display = ("station", "__str__", "start_time", "end_time", "duty_min", "duty_max", "starts_on", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("station__name",)
    list_select_related = ("station",)
    autocomplete_fields = ("station",)

    def get_fields(self, request, obj=None):
        return ("station", *reception.RULE_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        # A rule stays with its station; the service refuses to move it.
        return ("station",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        data = {field: getattr(obj, field) for field in reception.RULE_FIELDS}
        reception.reception_rule_save(station=obj.station, by=request.user, data=data, rule=obj)


@admin.register(ReceptionDay)
class ReceptionDayAdmin(RegionScopedAdmin):
    """Days are made by rules or on the station pages; here a day can be looked up, noted or cancelled."""

    region_lookup = "station__region"
    list_display = ("date", "station", "start_time", "end_time", "is_cancelled", "missed_flagged_at")
    list_filter = (
        "is_cancelled",
        ("missed_flagged_at", admin.EmptyFieldListFilter),
        ("date", admin.DateFieldListFilter),
    )
    search_fields = ("station__name", "note")
    date_hierarchy = "date"
    list_select_related = ("station",)
    fields = (
        "station",
        "date",
        "start_time",
        "end_time",
        "rule",
        "on_duty",
        "note",
        "is_cancelled",
        "missed_flagged_at",
    )
    readonly_fields = ("station", "date", "start_time", "end_time", "rule", "on_duty", "missed_flagged_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(RegionScopedAdmin):
    """Visits are logged on the reception-day pages, which also turn them into suggestions: read-only here."""

    region_lookup = "reception_day__station__region"
    exclude = ("visitor_phone",)  # a committee admin does not call visitors back
    list_display = ("created_at", "reception_day", "visitor_name", "answered_on_spot", "created_by")
    list_filter = ("answered_on_spot", ("created_at", admin.DateFieldListFilter))
    # Not the visitor's name: it is stored encrypted, and the database cannot search inside it.
    search_fields = ("summary", "reception_day__station__name")
    date_hierarchy = "created_at"
    list_select_related = ("reception_day__station", "created_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
