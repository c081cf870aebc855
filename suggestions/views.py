from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts import permissions
from liaison.pagination import paginate

from . import selectors


def unit_list(request):
    """Handling units: a committee admin's region, or a handler's own units."""
    if not permissions.roles(request.user) & {"committee_admin", "unit_handler"}:
        raise PermissionDenied(_("The handling units list is for committee admins and unit handlers."))
    query = request.GET.get("q", "").strip()[:50]
    page = paginate(request, selectors.units_for_user(request.user, query=query), per_page=30)
    querystring = urlencode({"q": query}) if query else ""
    return render(request, "suggestions/unit_list.html", {"page": page, "query": query, "querystring": querystring})
