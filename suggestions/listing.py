"""The suggestion list's query: the filter form, its filters and the rows they select for a user.

The list page, its CSV and Excel downloads and the background export of a large
list (oversight) all start here, so they always show the same rows.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts import permissions
from stations.models import Region
from stations.selectors import managed_station_choices, stations_of_representative
from suggestions import selectors
from suggestions.forms import SuggestionFilterForm
from suggestions.models import HandlingUnit


def list_queryset(user, data):
    """The filter form, its filters and the rows they select for ``user``: the page and every export of it."""
    if not permissions.may_use_suggestion_list(user):
        raise PermissionDenied(_("The suggestion list is for station staff, representatives and committee admins."))
    form = SuggestionFilterForm(data or None, stations=station_choices(user))
    filters = filters_from(form)
    return form, filters, selectors.suggestion_list(user, filters)


def filters_from(form) -> selectors.SuggestionFilters:
    if not form.is_valid():
        return selectors.SuggestionFilters()
    data = form.cleaned_data
    return selectors.SuggestionFilters(
        stage=data["stage"],
        channel=data["channel"],
        station=data["station"],
        category=data["category"],
        enterprise=data["enterprise"],
        received_from=data["received_from"],
        received_to=data["received_to"],
        query=data["q"].strip(),
        region=Region.objects.filter(pk=data["region"]).first() if data["region"] else None,
        station_kind=data["kind"],
        colour=data["colour"],
        overdue=data["overdue"],
        unit=HandlingUnit.objects.filter(pk=data["unit"]).first() if data["unit"] else None,
        outcome=data["outcome"],
        replied=data["replied"],
    )


def station_choices(user):
    """Stations offered in filters: those the user manages, or a representative's own."""
    stations = managed_station_choices(user)
    rep = permissions.representative_id(user)
    if rep and not stations.exists():
        stations = stations_of_representative(rep)
    return stations
