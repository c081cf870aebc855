from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import permissions
from core import qr
from core.html import select_options
from core.pagination import paginate, querystring_without_page
from stations.selectors import managed_station_choices

from . import selectors
from .forms import RepresentativeFilterForm
from .models import LEVEL_ORDER


def _sorted_memberships(representative):
    return sorted(representative.memberships.all(), key=lambda m: LEVEL_ORDER[m.level])


@login_not_required
@require_GET
def representative_public(request, code):
    """亮身份: the public profile behind ``/r/<code>/``, printed on the representative's QR code."""
    representative = selectors.representative_by_code(code)
    return render(
        request,
        "representatives/public.html",
        {
            "rep": representative,
            "memberships": _sorted_memberships(representative),
            "show_contact": permissions.can_see_representative_contact(request.user, representative),
            "public_url": qr.absolute_public_url(request, representative.get_absolute_url()),
        },
    )


def staff_list(request):
    if not permissions.may_list_representatives(request.user):
        raise PermissionDenied(_("The representatives list is for station staff and committee admins."))
    stations = managed_station_choices(request.user)
    form = RepresentativeFilterForm(request.GET or None, stations=stations)
    filters = {}
    if form.is_valid():
        filters = {
            "level": form.cleaned_data["level"],
            "group": form.cleaned_data["group"],
            "station": form.cleaned_data["station"],
            "query": form.cleaned_data["q"].strip(),
        }
    reps = selectors.representative_staff_list(request.user, **filters)
    page = paginate(request, reps, per_page=30)
    for rep in page:
        rep.sorted_memberships = _sorted_memberships(rep)
    return render(
        request,
        "representatives/staff_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring_without_page(request),
            "filtered": any(filters.values()),
            "station_options": select_options(stations.values_list("pk", "name"), request.GET.get("station", "")),
        },
    )


@login_not_required
@require_GET
def representative_qr(request, code, fmt):
    rep = selectors.representative_by_code(code)
    return qr.qr_response(request, rep.get_absolute_url(), fmt, f"representative-{rep.code}")


@login_not_required
@require_GET
def representative_poster(request, code):
    rep = selectors.representative_by_code(code)
    stations = list(rep.stations.all())
    poster = qr.Poster(
        title=f"{rep.name}",
        subtitle=_("People's Congress representative · one person, one code"),
        url=qr.absolute_public_url(request, rep.get_absolute_url()),
        instruction=_("Scan to meet the representatives · scan to raise a suggestion"),
        address=stations[0].address if stations else "",
    )
    return qr.poster_response(request, poster, back_url=rep.get_absolute_url(), filename=f"poster-{rep.code}")
