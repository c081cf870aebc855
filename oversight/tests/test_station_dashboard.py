"""A station's own dashboard: who may open it and what it costs."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, ActivityKind
from devtools.testing import factories as f
from stations.models import ReceptionDay, StandardItem
from suggestions.models import Assignment, HandlingUnit, Stage

pytestmark = pytest.mark.django_db


def url(station):
    return reverse("oversight:station_dashboard", args=[station.code])


def add_records(world, n):
    today = timezone.localdate()
    unit = HandlingUnit.objects.create(name=f"单位{n}", region=world.county)
    kind, _ = ActivityKind.objects.get_or_create(name="调研")
    for i in range(n):
        s = f.SuggestionFactory(station=world.station, stage=Stage.ASSIGN, title=f"事项{n}-{i}")
        Assignment.objects.create(suggestion=s, unit=unit, accept_due=today, reply_due=today - dt.timedelta(days=i % 3))
        day = ReceptionDay.objects.create(
            station=world.station, date=today - dt.timedelta(days=7 * (i + 1) + n), start_time="09:00", end_time="11:00"
        )
        day.on_duty.add(world.rep)
        Activity.objects.create(
            kind=kind, date=today - dt.timedelta(days=i), station=world.station, title=f"活动{n}-{i}", summary="调研"
        )


@pytest.mark.parametrize(("persona", "status"), [("staff", 200), ("admin", 200), ("city_admin", 200)])
def test_staff_and_the_regions_committee_open_it(login, world, persona, status):
    assert login(getattr(world, persona)).get(url(world.station)).status_code == status


@pytest.mark.parametrize("persona", ["other_staff", "other_admin", "rep_user", "handler"])
def test_nobody_else_learns_the_station_exists(login, world, persona):
    assert login(getattr(world, persona)).get(url(world.station)).status_code == 404


def test_my_station_dashboard_leads_staff_to_their_station(login, world):
    response = login(world.staff).get(reverse("oversight:my_station_dashboard"))
    assert response.status_code == 302 and response.url == url(world.station)
    assert login(world.handler).get(reverse("oversight:my_station_dashboard")).status_code == 403


def test_it_shows_the_overdue_items_and_the_checklist_gaps(login, world):
    add_records(world, 3)
    StandardItem.objects.create(group="九有六簿一册", name="有意见建议办理簿", order=1)
    body = login(world.staff).get(url(world.station)).content.decode()
    assert 'id="colour-red"' in body and "事项3-1" in body  # one day late: on the red list
    assert "有意见建议办理簿" in body  # not met yet
    assert "活动3-0" in body


def test_query_count_does_not_grow_with_the_station_records(login, world, django_assert_max_num_queries):
    client = login(world.staff)
    add_records(world, 2)
    client.get(url(world.station))
    with CaptureQueriesContext(connection) as small:
        client.get(url(world.station))
    add_records(world, 12)
    with django_assert_max_num_queries(20), CaptureQueriesContext(connection) as large:
        client.get(url(world.station))
    assert len(large) == len(small)
