"""Reads of activities and of the representatives' performance pages."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from accounts import permissions
from representatives.models import Representative
from stations.models import Station

from .models import Activity


def visible_activities(user) -> QuerySet:
    return (
        Activity.objects.filter(permissions.visible_activities_q(user))
        .distinct()
        .select_related("kind", "station")
        .prefetch_related(Prefetch("representatives", queryset=Representative.objects.only("pk", "name", "code")))
        .annotate(photo_count=Count("photos", distinct=True))
        .order_by("-date", "-id")
    )


def activity_list(user, *, kind=None, date_from=None, date_to=None, query: str = "") -> QuerySet:
    activities = visible_activities(user)
    if kind is not None:
        activities = activities.filter(kind=kind)
    if date_from:
        activities = activities.filter(date__gte=date_from)
    if date_to:
        activities = activities.filter(date__lte=date_to)
    if query:
        activities = activities.filter(Q(title__icontains=query) | Q(summary__icontains=query))
    return activities


def activity_for_user(user, pk: int) -> Activity:
    activity = visible_activities(user).prefetch_related("photos").filter(pk=pk).first()
    if activity is None:
        raise Http404("no such activity")
    return activity


def recordable_stations(user) -> QuerySet:
    """Stations the user may record activities for: managed ones, or a representative's own."""
    query = permissions.managed_stations_q(user)
    rep = permissions.representative_id(user)
    if rep:
        query |= Q(residencies__representative_id=rep)
    return Station.objects.filter(query).distinct().order_by("name")


def station_residents(station) -> QuerySet:
    return Representative.objects.filter(residencies__station=station).order_by("name")


def representative_for_performance(user, code: str) -> Representative:
    rep = (
        Representative.objects.filter(code=code)
        .prefetch_related("stations", "memberships", "memberships__region")
        .select_related("group")
        .first()
    )
    if rep is None or not permissions.can_see_performance(user, rep):
        raise Http404("no such representative")
    return rep


def ranked_representatives(user, *, level: str = "", group=None) -> QuerySet:
    reps = Representative.objects.filter(permissions.listed_representatives_q(user))
    if level:
        reps = reps.filter(memberships__level=level)
    if group is not None:
        reps = reps.filter(group=group)
    return reps.distinct()
