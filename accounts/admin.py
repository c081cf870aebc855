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
from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import permissions, second_factor, selectors, services
from .forms import AccountChangeForm, AccountCreationForm, AccountPasswordForm
from .models import User

# django-otp's own pages show the devices' secret keys: whoever reads one could make the codes.
# Second factors are enrolled by their owner and reset by the security admin (the action below).
for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)


def scoped_choices(admin_site, request, model, queryset=None, using=None):
    """The rows of ``model`` a relation field may offer this user: what the model's own admin lists for them.

    The target's admin already limits its rows to the user's region subtree
    (or to nothing); a model with no admin of its own (permissions, content
    types) offers nothing to a committee admin.
    """
    if queryset is None:
        queryset = model._default_manager.using(using).all()
    if request.user.is_superuser:
        return queryset
    try:
        target = admin_site.get_model_admin(model)
    except NotRegistered:
        # Permissions and content types: only for the duties that keep accounts and roles (and the admin of
        # such a form narrows them further).
        return queryset if permissions.sees_every_region_in_admin(request.user) else queryset.none()
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
        if permissions.sees_every_region_in_admin(request.user):
            return queryset
        paths = permissions.committee_region_paths(request.user)
        if not paths:
            return queryset.none()
        query = Q(pk__in=[])
        for path in paths:
            query |= Q(**{f"{self.region_lookup}__path__startswith": path})
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


class RoleLinkAdmin(PortalModelAdmin):
    """A registry page holding one of the links that make a role (``permissions.ROLE_LINK_FIELDS``).

    The system admin changes everything on it but the link, the security admin only the link
    (三员分立); committee admins and the superuser both, as before. Accounts with an
    administrator duty cannot be linked to a business role.
    """

    def _model_fields(self) -> list[str]:
        opts = self.model._meta
        return [f.name for f in (*opts.concrete_fields, *opts.many_to_many) if f.editable and not f.primary_key]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        fields = self._model_fields()
        editable = permissions.editable_registry_fields(request.user, self.model._meta.label_lower, fields)
        return readonly + [name for name in fields if name not in editable and name not in readonly]

    def _limit_to_business_holders(self, db_field, kwargs):
        if db_field.name == permissions.role_link_field(self.model._meta.label_lower):
            queryset = kwargs.get("queryset", db_field.remote_field.model._default_manager)
            kwargs["queryset"] = queryset.filter(permissions.business_role_holders_q())
        return kwargs

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(db_field, request, **self._limit_to_business_holders(db_field, kwargs))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(db_field, request, **self._limit_to_business_holders(db_field, kwargs))


def _without_reserved_permissions(queryset):
    """Permissions that can be granted at all: those of the reserved apps come only with a duty."""
    return queryset.exclude(content_type__app_label__in=permissions.RESERVED_APP_LABELS).select_related("content_type")


class LockedFilter(admin.SimpleListFilter):
    title = _("locked after failed log-ins")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return (("1", _("Locked")), ("0", _("Not locked")))

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(is_locked=self.value() == "1")
        return queryset


@admin.register(User)
class UserAdmin(PortalModelAdmin, BaseUserAdmin):
    """Accounts. The system admin keeps them (create, names, contact, active, passwords); the
    security admin who is staff and with which groups and permissions, lockouts and second
    factors; a superuser hands out the duties. Superusers and duty accounts are changed only by
    a superuser (:func:`accounts.permissions.editable_account_fields`)."""

    form = AccountChangeForm
    add_form = AccountCreationForm
    change_password_form = AccountPasswordForm
    list_display = (
        "username",
        "full_name",
        "email",
        "phone",
        "is_active",
        "is_staff",
        "admin_duty",
        "locked",
        "second_factor",
        "last_login",
    )
    list_filter = ("admin_duty", "is_staff", "is_superuser", "is_active", LockedFilter, "groups")
    search_fields = ("username", "full_name", "email", "phone")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "first_name", "last_name", "email", "phone")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "admin_duty", "groups", "user_permissions")},
        ),
        (_("Password"), {"fields": ("must_change_password", "password_changed_at")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (_("Portal"), {"fields": ("full_name", "phone", "email")}),
    )
    actions = ["unlock_accounts", "reset_second_factor"]

    def get_queryset(self, request):
        # A committee admin chooses accounts for their subtree's roles (station staff, a unit's handlers):
        # those linked inside it, and accounts with no role yet.
        queryset = super().get_queryset(request)
        if not permissions.sees_every_region_in_admin(request.user):
            queryset = queryset.filter(permissions.admin_accounts_q(request.user))
        return selectors.with_security_state(queryset)

    @admin.display(boolean=True, description=_("locked"), ordering="is_locked")
    def locked(self, obj):
        return obj.is_locked

    @admin.display(boolean=True, description=_("two-step verification"), ordering="has_second_factor")
    def second_factor(self, obj):
        return obj.has_second_factor

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or permissions.may_set_password_of(request.user, obj):
            return fieldsets
        # The hash summary links to the set-password page; whoever may not use it does not see it.
        return tuple(
            (title, {**options, "fields": tuple(f for f in options["fields"] if f != "password")})
            for title, options in fieldsets
        )

    def get_readonly_fields(self, request, obj=None):
        always = ("password_changed_at", "last_login", "date_joined")
        if obj is None:
            return ()
        editable = permissions.editable_account_fields(request.user, obj)
        if editable is None:
            return always
        shown = [f for _title, options in self.get_fieldsets(request, obj) for f in options["fields"]]
        return tuple(f for f in shown if f not in editable and f != "password")

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or permissions.editable_account_fields(request.user, obj) != frozenset()

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, not deleted: the records they signed keep pointing at them.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "user_permissions":
            kwargs["queryset"] = _without_reserved_permissions(db_field.remote_field.model.objects)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # The autocomplete of a role link (a representative's account) offers no duty account.
        source = f"{request.GET.get('app_label', '')}.{request.GET.get('model_name', '')}"
        if request.GET.get("field_name") and request.GET["field_name"] == permissions.role_link_field(source):
            queryset = queryset.filter(permissions.business_role_holders_q())
        return queryset, may_have_duplicates

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not permissions.may_unlock_accounts(request.user):
            actions.pop("unlock_accounts", None)
            actions.pop("reset_second_factor", None)
        return actions

    def user_change_password(self, request, id, form_url=""):
        account = self.get_object(request, unquote(id))
        if account is not None and account.pk == request.user.pk:
            # One's own password is changed with the old one, on the page made for it.
            return redirect("admin:password_change")
        if account is not None and not permissions.may_set_password_of(request.user, account):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        original = User.objects.get(pk=obj.pk)
        services.account_check_change(by=request.user, account=original, fields=form.changed_data)
        duty_changed = "admin_duty" in form.changed_data
        duty = obj.admin_duty
        if duty_changed:
            obj.admin_duty = original.admin_duty
        super().save_model(request, obj, form, change)
        if duty_changed:
            services.admin_duty_assign(account=obj, duty=duty, by=request.user)

    @admin.action(description=_("Unlock the selected accounts (failed log-ins)"))
    def unlock_accounts(self, request, queryset):
        cleared = sum(1 for account in queryset if services.account_unlock(account=account, by=request.user))
        self.message_user(
            request,
            ngettext("%(count)d account unlocked.", "%(count)d accounts unlocked.", cleared) % {"count": cleared},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reset the two-step verification of the selected accounts"))
    def reset_second_factor(self, request, queryset):
        reset = 0
        for account in queryset:
            if not permissions.may_reset_second_factor(request.user, account):
                self.message_user(
                    request,
                    _("%(account)s: not reset (your own or a superuser's).") % {"account": account},
                    messages.ERROR,
                )
                continue
            reset += second_factor.second_factor_reset(account=account, by=request.user)
        self.message_user(
            request,
            ngettext(
                "Two-step verification reset for %(count)d account.",
                "Two-step verification reset for %(count)d accounts.",
                reset,
            )
            % {"count": reset},
            messages.SUCCESS,
        )


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PortalModelAdmin, BaseGroupAdmin):
    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "permissions":
            kwargs["queryset"] = _without_reserved_permissions(db_field.remote_field.model.objects)
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)
