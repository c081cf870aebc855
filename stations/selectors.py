"""Reads of the stations registry: one place decides joins and aggregates."""

from __future__ import annotations

import time

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import permissions
from core.codes import is_well_formed

from .models import ReceptionDay, Region, StandardItem, Station


def station_directory(*, region: Region | None = None, kind: str = "", query: str = "", status: str = "") -> QuerySet:
    """The public directory: built and under-construction stations with their region and resident count."""
    stations = (
        Station.objects.select_related("region", "region__parent", "industry_chain", "parent")
        .annotate(resident_count=Count("residencies", distinct=True))
        .order_by("region__path", "kind", "name")
    )
    if region is not None:
        stations = stations.filter(region__path__startswith=region.path)
    if kind:
        stations = stations.filter(kind=kind)
    if status:
        stations = stations.filter(status=status)
    if query:
        stations = stations.filter(Q(name__icontains=query) | Q(address__icontains=query))
    return stations


def regions_with_stations() -> QuerySet:
    """Regions offered in the directory filter: those down to township level."""
    return Region.objects.exclude(level=Region.Level.VILLAGE).select_related("parent").order_by("path")


def active_standard_items() -> list[StandardItem]:
    return list(StandardItem.objects.filter(is_active=True))


def station_by_code(code: str) -> Station:
    """The station behind a public code, or 404 (malformed codes never touch the database)."""
    if not is_well_formed(code):
        raise Http404("unknown station code")
    try:
        return (
            Station.objects.select_related(
                "region", "region__parent", "region__parent__parent", "industry_chain", "parent", "head"
            )
            .prefetch_related(
                # Lookups by name: the stations app never imports the representatives app.
                "residents__group",
                "residents__memberships__region",
                "standard_items_met",
                Prefetch("sub_points", queryset=Station.objects.order_by("name")),
            )
            .get(code=code)
        )
    except Station.DoesNotExist:
        raise Http404("unknown station code") from None


_INTAKE_CACHE: dict[str, tuple[float, Station]] = {}
INTAKE_CACHE_SECONDS = 60


def station_for_intake(code: str) -> Station:
    """The station behind a public code with just its region: the citizen's form needs nothing more.

    Kept in memory for a minute per process: every citizen's submission reads it,
    and a code's station changes rarely (a renamed station shows its new name on
    the form within a minute). Unknown codes are not remembered.
    """
    if not is_well_formed(code):
        raise Http404("unknown station code")
    hit = _INTAKE_CACHE.get(code)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    try:
        station = Station.objects.select_related("region").get(code=code)
    except Station.DoesNotExist:
        raise Http404("unknown station code") from None
    if len(_INTAKE_CACHE) > 10_000:
        _INTAKE_CACHE.clear()
    _INTAKE_CACHE[code] = (time.monotonic() + INTAKE_CACHE_SECONDS, station)
    return station


def station_for_manager(user, code: str) -> Station:
    """Fetch and authorize in one step: a station the user may edit, or 404."""
    station = station_by_code(code)
    if not permissions.can_manage_station(user, station):
        raise Http404("station not managed by this user")
    return station


def managed_stations(user) -> QuerySet:
    return (
        Station.objects.filter(permissions.managed_stations_q(user))
        .select_related("region", "region__parent", "industry_chain")
        .annotate(
            resident_count=Count("residencies", distinct=True),
            items_met=Count("standard_items_met", filter=Q(standard_items_met__is_active=True), distinct=True),
        )
        .order_by("region__path", "name")
    )


def standard_score(station: Station, items: list[StandardItem]) -> dict:
    """Completion of the checklist, from a prefetched ``standard_items_met``."""
    met_ids = {item.pk for item in station.standard_items_met.all()}
    total = len(items)
    met = sum(1 for item in items if item.pk in met_ids)
    groups: dict[str, list[tuple[StandardItem, bool]]] = {}
    for item in items:
        groups.setdefault(item.group, []).append((item, item.pk in met_ids))
    return {
        "met": met,
        "total": total,
        "percent": round(100 * met / total) if total else 0,
        "groups": groups,
        "missing": [item for item in items if item.pk not in met_ids],
    }


def stations_in_region(region: Region) -> QuerySet:
    return Station.objects.filter(region__path__startswith=region.path).select_related("region").order_by("name")


def managed_station_choices(user) -> QuerySet:
    """Stations to offer in a filter: those the user manages, plain."""
    return Station.objects.filter(permissions.managed_stations_q(user)).order_by("name")


def stations_of_representative(representative_id: int) -> QuerySet:
    return Station.objects.filter(residencies__representative_id=representative_id).order_by("name")


def upcoming_reception_days(station: Station, limit: int = 5) -> list[ReceptionDay]:
    """The station's next reception days (today included), with the representatives on duty: two queries."""
    return list(
        ReceptionDay.objects.filter(station=station, date__gte=timezone.localdate(), is_cancelled=False)
        .prefetch_related("on_duty")
        .order_by("date", "start_time")[:limit]
    )


def supervised_regions(user) -> QuerySet:
    """The regions a committee admin supervises, down to townships and streets (what filters and poster
    downloads offer; villages are too many to list)."""
    return (
        Region.objects.filter(permissions.visible_regions_q(user))
        .exclude(level=Region.Level.VILLAGE)
        .order_by("path")
    )
