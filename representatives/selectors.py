"""Reads of the representatives registry."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from accounts import permissions
from core.codes import is_well_formed

from .models import CongressMembership, Representative


def _memberships():
    return Prefetch(
        "memberships",
        queryset=CongressMembership.objects.select_related("region").order_by("id"),
    )


def representative_by_code(code: str) -> Representative:
    if not is_well_formed(code):
        raise Http404("unknown representative code")
    try:
        return (
            Representative.objects.select_related("group")
            .prefetch_related(_memberships(), "stations__region")
            .get(code=code)
        )
    except Representative.DoesNotExist:
        raise Http404("unknown representative code") from None


def representative_staff_list(user, *, level: str = "", group=None, station=None, query: str = "") -> QuerySet:
    """The staff list, scoped to what the user may see, filtered as asked."""
    scope = Representative.objects.filter(permissions.listed_representatives_q(user)).values("pk")
    reps = Representative.objects.filter(pk__in=scope)
    if level:
        reps = reps.filter(memberships__level=level)
    if group is not None:
        reps = reps.filter(group=group)
    if station is not None:
        reps = reps.filter(residencies__station=station)
    if query:
        reps = reps.filter(Q(name__icontains=query) | Q(occupation__icontains=query))
    return reps.distinct().select_related("group").prefetch_related(_memberships(), "stations").order_by("name", "id")
