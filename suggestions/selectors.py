"""Reads of the handling-unit registry (the suggestion loop comes later)."""

from django.db.models import Count, Q, QuerySet

from accounts import permissions

from .models import HandlingUnit


def units_for_user(user, *, query: str = "") -> QuerySet:
    units = (
        HandlingUnit.objects.filter(permissions.listed_units_q(user))
        .select_related("region", "region__parent")
        .annotate(handler_count=Count("handlers", distinct=True))
        .order_by("region__path", "name")
    )
    if query:
        units = units.filter(Q(name__icontains=query) | Q(short_name__icontains=query))
    return units
