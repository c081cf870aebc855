from . import permissions


def roles(request):
    """Expose the current user's roles to templates (for the navigation)."""
    user = getattr(request, "user", None)
    if user is None:
        return {"user_roles": set()}
    return {"user_roles": permissions.roles(user)}
