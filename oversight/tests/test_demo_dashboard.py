"""The seed's own figures, as the demo's committee admin and station staff read them on their dashboards."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from activities.models import Activity
from stations.models import Region, Station
from suggestions.models import Suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One demo seed for the module, rolled back at the end so other modules never see it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db, client):
    def login(username):
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return login


def number(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}".*?<div class="fs-3 fw-bold[^"]*">([^<]+)</div>', html, re.S)
    assert match, element_id
    return match.group(1).strip()


def station_row(html: str, name: str) -> list[str]:
    row = re.search(rf"<tr>\s*<td><a [^>]*>{re.escape(name)}</a>.*?</tr>", html, re.S)
    assert row, name
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]


def test_the_enterprise_clues_and_problems_of_the_seed_are_on_the_committee_dashboard(demo):
    html = demo("demo_admin").get(reverse("oversight:dashboard"), {"stations": "all"}).content.decode()
    # 161 clues from the tobacco station's 13 sub-points and 86 problems at the Xinhua district station.
    assert int(number(html, "figure-6")) >= 161 + 86
    assert (
        int(number(html, "figure-6"))
        == Suggestion.objects.filter(is_enterprise=True, duplicate_of__isnull=True).count()
    )
    assert station_row(html, "新华区产业代表联络站")[2] == "86"


def test_the_tobacco_county_filter_shows_its_161_clues(demo):
    county = Region.objects.get(name="郏县")
    html = demo("demo_admin").get(reverse("oversight:dashboard"), {"region": county.pk}).content.decode()
    assert int(number(html, "figure-6")) >= 161


def test_sijicheng_station_dashboard_shows_150_visitors_and_its_monthly_days(demo):
    station = Station.objects.get(name="四季城人大代表联络点")
    html = demo("demo_staff").get(reverse("oversight:station_dashboard", args=[station.code])).content.decode()
    held, scheduled, visitors = map(int, re.search(r"已开展(\d+)次（应开展(\d+)次），接待群众(\d+)人次", html).groups())
    assert held == scheduled == 24 and visitors >= 150
    assert "物业管理" in html


def test_the_property_management_opinions_and_legislative_surveys_are_in_the_books(demo):
    station = Station.objects.get(name="四季城人大代表联络点")
    client = demo("demo_staff")
    surveys = Activity.objects.filter(station=station, kind__name="立法调研")
    assert surveys.count() == 6
    register = client.get(reverse("oversight:register", args=["activities"]), {"station": station.code})
    body = register.content.decode()
    assert "河南省中小微企业发展促进条例" in body and "开封市城市供水用水条例" in body
