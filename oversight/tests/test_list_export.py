"""The suggestion list's Excel button: at once when small, through a background export when large."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from devtools.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(world):
    for i in range(3):
        f.SuggestionFactory(station=world.station, title=f"路灯不亮{i}", is_enterprise=i == 0)
    f.SuggestionFactory(station=world.other_station, title="别处的事")


def test_a_small_list_downloads_at_once(login, world, items):
    client = login(world.staff)
    response = client.post(reverse("oversight:list_export") + "?enterprise=yes")
    assert response.status_code == 302 and response.url == reverse("suggestions:export_xlsx") + "?enterprise=yes"


def test_a_large_list_is_written_in_the_background_with_the_same_filters(
    login, world, items, settings, django_capture_on_commit_callbacks
):
    settings.REGISTER_IMMEDIATE_ROWS = 1
    client = login(world.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("oversight:list_export") + "?q=路灯")
    assert response.status_code == 302 and "/exports/" in response.url
    status = client.get(response.url + "status/").json()
    assert status["status"] == "done" and status["percent"] == 100 and status["download"]
    sheet = load_workbook(io.BytesIO(b"".join(client.get(status["download"]).streaming_content))).active
    titles = sorted(row[6] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert titles == ["路灯不亮0", "路灯不亮1", "路灯不亮2"]  # the staff's own station, as filtered
    assert login(world.other_staff).get(status["download"]).status_code == 404
    # The bell says the file is ready, and the registers page lists it.
    assert world.staff.notifications.filter(url=response.url).exists()
    page = login(world.staff).get(reverse("oversight:registers")).content.decode()
    assert "意见建议（筛选结果）" in page.split('id="my-exports"')[1]
    assert page.count('id="my-exports"') == 1  # listed once, in the page, not in its <title>
    assert "<h2" not in page.split("<title>")[1].split("</title>")[0]


def test_the_list_export_is_refused_to_a_handler(login, world, items):
    assert login(world.handler).post(reverse("oversight:list_export")).status_code == 403
