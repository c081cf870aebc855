"""Events Django and django-axes announce by signal, turned into audit records.

Logins, failed logins, logouts and lockouts; changes recorded in the admin's own
log; password changes; changes of the fields and links that make up an
account's roles. Apps above ``audit`` name their role links with
:func:`watch_links` and :func:`watch_fields` from their ``AppConfig.ready``, so
this module imports none of them.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from accounts import signals as account_signals

from .models import AuditAction, AuditOutcome
from .services import current_request, record

User = get_user_model()

# Account fields that grant or take away rights (三员分立 duty, superuser, admin access, the account itself).
USER_ROLE_FIELDS = ("admin_duty", "is_superuser", "is_staff", "is_active")


# Sign-in ----------------------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    record(AuditAction.LOGIN, request=request, actor=user, obj=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(AuditAction.LOGOUT, request=request, actor=user, obj=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    typed = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")[:150]
    # A name that is no account is often a password typed into the wrong box: it is not written down.
    account = User.objects.filter(**{User.USERNAME_FIELD: typed}).only("pk", User.USERNAME_FIELD).first()
    record(
        AuditAction.LOGIN_FAILED,
        request=request,
        actor=None,
        username=account.get_username() if account else "",
        obj=account,
        outcome=AuditOutcome.FAILED,
        detail={"known_account": account is not None, "locked": bool(getattr(request, "axes_locked_out", False))},
    )


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    account = User.objects.filter(**{User.USERNAME_FIELD: username or ""}).only("pk", User.USERNAME_FIELD).first()
    record(
        AuditAction.LOCKOUT,
        request=request,
        actor=None,
        username=account.get_username() if account else "",
        obj=account,
        outcome=AuditOutcome.DENIED,
        detail={"known_account": account is not None},
    )


@receiver(account_signals.second_factor_failed, dispatch_uid="audit_second_factor_failed")
def _second_factor_failed(sender, account, request, throttled, **kwargs):
    # The password was right, the code was not: a failed log-in all the same.
    record(
        AuditAction.LOGIN_FAILED,
        request=request,
        actor=None,
        username=account.get_username(),
        obj=account,
        outcome=AuditOutcome.FAILED,
        detail={"where": "second_factor", "throttled": bool(throttled)},
    )


@receiver(account_signals.second_factor_changed, dispatch_uid="audit_second_factor_changed")
def _second_factor_changed(sender, account, by, change, **kwargs):
    record(AuditAction.SECOND_FACTOR, actor=by, obj=account, detail={"change": change})


@receiver(account_signals.account_unlocked, dispatch_uid="audit_account_unlocked")
def _account_unlocked(sender, account, by, **kwargs):
    record(AuditAction.ACCOUNT_UNLOCK, actor=by, obj=account)


# The admin's own log: every add, change and delete made through a ModelAdmin ------------------------------

_ADMIN_ACTIONS = {ADDITION: AuditAction.ADMIN_ADD, CHANGE: AuditAction.ADMIN_CHANGE, DELETION: AuditAction.ADMIN_DELETE}


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_log")
def _admin_logged(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    content_type = ContentType.objects.get_for_id(instance.content_type_id) if instance.content_type_id else None
    record(
        _ADMIN_ACTIONS.get(instance.action_flag, AuditAction.ADMIN_CHANGE),
        actor=User(pk=instance.user_id, **{User.USERNAME_FIELD: _username(instance.user_id)}),
        object_type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
        object_id=instance.object_id or "",
        # Field names only: the admin's change message never carries the values.
        detail={"changes": instance.get_change_message()},
    )


def _username(pk) -> str:
    request = current_request()
    user = getattr(request, "user", None)
    if user is not None and user.pk == pk:
        return user.get_username()
    return User.objects.filter(pk=pk).values_list(User.USERNAME_FIELD, flat=True).first() or ""


# Fields that carry rights, and passwords ---------------------------------------------------------------


def watch_fields(model, fields: tuple[str, ...], *, describe=None) -> None:
    """Record a ROLE_CHANGE whenever one of ``fields`` of ``model`` changes value (or differs from its default
    on creation).

    The old values are read in ``pre_save``, one query, and only when the save may touch these fields.
    ``describe(instance)`` adds plain words about the object (its name) to the record.
    """
    uid = f"audit_watch_{model._meta.label_lower}"

    def before(sender, instance, update_fields=None, raw=False, **kwargs):
        if raw or (update_fields is not None and not set(update_fields) & set(fields)):
            instance._audit_old = None
            return
        if instance._state.adding:
            # A new account starts from the fields' defaults: only rights beyond them are worth a record.
            instance._audit_old = {
                column: model._meta.get_field(name).get_default()
                for name, column in zip(fields, _columns(model, fields), strict=True)
            }
            return
        instance._audit_old = model._default_manager.filter(pk=instance.pk).values(*_columns(model, fields)).first()

    def after(sender, instance, created, raw=False, **kwargs):
        old = getattr(instance, "_audit_old", None)
        instance._audit_old = None
        if old is None:
            return
        changes = {}
        for name in fields:
            column = _columns(model, (name,))[0]
            before_value, now = old.get(column), getattr(instance, column)
            if before_value != now:
                changes[name] = {"from": _shown(model, column, before_value), "to": _shown(model, column, now)}
        if changes:
            detail = {"fields": changes, "created": created}
            if describe is not None:
                detail.update(describe(instance))
            record(AuditAction.ROLE_CHANGE, obj=instance, detail=detail)

    pre_save.connect(before, sender=model, weak=False, dispatch_uid=f"{uid}_pre")
    post_save.connect(after, sender=model, weak=False, dispatch_uid=f"{uid}_post")


def _columns(model, fields) -> list[str]:
    return [model._meta.get_field(name).attname for name in fields]


def _shown(model, column: str, value):
    """Foreign keys by the account's name, when they point at an account; other values as they are."""
    field = next(f for f in model._meta.concrete_fields if f.attname == column)
    if field.is_relation and field.related_model is User and value is not None:
        return User.objects.filter(pk=value).values_list(User.USERNAME_FIELD, flat=True).first() or value
    return value


def _describe_user(user) -> dict:
    return {"username": user.get_username()}


watch_fields(User, USER_ROLE_FIELDS, describe=_describe_user)


@receiver(post_save, sender=User, dispatch_uid="audit_password")
def _password_saved(sender, instance, created, raw=False, **kwargs):
    """``set_password`` leaves the new password on the instance until save: that is a real change.

    A hash upgraded at login is saved without it, so it is not mistaken for one. Who did it decides the
    action: the account itself, someone else (an administrator), or nobody signed in (the e-mailed link).
    """
    if created or raw or getattr(instance, "_password", None) is None:
        return
    request = current_request()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.pk != instance.pk:
        action, actor = AuditAction.PASSWORD_SET, user
    elif user is not None and user.is_authenticated:
        action, actor = AuditAction.PASSWORD_CHANGE, instance
    elif request is not None:
        action, actor = AuditAction.PASSWORD_RESET, instance
    else:  # a management command: changepassword, a script
        action, actor = AuditAction.PASSWORD_SET, None
    record(action, actor=actor, obj=instance, detail={"username": instance.get_username()})


# Links that make up roles ---------------------------------------------------------------------------------


def watch_links(model, field_name: str) -> None:
    """Record a ROLE_CHANGE for every account added to or removed from ``model.<field_name>`` (many-to-many).

    Works from either side (``station.staff.add(user)`` and ``user.staff_stations.add(station)``); the record
    is about the object on the forward side and names the accounts by username.
    """
    field = model._meta.get_field(field_name)
    through = getattr(model, field_name).through
    target = field.related_model

    def changed(sender, instance, action, reverse, pk_set, **kwargs):
        if action == "pre_clear":
            related = getattr(instance, field.remote_field.get_accessor_name() if reverse else field_name)
            instance._audit_cleared = set(related.values_list("pk", flat=True))
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        pks = instance.__dict__.pop("_audit_cleared", set()) if action == "post_clear" else set(pk_set or ())
        if not pks:
            return
        verb = "added" if action == "post_add" else "removed"
        if reverse:
            owners = list(field.model._default_manager.filter(pk__in=pks))
            for owner in owners:
                _link_record(owner, field_name, verb, [instance], target)
        else:
            others = list(target._default_manager.filter(pk__in=pks))
            _link_record(instance, field_name, verb, others, target)

    m2m_changed.connect(
        changed, sender=through, weak=False, dispatch_uid=f"audit_links_{model._meta.label_lower}_{field_name}"
    )


def _link_record(owner, field_name: str, verb: str, others: list, target) -> None:
    names = [o.get_username() if isinstance(o, User) else f"{o} (#{o.pk})" for o in others]
    detail = {"field": field_name, verb: sorted(names)}
    if not isinstance(owner, User):
        detail["object"] = str(owner)
    else:
        detail["username"] = owner.get_username()
    record(AuditAction.ROLE_CHANGE, obj=owner, detail=detail)


watch_links(User, "groups")
watch_links(User, "user_permissions")
watch_links(Group, "permissions")
