"""The portal's home, and the dashboards: the committee's, a station's and a representative's own page."""

import tempfile

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from activities.models import Activity
from audit import services as audit
from core.pagination import paginate, querystring_without_page
from stations.models import StandardItem, Station
from stations.selectors import (
    managed_station_choices,
    managed_stations,
    station_directory,
    supervised_regions,
    upcoming_reception_days,
)
from suggestions.listing import list_queryset
from suggestions.models import Category

from . import dashboard, exports, registers
from .forms import DashboardFilterForm, RegisterFilterForm
from .models import ExportJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_not_required
@require_GET
def home(request):
    """Landing page: the public entry for citizens, the role overview for signed-in users."""
    context = {"roles": permissions.roles(request.user)}
    if request.user.is_authenticated:
        context["managed_count"] = managed_stations(request.user).count()
    context["station_count"] = station_directory().count()
    return render(request, "home.html", context)



def committee_dashboard(request):
    """What a committee admin opens every morning: figures, boards and charts for their region subtree."""
    if not permissions.may_supervise(request.user):
        raise PermissionDenied(_("The dashboard is for committee admins."))
    today = timezone.localdate()
    regions = list(supervised_regions(request.user).only("pk", "name", "path", "full_name"))
    # One read for both: every category's name (a retired category's items keep theirs), the filter offers those in use.
    categories = list(Category.objects.only("pk", "name", "is_active", "order"))
    in_use = [c for c in categories if c.is_active]
    form = DashboardFilterForm(request.GET or None, regions=regions, categories=in_use)
    filters = form.filters(today)
    board = dashboard.cached_committee_dashboard(
        request.user,
        filters,
        today,
        category_names={c.pk: c.name for c in categories},
        refresh=request.GET.get("refresh") == "1",
    )
    return render(
        request,
        "oversight/dashboard.html",
        {
            "form": form,
            "board": board,
            "f": filters,
            "figures": _headline(board),
            "stage_rows": _stage_rows(board),
            "chart_data": _chart_data(board),
            "show_all_stations": request.GET.get("stations") == "all",
            "kind_label": Station.Kind(filters.station_kind).label if filters.station_kind else "",
        },
    )


def _headline(board: dashboard.Dashboard) -> list[dashboard.Figure]:
    f = board.filters
    return [
        dashboard.Figure(_("Suggestions received"), board.received, f.drill()),
        dashboard.Figure(
            _("Overdue now"), board.overdue, f.drill(overdue=1), tone="danger" if board.overdue else "success"
        ),
        dashboard.Figure(
            _("On-time rate"),
            f"{board.on_time_rate}%" if board.on_time_rate is not None else "—",
            f.drill(replied=1),
            hint=_("%(n)s lead-unit replies") % {"n": board.replied},
        ),
        dashboard.Figure(
            _("Satisfaction rate"),
            f"{board.satisfaction_rate}%" if board.satisfaction_rate is not None else "—",
            f.drill(outcome="ok"),
            hint=_("%(n)s ratings") % {"n": board.rated},
        ),
        dashboard.Figure(
            _("Average working days to reply"),
            board.avg_reply_days if board.avg_reply_days is not None else "—",
            f.drill(replied=1),
        ),
        dashboard.Figure(
            _("Enterprise items"),
            board.enterprise,
            f.drill(enterprise="yes"),
            hint=_("%(n)s solved") % {"n": board.enterprise_solved},
        ),
    ]


def _stage_rows(board: dashboard.Dashboard) -> list[dict]:
    return [
        {"label": stage.label, "count": board.stages.get(stage, 0), "url": board.filters.drill(stage=stage.value)}
        for stage in dashboard.STAGES
    ]


def _chart_data(board: dashboard.Dashboard) -> dict:
    """What the ECharts scripts draw; the same numbers are in the tables beside them."""
    return {
        "months": [m["month"].strftime("%Y-%m") for m in board.months],
        "received": [m["total"] for m in board.months],
        "closed": [m["closed"] for m in board.months],
        "enterprise": [m["enterprise"] for m in board.months],
        "stages": [{"name": str(row["label"]), "value": row["count"]} for row in _stage_rows(board)],
        "categories": [{"name": c["name"], "value": c["total"]} for c in board.categories[:12]],
        "labels": {
            "received": _("Suggestions received"),
            "closed": _("Closed"),
            "enterprise": _("Enterprise items"),
        },
    }


# Registers (台账) and their exports ------------------------------------------------------------


def _register_scope(request):
    form = RegisterFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    scope = registers.register_scope(
        request.user,
        station_code=request.GET.get("station", "").strip().upper(),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    return form, scope


def _require_books(user):
    if not permissions.may_keep_stations(user):
        raise PermissionDenied(_("The registers are kept by station staff and committee admins."))


def register_index(request):
    _require_books(request.user)
    stations = list(managed_station_choices(request.user).only("pk", "code", "name")[:500])
    jobs = list(ExportJob.objects.filter(requested_by=request.user).order_by("-created_at")[:10])
    return render(
        request,
        "oversight/registers.html",
        {"registers": registers.REGISTERS.values(), "stations": stations, "jobs": jobs},
    )


def register_page(request, key):
    """One book on screen, paginated and printable; the export button downloads or queues the whole of it."""
    _require_books(request.user)
    register = registers.get_register(key)
    form, scope = _register_scope(request)
    queryset = register.queryset(scope)
    page = paginate(request, queryset, per_page=50)
    rows = list(register.rows(request.user, scope, queryset=page.object_list))
    # The books carry visitors' and citizens' names and numbers; every look at them (and every print) is kept.
    audit.record(
        audit.AuditAction.REGISTER_VIEW,
        request=request,
        detail={"register": key, "filters": querystring_without_page(request), "page": page.number, "rows": len(rows)},
    )
    return render(
        request,
        "oversight/register.html",
        {
            "register": register,
            "form": form,
            "scope": scope,
            "page": page,
            "rows": rows,
            "stations": list(managed_station_choices(request.user).only("pk", "code", "name")[:500]),
            "querystring": querystring_without_page(request),
            "export_limit": exports.immediate_limit(),
        },
    )


@require_POST
def register_export(request, key):
    """Small registers download at once; large ones become a background export with a progress page."""
    _require_books(request.user)
    register = registers.get_register(key)
    form, scope = _register_scope(request)
    total = register.count(scope)
    audit.record(
        audit.AuditAction.EXPORT,
        request=request,
        detail={"register": key, "format": "xlsx", "filters": request.GET.urlencode(), "rows": total},
    )
    if total <= exports.immediate_limit():
        handle = tempfile.TemporaryFile()
        exports.write_xlsx(register, request.user, scope, handle)
        handle.seek(0)
        return FileResponse(handle, as_attachment=True, filename=exports.filename(register, scope), content_type=XLSX)
    job = exports.start_job(user=request.user, register_key=key, scope=scope, total=total)
    return redirect("oversight:export", pk=job.pk)


def _own_job(request, pk) -> ExportJob:
    job = ExportJob.objects.filter(pk=pk, requested_by=request.user).first()
    if job is None:
        raise Http404("no such export")
    return job


def export_page(request, pk):
    job = _own_job(request, pk)
    return render(request, "oversight/export.html", {"job": job})


def export_status(request, pk):
    job = _own_job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "label": job.get_status_display(),
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "download": reverse("oversight:export_download", args=[job.pk])
            if job.status == ExportJob.Status.DONE and not job.is_expired
            else "",
            "error": job.error,
        }
    )


def export_download(request, pk):
    job = _own_job(request, pk)
    if job.status != ExportJob.Status.DONE or job.is_expired or not job.file:
        raise Http404("the export is not available")
    audit.record(
        audit.AuditAction.EXPORT,
        request=request,
        obj=job,
        detail={"register": job.register, "format": "xlsx", "rows": job.total, "file": job.title},
    )
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.file.name.rsplit("/", 1)[-1], content_type=XLSX
    )


# A station's own dashboard -----------------------------------------------------------------------


def my_station_dashboard(request):
    """Station staff land on their station's dashboard (or choose one if they keep several)."""
    stations = list(managed_station_choices(request.user).only("pk", "code", "name")[:500])
    if not stations:
        raise PermissionDenied(_("The station dashboard is for station staff and committee admins."))
    if len(stations) == 1:
        return redirect("oversight:station_dashboard", code=stations[0].code)
    return render(request, "oversight/pick_station.html", {"stations": stations})


def station_dashboard(request, code):
    station = Station.objects.select_related("region").filter(code=code).first()
    if station is None or not permissions.can_manage_station(request.user, station):
        raise Http404("no such station")
    today = timezone.localdate()
    board = dashboard.station_dashboard(request.user, station, today)
    gaps = list(StandardItem.objects.filter(is_active=True).exclude(stations=station).order_by("group", "order"))
    return render(
        request,
        "oversight/station_dashboard.html",
        {
            "station": station,
            "board": board,
            "f": board.filters,
            "figures": _headline(board),
            "stage_rows": _stage_rows(board),
            "chart_data": _chart_data(board),
            "upcoming": upcoming_reception_days(station, limit=5),
            "gaps": gaps,
            "row": board.stations[0] if board.stations else None,
            "activities": list(
                Activity.objects.filter(station=station).select_related("kind").order_by("-date", "-id")[:5]
            ),
        },
    )


@require_POST
def list_export(request):
    """The suggestion list's Excel button: small lists download at once, large ones go to a background export."""
    _form, _filters, suggestions = list_queryset(request.user, request.GET)
    querystring = request.GET.urlencode()
    total = suggestions.count()
    if total <= exports.immediate_limit():
        return redirect(reverse("suggestions:export_xlsx") + (f"?{querystring}" if querystring else ""))
    job = exports.start_list_job(user=request.user, querystring=querystring, total=total)
    audit.record(
        audit.AuditAction.EXPORT,
        request=request,
        obj=job,
        detail={"register": "suggestion_list", "format": "xlsx", "filters": querystring, "rows": total},
    )
    return redirect("oversight:export", pk=job.pk)
