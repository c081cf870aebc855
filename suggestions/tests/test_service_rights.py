"""Services check the actor's right themselves, whatever page or admin form calls them."""

import pytest
from django.core.exceptions import PermissionDenied

from devtools.testing import factories as f
from stations.models import Station
from suggestions.imports import importer
from suggestions.intake import services
from suggestions.loop import notifications
from suggestions.models import Event, Notification


def test_only_the_regions_committee_corrects_a_category(world):
    item = f.SuggestionFactory(station=world.station)
    category = f.CategoryFactory(name="城建交通")
    with pytest.raises(PermissionDenied):
        services.suggestion_set_category(suggestion=item, category=category, by=world.other_admin)
    services.suggestion_set_category(suggestion=item, category=category, by=world.admin)
    item.refresh_from_db()
    assert item.category == category
    assert item.events.get(kind=Event.Kind.EDITED).actor == world.admin


def test_a_notification_is_marked_read_by_its_own_reader_only(world):
    note = Notification.objects.create(user=world.staff, text="新的意见建议")
    with pytest.raises(PermissionDenied):
        notifications.notification_mark_read(notification=note, by=world.other_staff)
    notifications.notification_mark_read(notification=note, by=world.staff)
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_register_is_kept_for_confirmation_only_for_the_stations_staff(world):
    station = Station.objects.get(pk=world.station.pk)
    with pytest.raises(PermissionDenied):
        importer.stash_keep(station=station, by=world.other_staff, data=b"PK")
    token = importer.stash_keep(station=station, by=world.staff, data=b"PK")
    assert importer.stash_take(token) == b"PK"
    assert importer.stash_take(token) is None  # used once
