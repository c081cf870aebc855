"""Writes of activities: permission checked here as well as in the view."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import permissions

from .models import Activity, ActivityPhoto


@transaction.atomic
def activity_create(*, by, station, kind, date, representatives, title: str, summary: str, photos=()) -> Activity:
    if not permissions.can_record_activity(by, station):
        raise PermissionDenied(_("You may not record activities for this station."))
    representatives = list(representatives)
    if not representatives:
        raise ValidationError(_("Tick at least one representative who took part."))
    own = permissions.representative_id(by)
    if own and not permissions.can_manage_station(by, station) and own not in {r.pk for r in representatives}:
        raise ValidationError(_("A representative records the activities they took part in themselves."))
    activity = Activity.objects.create(
        kind=kind, date=date, station=station, title=title.strip(), summary=summary.strip(), created_by=by
    )
    activity.representatives.set(representatives)
    for photo in photos:
        item = ActivityPhoto(activity=activity, original_name=photo.name, size=photo.content.size)
        item.file.save(photo.name, photo.content, save=False)
        item.save()
    return activity
