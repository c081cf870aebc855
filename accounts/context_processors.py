from django.utils.functional import SimpleLazyObject

from . import permissions


def roles(request):
    """Expose the current user's roles to templates (for the navigation), and the unread notification count.

    The count is lazy: it is asked of the database only when a template prints it.
    """
    user = getattr(request, "user", None)
    if user is None:
        return {"user_roles": set(), "unread_notifications": "", "may_read_audit_log": False}
    return {
        "user_roles": permissions.roles(user),
        "may_read_audit_log": permissions.may_read_audit_log(user),
        "unread_notifications": SimpleLazyObject(lambda: _unread_label(user)),
    }


UNREAD_CAP = 99


def _unread_label(user) -> str:
    """ "" for none, the number, or "99+": a bounded count on the (user, read_at) index.

    Read through the user's reverse relation, so this lower app imports no model of the one that owns it.
    """
    if not user.is_authenticated:
        return ""
    count = user.notifications.filter(read_at__isnull=True).order_by()[: UNREAD_CAP + 1].count()
    if not count:
        return ""
    return f"{UNREAD_CAP}+" if count > UNREAD_CAP else str(count)
