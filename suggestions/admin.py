from django.contrib import admin

from accounts.admin import RegionScopedAdmin

from .models import HandlingUnit


@admin.register(HandlingUnit)
class HandlingUnitAdmin(RegionScopedAdmin):
    list_display = ("name", "short_name", "region", "phone", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "short_name")
    autocomplete_fields = ("region",)
    filter_horizontal = ("handlers",)
