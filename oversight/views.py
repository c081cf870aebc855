"""Dashboards: the committee's, a station's and a representative's own page."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Role
from stations.models import Region
from suggestions.models import Stage
from suggestions.selectors import active_categories

from . import dashboard
from .forms import DashboardFilterForm


def committee_dashboard(request):
    """What a committee admin opens every morning: figures, boards and charts for their region subtree."""
    if not permissions.has_role(request.user, Role.COMMITTEE_ADMIN):
        raise PermissionDenied(_("The dashboard is for committee admins."))
    today = timezone.localdate()
    regions = list(
        Region.objects.filter(permissions.visible_regions_q(request.user))
        .exclude(level=Region.Level.VILLAGE)
        .only("pk", "name", "path", "full_name")
        .order_by("path")
    )
    categories = list(active_categories().only("pk", "name"))
    form = DashboardFilterForm(request.GET or None, regions=regions, categories=categories)
    filters = form.filters(today)
    board = dashboard.committee_dashboard(
        request.user, filters, today, category_names={c.pk: c.name for c in categories}
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
        },
    )


def _headline(board: dashboard.Dashboard) -> list[dashboard.Figure]:
    f, percent = board.filters, "%"
    return [
        dashboard.Figure(_("Received"), board.received, f.drill()),
        dashboard.Figure(
            _("Overdue now"), board.overdue, f.drill(overdue=1), tone="danger" if board.overdue else "success"
        ),
        dashboard.Figure(
            _("On-time rate"),
            f"{board.on_time_rate}{percent}" if board.on_time_rate is not None else "—",
            f.drill(stage=Stage.CLOSED),
            hint=_("%(n)s lead-unit replies") % {"n": board.replied},
        ),
        dashboard.Figure(
            _("Satisfaction rate"),
            f"{board.satisfaction_rate}{percent}" if board.satisfaction_rate is not None else "—",
            f.drill(outcome="ok"),
            hint=_("%(n)s ratings") % {"n": board.rated},
        ),
        dashboard.Figure(
            _("Average working days to reply"),
            board.avg_reply_days if board.avg_reply_days is not None else "—",
            f.drill(stage=Stage.FEEDBACK),
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
            "received": _("Received"),
            "closed": _("Closed"),
            "enterprise": _("Enterprise items"),
        },
    }
