from django.shortcuts import render

from . import permissions


def profile(request):
    """The signed-in user's account and the roles it holds."""
    user = request.user
    return render(
        request,
        "accounts/profile.html",
        {
            "roles": permissions.roles(user),
            "staff_stations": user.staff_stations.select_related("region").order_by("name"),
            "committee_regions": user.committee_regions.order_by("path"),
            "units": user.handling_units.select_related("region").order_by("name"),
        },
    )
