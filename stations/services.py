"""Writes to the stations registry. Views, admin actions and commands all call these."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import permissions

from .models import Station, Visit

# What staff and committee admins may change on a station's page; the page's form is built from it.
EDITABLE_FIELDS = (
    "name",
    "status",
    "address",
    "opening_hours",
    "phone",
    "description",
    "head",
    "is_legislative_contact_point",
)


@transaction.atomic
def station_update(*, station: Station, by, data: dict, standard_items=None) -> Station:
    """Change a station's editable facts.

    Raises ``PermissionDenied`` if ``by`` may not manage the station and
    ``ValidationError`` if the head is not resident there or the data is invalid.
    """
    if not permissions.can_manage_station(by, station):
        raise PermissionDenied(_("You may not change this station."))
    changed = []
    for field in EDITABLE_FIELDS:
        if field in data and getattr(station, field) != data[field]:
            setattr(station, field, data[field])
            changed.append(field)
    if station.head_id and not station.residencies.filter(representative_id=station.head_id).exists():
        raise ValidationError({"head": _("The head of station must be one of its resident representatives.")})
    station.full_clean()
    if changed:
        station.save(update_fields=[*changed, "updated_at"])
    if standard_items is not None:
        station.standard_items_met.set(standard_items)
    return station


def visits_forget_contacts(visit_ids) -> int:
    """Erase the visitor's name and number on these visits (PIPL: withdrawn, or kept long enough); the visits stay.

    Callers decide which visits qualify (a withdrawal, the retention sweep) and
    have the right to; this only writes. Returns the visits changed.
    """
    return (
        Visit.objects.filter(pk__in=visit_ids)
        .exclude(visitor_name="", visitor_phone="")
        .update(visitor_name="", visitor_phone="")
    )
