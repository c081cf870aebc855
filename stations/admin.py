from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.admin import RegionScopedAdmin

from .models import IndustryChain, Region, StandardItem, Station

admin.site.empty_value_display = _("(none)")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "parent", "path")
    list_filter = ("level",)
    search_fields = ("name",)
    autocomplete_fields = ("parent",)
    filter_horizontal = ("committee_admins",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(permissions.visible_regions_q(request.user))


@admin.register(IndustryChain)
class IndustryChainAdmin(admin.ModelAdmin):
    list_display = ("name", "parks_count", "enterprises_count", "cooperatives_count")
    search_fields = ("name",)


@admin.register(StandardItem)
class StandardItemAdmin(admin.ModelAdmin):
    list_display = ("group", "name", "order", "is_active")
    list_filter = ("group", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("group", "name")


@admin.register(Station)
class StationAdmin(RegionScopedAdmin):
    """Deleting a station that residents, sub-points or (later) suggestions use is
    refused by the PROTECT foreign keys: the admin lists what still uses it."""

    list_display = ("name", "code", "kind", "status", "region", "parent", "is_legislative_contact_point")
    list_filter = ("kind", "status", "is_legislative_contact_point", "industry_chain")
    search_fields = ("name", "code", "address")
    readonly_fields = ("code", "created_at", "updated_at")
    autocomplete_fields = ("region", "parent", "head", "industry_chain")
    filter_horizontal = ("staff", "standard_items_met")
