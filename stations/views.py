import io
import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import permissions
from core import qr
from core.pagination import paginate, querystring_without_page

from . import selectors, services
from .forms import DirectoryFilterForm, StationForm
from .models import Region


@login_not_required
@require_GET
def directory(request):
    regions = selectors.regions_with_stations()
    form = DirectoryFilterForm(request.GET or None, regions=regions)
    region = kind = query = ""
    if form.is_valid():
        region = form.cleaned_data["region"]
        kind = form.cleaned_data["kind"]
        query = form.cleaned_data["q"].strip()
    stations = selectors.station_directory(region=region or None, kind=kind, query=query)
    page = paginate(request, stations, per_page=24)
    return render(
        request,
        "stations/directory.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring_without_page(request),
            "filtered": bool(region or kind or query),
        },
    )


@login_not_required
@require_GET
def station_public(request, code):
    """The station's public page; ``/s/<code>/`` is printed on its poster and never changes."""
    station = selectors.station_by_code(code)
    items = selectors.active_standard_items()
    return render(
        request,
        "stations/station_public.html",
        {
            "station": station,
            "score": selectors.standard_score(station, items),
            "can_manage": permissions.can_manage_station(request.user, station),
            "public_url": qr.absolute_public_url(request, station.get_absolute_url()),
            "reception_days": selectors.upcoming_reception_days(station),
        },
    )


def manage_list(request):
    """The stations this user edits, with checklist completion."""
    stations = selectors.managed_stations(request.user)
    if not permissions.may_keep_stations(request.user):
        raise PermissionDenied(_("Only station staff and committee admins manage stations."))
    total_items = len(selectors.active_standard_items())
    page = paginate(request, stations, per_page=30)
    for station in page:
        station.percent = round(100 * station.items_met / total_items) if total_items else 0
    return render(request, "stations/manage_list.html", {"page": page, "total_items": total_items})


def station_edit(request, code):
    station = selectors.station_for_manager(request.user, code)
    form = StationForm(request.POST or None, instance=station)
    if request.method == "POST" and form.is_valid():
        data = {field: form.cleaned_data[field] for field in services.EDITABLE_FIELDS}
        try:
            services.station_update(
                # A fresh copy: validating the form already wrote its values onto ``station``.
                station=selectors.station_for_manager(request.user, code),
                by=request.user,
                data=data,
                standard_items=form.cleaned_data["standard_items_met"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The station has been saved."))
            return redirect(station.get_absolute_url())
    return render(request, "stations/station_edit.html", {"station": station, "form": form})


@login_not_required
@require_GET
def station_qr(request, code, fmt):
    station = selectors.station_by_code(code)
    return qr.qr_response(request, station.get_absolute_url(), fmt, f"station-{station.code}")


def station_poster_data(request, station) -> qr.Poster:
    return qr.Poster(
        title=station.name,
        subtitle=_("Representative liaison station · one station, one code"),
        url=qr.absolute_public_url(request, station.get_absolute_url()),
        instruction=_("Scan to meet the representatives · scan to raise a suggestion"),
        address=station.address,
    )


@login_not_required
@require_GET
def station_poster(request, code):
    station = selectors.station_by_code(code)
    return qr.poster_response(
        request,
        station_poster_data(request, station),
        back_url=station.get_absolute_url(),
        filename=f"poster-{station.code}",
    )


def region_posters(request, region_id):
    """All station posters of a region subtree as one ZIP of A4 SVG files (committee admins)."""
    region = get_object_or_404(Region, pk=region_id)
    if not permissions.can_download_region_posters(request.user, region):
        raise Http404("region not supervised by this user")
    stations = list(selectors.stations_in_region(region))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for station in stations:
            archive.writestr(f"{station.code}-{station.name}.svg", qr.poster_svg(station_poster_data(request, station)))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="posters-region-{region.pk}.zip"'
    return response


def region_list(request):
    """Regions a committee admin supervises, with a poster download for each."""
    if not permissions.may_supervise(request.user):
        raise PermissionDenied(_("Only committee admins download posters by region."))
    regions = selectors.supervised_regions(request.user)
    return render(request, "stations/region_list.html", {"page": paginate(request, regions, per_page=50)})
