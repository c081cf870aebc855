from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import permissions
from .models import User


class RegionScopedAdmin(admin.ModelAdmin):
    """Committee admins maintain the registries of their own region subtree only.

    ``region_lookup`` names the path to the region ("region", "residencies__station__region").
    """

    region_lookup = "region"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        paths = permissions.committee_region_paths(request.user)
        if not paths:
            return queryset.none()
        query = Q(pk__in=[])
        for path in paths:
            query |= Q(**{f"{self.region_lookup}__path__startswith": path})
        return queryset.filter(query).distinct()


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "email", "phone", "is_active", "is_staff", "last_login")
    search_fields = ("username", "full_name", "email", "phone")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("full_name", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Portal"), {"fields": ("full_name", "phone", "email")}),
    )
