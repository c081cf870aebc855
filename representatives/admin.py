from django.contrib import admin

from accounts.admin import RegionScopedAdmin, RoleLinkAdmin

from .models import CongressMembership, ProfessionalGroup, Representative, Residency


class MembershipInline(admin.TabularInline):
    model = CongressMembership
    extra = 0
    autocomplete_fields = ("region",)


class ResidencyInline(admin.TabularInline):
    model = Residency
    extra = 0
    autocomplete_fields = ("station",)


@admin.register(ProfessionalGroup)
class ProfessionalGroupAdmin(admin.ModelAdmin):
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
