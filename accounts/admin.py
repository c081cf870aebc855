from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
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


class RegionScopedAdmin(admin.ModelAdmin):
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


class RoleLinkAdmin(admin.ModelAdmin):
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
class UserAdmin(BaseUserAdmin):
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
        return selectors.with_security_state(super().get_queryset(request))

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
class GroupAdmin(BaseGroupAdmin):
    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "permissions":
            kwargs["queryset"] = _without_reserved_permissions(db_field.remote_field.model.objects)
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)
