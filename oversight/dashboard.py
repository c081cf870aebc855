"""The committee dashboard's figures: one pass per table, a fixed number of queries at any size.

Definitions (shown on the page as well):

- *received*: suggestions received in the period, merged duplicates left out;
- *overdue now*: items with an open assignment (awaiting acceptance or accepted) past
  its reply deadline, or still unaccepted past the acceptance deadline;
- *on-time rate*: lead-unit replies given on or before the reply deadline (extensions
  included) over all lead-unit replies;
- *satisfaction rate*: 满意 + 基本满意 ratings over all ratings given;
- *average working days to reply*: from assignment to the lead unit's reply;
- *enterprise items solved*: enterprise items closed 满意 or 基本满意.

Every figure knows the suggestion-list filters that reproduce it (``drill``), so the
page links each number to the rows behind it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, F, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from core.kept import kept
from stations.models import ReceptionDay, Region, StandardItem, Station
from suggestions.deadlines import colour_conditions, late_q
from suggestions.models import Assignment, Category, Outcome, Rating, Stage, Suggestion

SATISFIED_OUTCOMES = (Outcome.SATISFIED, Outcome.BASICALLY_SATISFIED)
STAGES = [Stage.COLLECT, Stage.ASSESS, Stage.ASSIGN, Stage.FEEDBACK, Stage.CLOSED]


@dataclass
class DashboardFilters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    region: Region | None = None
    station_kind: str = ""
    category: Category | None = None
    station: Station | None = None

    def list_params(self, **extra) -> dict:
        """The same scope as suggestion-list parameters, for drill-down links."""
        params = {}
        if self.date_from:
            params["received_from"] = self.date_from.isoformat()
        if self.date_to:
            params["received_to"] = self.date_to.isoformat()
        if self.region is not None:
            params["region"] = self.region.pk
        if self.station_kind:
            params["kind"] = self.station_kind
        if self.category is not None:
            params["category"] = self.category.pk
        if self.station is not None:
            params["station"] = self.station.pk
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return params

    def drill(self, **extra) -> str:
        return reverse("suggestions:list") + "?" + urlencode(self.list_params(**extra))


def _bounds(filters: DashboardFilters):
    tz = timezone.get_current_timezone()
    start = end = None
    if filters.date_from:
        start = dt.datetime.combine(filters.date_from, dt.time.min, tzinfo=tz)
    if filters.date_to:
        end = dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def scoped_regions(user, filters: DashboardFilters) -> QuerySet:
    regions = Region.objects.filter(permissions.visible_regions_q(user))
    if filters.region is not None:
        regions = regions.filter(path__startswith=filters.region.path)
    return regions.values("pk")


def scoped_suggestions(regions, filters: DashboardFilters, prefix: str = "") -> Q:
    """The dashboard's suggestions as a ``Q`` on a model reaching them through ``prefix``."""
    start, end = _bounds(filters)
    query = Q(**{f"{prefix}region__in": regions, f"{prefix}duplicate_of__isnull": True})
    if start:
        query &= Q(**{f"{prefix}received_at__gte": start})
    if end:
        query &= Q(**{f"{prefix}received_at__lt": end})
    if filters.station_kind:
        query &= Q(**{f"{prefix}station__kind": filters.station_kind})
    if filters.category is not None:
        query &= Q(**{f"{prefix}category": filters.category})
    if filters.station is not None:
        query &= Q(**{f"{prefix}station": filters.station})
    return query


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


@dataclass
class Figure:
    label: str
    value: object
    url: str = ""
    tone: str = ""
    hint: str = ""


@dataclass
class Dashboard:
    filters: DashboardFilters
    today: dt.date
    received: int = 0
    stages: dict = field(default_factory=dict)
    overdue: int = 0
    on_time_rate: float | None = None
    replied: int = 0
    satisfaction_rate: float | None = None
    rated: int = 0
    avg_reply_days: float | None = None
    enterprise: int = 0
    enterprise_solved: int = 0
    colours: dict = field(default_factory=dict)
    red_items: list = field(default_factory=list)
    units: list = field(default_factory=list)
    stations: list = field(default_factory=list)
    idle_stations: int = 0
    station_count: int = 0
    categories: list = field(default_factory=list)
    months: list = field(default_factory=list)
    visits: int = 0
    days_scheduled: int = 0
    days_held: int = 0
    by_station: dict = field(default_factory=dict)
    computed_at: dt.datetime | None = None


def committee_dashboard(
    user, filters: DashboardFilters, today: dt.date | None = None, category_names: dict | None = None
) -> Dashboard:
    """All figures of the dashboard for ``user``'s region subtree under ``filters`` (nine queries).

    Anyone who is not a committee admin gets an empty board: the scope comes from
    :func:`accounts.permissions.visible_regions_q`. ``category_names`` (pk → name)
    saves a query when the caller has the categories already.
    """
    return _build(scoped_regions(user, filters), filters, today, category_names)


def cached_committee_dashboard(
    user, filters: DashboardFilters, today: dt.date | None = None, category_names=None, *, refresh: bool = False
) -> Dashboard:
    """The committee dashboard, kept per scope, filters and day (see :mod:`core.kept`).

    Beat warms every committee's default view (:func:`warm_committee_dashboards`); the
    page shows when the figures were counted and "count again" counts them afresh.
    Drill-down lists are always live.
    """
    today = today or timezone.localdate()
    parts = (permissions.figures_scope(user), sorted(filters.list_params().items()), today.isoformat())
    return kept("dashboard", parts, lambda: committee_dashboard(user, filters, today, category_names), refresh=refresh)


def warm_committee_dashboards() -> int:
    """Count the default view of every committee's scope ahead of the first visitor (beat, every few minutes)."""
    if not getattr(settings, "DASHBOARD_CACHE_SECONDS", 0):
        return 0
    seen, warmed = set(), 0
    admins = get_user_model().objects.filter(committee_regions__isnull=False).distinct().order_by("pk")
    for admin in admins:
        scope = tuple(sorted(permissions.committee_region_paths(admin)))
        if scope in seen:
            continue
        seen.add(scope)
        cached_committee_dashboard(admin, DashboardFilters(), refresh=True)
        warmed += 1
    return warmed


def station_dashboard(user, station: Station, today: dt.date | None = None, category_names=None) -> Dashboard:
    """One station's figures for its staff and its region's committee admins."""
    if not permissions.can_manage_station(user, station):
        raise PermissionDenied(_("This station's dashboard is for its staff and the committee of its region."))
    filters = DashboardFilters(station=station)
    return _build(Region.objects.filter(pk=station.region_id).values("pk"), filters, today, category_names)


def _build(regions, filters: DashboardFilters, today, category_names) -> Dashboard:
    today = today or timezone.localdate()
    board = Dashboard(filters=filters, today=today, computed_at=timezone.now())
    suggestions = Suggestion.objects.filter(scoped_suggestions(regions, filters))
    if category_names is None:
        category_names = dict(Category.objects.values_list("pk", "name"))
    _suggestion_figures(board, suggestions, category_names)
    _trend(board, suggestions)
    _assignment_figures(board, regions, filters, today)
    _ratings(board, regions, filters)
    _red_items(board, regions, filters, today)
    _station_board(board, regions, filters, today)
    return board


def _suggestion_figures(board: Dashboard, suggestions: QuerySet, names: dict) -> None:
    ok = Q(outcome__in=SATISFIED_OUTCOMES)
    rows = (
        suggestions.values("station_id", "category_id")
        .annotate(
            total=Count("id"),
            enterprise=Count("id", filter=Q(is_enterprise=True)),
            enterprise_solved=Count("id", filter=Q(is_enterprise=True) & ok),
            **{stage.value: Count("id", filter=Q(stage=stage)) for stage in STAGES},
        )
        .order_by()
    )
    by_station: dict[int, int] = defaultdict(int)
    by_category: dict[int | None, dict] = {}
    stages = dict.fromkeys(STAGES, 0)
    for row in rows:
        board.received += row["total"]
        board.enterprise += row["enterprise"]
        board.enterprise_solved += row["enterprise_solved"]
        by_station[row["station_id"]] += row["total"]
        cat = by_category.setdefault(row["category_id"], {"total": 0, "closed": 0, "open": 0, "enterprise": 0})
        cat["total"] += row["total"]
        cat["closed"] += row[Stage.CLOSED.value]
        cat["open"] += row["total"] - row[Stage.CLOSED.value]
        cat["enterprise"] += row["enterprise"]
        for stage in STAGES:
            stages[stage] += row[stage.value]
    board.stages = stages
    board.by_station = by_station
    board.categories = sorted(
        ({"pk": pk, "name": names.get(pk, "—") if pk else "—", **figures} for pk, figures in by_category.items()),
        key=lambda c: (-c["total"], c["name"]),
    )


def _trend(board: Dashboard, suggestions: QuerySet) -> None:
    rows = (
        suggestions.annotate(month=TruncMonth("received_at"))
        .values("month")
        .annotate(
            total=Count("id"),
            closed=Count("id", filter=Q(stage=Stage.CLOSED)),
            enterprise=Count("id", filter=Q(is_enterprise=True)),
        )
        .order_by("month")
    )
    board.months = [
        {
            "month": row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"],
            "total": row["total"],
            "closed": row["closed"],
            "enterprise": row["enterprise"],
        }
        for row in rows
    ]


def _assignment_figures(board: Dashboard, regions, filters: DashboardFilters, today: dt.date) -> None:
    """The unit league (one query grouped by unit) and the item-level colours (one aggregate).

    Colours count suggestions, not assignments: an item with a late co-unit is one red
    item, and the drill-down list shows exactly the items counted.
    """
    open_q, red, warm = colour_conditions(today)
    late = open_q & late_q(today)
    replied = Q(status=Assignment.Status.REPLIED, role=Assignment.Role.LEAD)
    assignments = Assignment.objects.filter(scoped_suggestions(regions, filters, "suggestion__"))
    rows = (
        assignments.values("unit_id", "unit__name")
        .annotate(
            assignments=Count("id", filter=~Q(status=Assignment.Status.WITHDRAWN)),
            replied=Count("id", filter=replied),
            on_time=Count("id", filter=replied & Q(reply_due__gte=TruncDate("replied_at"))),
            overdue=Count("id", filter=late),
            returned=Count("id", filter=Q(status=Assignment.Status.RETURNED)),
            reply_days=Avg("reply_workdays", filter=replied),
        )
        .order_by()
    )
    units = []
    total_replied = total_on_time = 0
    weighted_days = 0.0
    for row in rows:
        total_replied += row["replied"]
        total_on_time += row["on_time"]
        if row["reply_days"] is not None:
            weighted_days += row["reply_days"] * row["replied"]
        units.append(
            {
                "pk": row["unit_id"],
                "name": row["unit__name"],
                "assignments": row["assignments"],
                "replied": row["replied"],
                "on_time_rate": _rate(row["on_time"], row["replied"]),
                "overdue": row["overdue"],
                "returned": row["returned"],
                "reply_days": round(row["reply_days"], 1) if row["reply_days"] is not None else None,
                "satisfaction_rate": None,
                "rated": 0,
            }
        )
    board.replied = total_replied
    board.on_time_rate = _rate(total_on_time, total_replied)
    board.avg_reply_days = round(weighted_days / total_replied, 1) if total_replied else None
    # Worst first: most overdue, then lowest on-time rate.
    board.units = sorted(units, key=lambda u: (-u["overdue"], u["on_time_rate"] or 0, u["name"]))
    items = assignments.filter(open_q).aggregate(
        open=Count("suggestion_id", distinct=True),
        overdue=Count("suggestion_id", distinct=True, filter=late),
        red=Count("suggestion_id", distinct=True, filter=red),
        warm=Count("suggestion_id", distinct=True, filter=warm),
    )
    board.overdue = items["overdue"]
    board.colours = {
        "red": items["red"],
        "yellow": items["warm"] - items["red"],
        "green": items["open"] - items["warm"],
    }


def _ratings(board: Dashboard, regions, filters: DashboardFilters) -> None:
    """Satisfaction overall (one aggregate) and per lead unit (one query grouped by unit and verdict).

    Per unit, a rating counts for each lead unit that replied on the item (usually one).
    """
    good = Q(verdict__in=(Rating.Verdict.SATISFIED, Rating.Verdict.BASICALLY))
    ratings = Rating.objects.filter(scoped_suggestions(regions, filters, "suggestion__"))
    overall = ratings.aggregate(good=Count("id", filter=good), rated=Count("id"))
    board.rated = overall["rated"]
    board.satisfaction_rate = _rate(overall["good"], overall["rated"])
    rows = (
        ratings.filter(
            suggestion__assignments__role=Assignment.Role.LEAD,
            suggestion__assignments__status=Assignment.Status.REPLIED,
        )
        .values("suggestion__assignments__unit_id")
        .annotate(good=Count("id", filter=good, distinct=True), rated=Count("id", distinct=True))
        .order_by()
    )
    per_unit = {row["suggestion__assignments__unit_id"]: (row["good"], row["rated"]) for row in rows}
    for unit in board.units:
        good_count, rated = per_unit.get(unit["pk"], (0, 0))
        unit["satisfaction_rate"] = _rate(good_count, rated)
        unit["rated"] = rated


def _red_items(board: Dashboard, regions, filters: DashboardFilters, today: dt.date) -> None:
    """Red items of the three-colour board, one line per item: flagged ones first, then the longest overdue."""
    _open_q, red, _warm = colour_conditions(today)
    candidates = (
        Assignment.objects.filter(scoped_suggestions(regions, filters, "suggestion__"))
        .filter(red)
        .select_related("suggestion", "suggestion__station", "unit")
        .annotate(any_flag=Q(flagged=True) | Q(suggestion__flagged=True))
        .order_by(F("any_flag").desc(), "reply_due", "id")[:30]
    )
    seen = set()
    for assignment in candidates:
        if assignment.suggestion_id in seen:
            continue  # an item with a late lead unit and a late co-unit is one red item
        seen.add(assignment.suggestion_id)
        assignment.days_late = max(0, (today - assignment.reply_due).days)
        board.red_items.append(assignment)
        if len(board.red_items) == 10:
            break


def _station_board(board: Dashboard, regions, filters: DashboardFilters, today: dt.date) -> None:
    stations = Station.objects.filter(region__in=regions)
    if filters.station_kind:
        stations = stations.filter(kind=filters.station_kind)
    if filters.station is not None:
        stations = stations.filter(pk=filters.station.pk)
    items_in_use = (
        StandardItem.objects.filter(is_active=True).order_by().values("is_active").annotate(n=Count("pk")).values("n")
    )
    rows = list(
        stations.annotate(
            met=Count("standard_items_met", filter=Q(standard_items_met__is_active=True)),
            items_total=Subquery(items_in_use[:1]),
        )
        .values("pk", "code", "name", "kind", "region__name", "met", "items_total")
        .order_by("region__path", "name")
    )
    day_q = Q(station__in=stations, date__lte=today, is_cancelled=False)
    start, end = filters.date_from, filters.date_to
    if start:
        day_q &= Q(date__gte=start)
    if end:
        day_q &= Q(date__lte=end)
    days = {
        row["station_id"]: row
        for row in ReceptionDay.objects.filter(day_q)
        .values("station_id")
        .annotate(
            scheduled=Count("id", distinct=True),
            held=Count("id", distinct=True, filter=Q(visits__isnull=False)),
            visits=Count("visits", distinct=True),
        )
        .order_by()
    }
    total_items = (rows[0]["items_total"] or 0) if rows else 0
    by_station = board.by_station
    table = []
    for row in rows:
        day = days.get(row["pk"], {})
        entry = {
            **row,
            "suggestions": by_station.get(row["pk"], 0),
            "scheduled": day.get("scheduled", 0),
            "held": day.get("held", 0),
            "visits": day.get("visits", 0),
            "standard": _rate(row["met"], total_items),
        }
        entry["idle"] = not entry["suggestions"] and not entry["held"]
        board.visits += entry["visits"]
        board.days_scheduled += entry["scheduled"]
        board.days_held += entry["held"]
        table.append(entry)
    board.station_count = len(table)
    board.idle_stations = sum(1 for s in table if s["idle"])
    board.stations = sorted(table, key=lambda s: (-s["suggestions"], -s["visits"], s["name"]))
