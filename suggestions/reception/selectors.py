"""Reads of reception days and visits with what they turned into: joins and totals decided once."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import permissions
from stations.models import ReceptionDay, ReceptionRule, Visit
from suggestions.models import Suggestion


def reception_day_for_manager(user, pk: int) -> ReceptionDay:
    """Fetch and authorize in one step: a reception day of a station the user manages, else 404."""
    try:
        day = ReceptionDay.objects.select_related("station", "station__region", "rule").get(pk=pk)
    except ReceptionDay.DoesNotExist:
        raise Http404("unknown reception day") from None
    if not permissions.can_manage_station(user, day.station):
        raise Http404("reception day of a station not managed by this user")
    return day


def _with_totals(days: QuerySet) -> QuerySet:
    return days.annotate(
        visit_count=Count("visits", distinct=True),
        suggestion_count=Count("visits__suggestions", distinct=True),
    ).prefetch_related("on_duty")


def upcoming_days_with_totals(station, *, limit: int = 30) -> list[ReceptionDay]:
    """Today's and later days, soonest first; rules keep about eight weeks scheduled."""
    days = ReceptionDay.objects.filter(station=station, date__gte=timezone.localdate()).order_by("date", "start_time")
    return list(_with_totals(days)[:limit])


def past_days_with_totals(station) -> QuerySet:
    """Earlier days, latest first, for a paginated register."""
    days = ReceptionDay.objects.filter(station=station, date__lt=timezone.localdate()).order_by("-date", "-start_time")
    return _with_totals(days)


def missed_days_count(station) -> int:
    """Days flagged as missed that still have no visit (a visit logged late answers the flag)."""
    return ReceptionDay.objects.filter(
        station=station, missed_flagged_at__isnull=False, is_cancelled=False, visits__isnull=True
    ).count()


def station_rules(station) -> list[ReceptionRule]:
    return list(station.reception_rules.order_by("-is_active", "kind", "weekday", "day_of_month", "pk"))


def day_visits(day: ReceptionDay) -> list[Visit]:
    """The day's visits, newest first, each with who received the visitor and the suggestions it became."""
    return list(
        day.visits.select_related("created_by")
        .prefetch_related(
            "received_by",
            Prefetch("suggestions", queryset=Suggestion.objects.select_related("category").order_by("id")),
        )
        .order_by("-created_at", "-id")
    )


def day_totals(visits: list[Visit]) -> dict:
    """Totals of a day from its fetched visits: no further query."""
    return {
        "visits": len(visits),
        "answered": sum(1 for visit in visits if visit.answered_on_spot),
        "suggestions": sum(len(visit.suggestions.all()) for visit in visits),
    }


def upcoming_duties(representative_id: int) -> QuerySet:
    """A representative's reception duties from today on, soonest first, with the station and the whole roster."""
    return (
        ReceptionDay.objects.filter(on_duty=representative_id, date__gte=timezone.localdate())
        .select_related("station", "station__region")
        .prefetch_related("on_duty")
        .order_by("date", "start_time")
    )
