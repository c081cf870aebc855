from django.contrib import admin

from accounts import permissions
from accounts.admin import PortalInline, RegionScopedAdmin, RoleLinkAdmin, SharedRegistryAdmin

from .models import CongressMembership, ProfessionalGroup, Representative, Residency


class MembershipInline(PortalInline):
    model = CongressMembership
    extra = 0
    autocomplete_fields = ("region",)


class ResidencyInline(PortalInline):
    model = Residency
    extra = 0
    autocomplete_fields = ("station",)


@admin.register(ProfessionalGroup)
class ProfessionalGroupAdmin(SharedRegistryAdmin):
    list_display = ("name", "description")
    search_fields = ("name",)


@admin.register(Representative)
class RepresentativeAdmin(RoleLinkAdmin, RegionScopedAdmin):
    region_lookup = "residencies__station__region"
    list_display = ("name", "code", "gender", "group", "occupation", "phone")
    list_filter = ("gender", "group", "memberships__level")
    search_fields = ("name", "code", "occupation", "phone")
    readonly_fields = ("code", "created_at")
    autocomplete_fields = ("user", "group")
    inlines = [MembershipInline, ResidencyInline]

    def has_change_permission(self, request, obj=None):
        # Resident also outside the subtree: its account would read those stations' suggestions too.
        if obj is not None and not permissions.representative_within_scope(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not permissions.representative_within_scope(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(CongressMembership)
class CongressMembershipAdmin(RegionScopedAdmin):
    region_lookup = "representative__residencies__station__region"
    list_display = ("representative", "level", "term", "region")
    list_filter = ("level", "term")
    search_fields = ("representative__name", "term")
    autocomplete_fields = ("representative", "region")


@admin.register(Residency)
class ResidencyAdmin(RegionScopedAdmin):
    region_lookup = "station__region"
    list_display = ("representative", "station", "since")
    search_fields = ("representative__name", "station__name")
    autocomplete_fields = ("representative", "station")
