"""The Django admin's building blocks, and the portal's admin site.

Committee admins keep the registries of their own region subtree in the admin.
Limiting the rows listed is not enough: every relation field of every form and
inline must also *offer* only rows inside the subtree and *refuse* any other id
on save (a forged POST), or an admin of one county could attach a station of
another county to a representative and read its suggestions. Every ModelAdmin
and inline of the portal is built on :class:`PortalModelAdmin` or
:class:`PortalInline`, which do both; a test generated from the admin registry
holds every relation field to it.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import permissions
from .models import User


def scoped_choices(admin_site, request, model, queryset=None, using=None):
    """The rows of ``model`` a relation field may offer this user: what the model's own admin lists for them.

    The target's admin already limits its rows to the user's region subtree
    (or to nothing); a model with no admin of its own (permissions, content
    types) offers nothing to anyone but the superuser.
    """
    if queryset is None:
        queryset = model._default_manager.using(using).all()
    if request.user.is_superuser:
        return queryset
    try:
        target = admin_site.get_model_admin(model)
    except NotRegistered:
        return queryset.none()
    return queryset.filter(pk__in=target.get_queryset(request).values("pk"))


def _keep_current_choices(form):
    """Let an edited row keep the values it already has, even where they lie outside the user's subtree.

    A county's representative may sit in the city's congress: the county admin
    cannot choose the city, but saving the representative must not fail, or
    silently drop the seat, because the city is not among their choices.
    Keeping what is there reaches nothing new; any other id is still refused.
    """
    instance = form.instance
    if instance is None or instance.pk is None:
        return
    for name, field in form.fields.items():
        if not isinstance(field, forms.ModelChoiceField):
            continue
        try:
            model_field = instance._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if model_field.many_to_many:
            current = [related.pk for related in getattr(instance, name).all()]
        elif model_field.is_relation and model_field.concrete:
            current = [getattr(instance, model_field.attname)]
        else:
            continue
        current = [pk for pk in current if pk is not None]
        if current:
            field.queryset = field.queryset | field.queryset.model._default_manager.filter(pk__in=current)


def _keeping_current_choices(form_class):
    class ScopedForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            _keep_current_choices(self)

    ScopedForm.__name__ = form_class.__name__
    ScopedForm.__qualname__ = form_class.__qualname__
    return ScopedForm


class ScopedChoicesMixin:
    """Relation fields (select, multi-select, autocomplete, inline) limited to the user's reach, checked on save.

    Django's choice fields validate a posted id against their queryset, so an
    id outside it is a form error ("选择一个有效的选项") and nothing is saved.
    The autocomplete endpoint answers from the target admin's ``get_queryset``,
    the same rows :func:`scoped_choices` offers.
    """

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self._scoped(super().formfield_for_foreignkey(db_field, request, **kwargs), request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return self._scoped(super().formfield_for_manytomany(db_field, request, **kwargs), request)

    def _scoped(self, field, request):
        # After Django (and any admin above) chose the queryset: whatever it is, it is narrowed here.
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = scoped_choices(self.admin_site, request, field.queryset.model, field.queryset)
        return field


class PortalModelAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """Every ModelAdmin of the portal: relation choices scoped, current values kept."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        return _keeping_current_choices(super().get_form(request, obj, change=change, **kwargs))


class PortalInline(ScopedChoicesMixin, admin.TabularInline):
    """Every inline of the portal: the same rules as :class:`PortalModelAdmin`, row by row."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = _keeping_current_choices(formset.form)
        return formset


class RegionScopedAdmin(PortalModelAdmin):
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
        for region_path in paths:
            query |= Q(**{f"{self.region_lookup}__path__startswith": region_path})
        return queryset.filter(query).distinct()


class SharedRegistryAdmin(PortalModelAdmin):
    """Lists that hold for every county (categories, kinds, rules, the calendar): kept by the top-level committee.

    A county committee reads them; changing one would change every other county's work.
    """

    def _may_edit(self, request) -> bool:
        return permissions.may_edit_shared_registries(request.user)

    def has_add_permission(self, request, *args):
        return self._may_edit(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request) and super().has_delete_permission(request, obj)


@admin.register(User)
class UserAdmin(PortalModelAdmin, BaseUserAdmin):
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

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if not permissions.may_grant_permissions(request.user):
            # Whoever could tick these could make any account (their own first) reach everything.
            return (*fields, "is_superuser", "is_staff", "groups", "user_permissions")
        return fields

    def get_queryset(self, request):
        """Accounts linked inside the admin's subtree, and accounts linked to nothing yet (to be given a role)."""
        return super().get_queryset(request).filter(permissions.admin_accounts_q(request.user))

    def has_change_permission(self, request, obj=None):
        # An account that also works outside the subtree is not the county's to change (its password, its name).
        if obj is not None and not permissions.account_within_scope(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not permissions.account_within_scope(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PortalModelAdmin, BaseGroupAdmin):
    """Groups carry admin permissions: kept only by those who may grant permissions at all."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if permissions.may_grant_permissions(request.user) else queryset.none()

    def has_add_permission(self, request):
        return permissions.may_grant_permissions(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return permissions.may_grant_permissions(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return permissions.may_grant_permissions(request.user) and super().has_delete_permission(request, obj)
