"""Recording activities (履职活动) with photos, and who sees them.

Today is Monday 16 November 2026 in Shanghai. Refused uploads are checked in English (the msgids:
translations may still be pending) and must leave the form filled in as typed.
"""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from activities import services
from activities.models import Activity, ActivityKind, ActivityPhoto
from devtools.testing import factories as f
from devtools.testing.pictures import phone_exif, small_photo, streamed_png

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)
LIST = reverse("activities:list")
NEW = reverse("activities:new")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def png_bytes(colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), colour).save(buffer, "PNG")
    return buffer.getvalue()


def upload(name, content, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def kind(db):
    return ActivityKind.objects.create(name="进园区", order=1)


@pytest.fixture
def colleague(world):
    """A second representative resident at 四季城."""
    rep = f.RepresentativeFactory(name="代表丙")
    f.ResidencyFactory(representative=rep, station=world.station)
    return rep


def form_data(world, kind, reps, **extra):
    data = {
        "kind": kind.pk,
        "date": "2026-11-12",
        "station": world.station.pk,
        "representatives": [r.pk for r in reps],
        "title": "走访科技园区企业",
        "summary": "听取企业用工、融资方面的意见。",
    }
    data.update(extra)
    return data


def make(world, kind, reps, *, station=None, title="活动", day=dt.date(2026, 11, 1)):
    activity = Activity.objects.create(
        kind=kind, date=day, station=station or world.station, title=title, summary="内容", created_by=world.staff
    )
    activity.representatives.set(reps)
    return activity


# Recording ----------------------------------------------------------------------------------


def test_staff_records_an_activity_with_two_photos(login, world, kind, colleague):
    client = login(world.staff)
    first, second = png_bytes(), png_bytes((10, 120, 10))
    data = form_data(world, kind, [world.rep, colleague])
    data["photos"] = [upload("园区.png", first), upload("座谈.png", second)]
    response = client.post(NEW, data)
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("activities:detail", args=[activity.pk])
    assert activity.station == world.station and activity.created_by == world.staff
    assert activity.date == dt.date(2026, 11, 12)

    html = client.get(response.url).content.decode()
    participants = html.split('id="participants">')[1].split("</dd>")[0]
    assert "代表甲" in participants and "代表丙" in participants
    photos = list(ActivityPhoto.objects.filter(activity=activity))
    assert [p.original_name for p in photos] == ["园区.png", "座谈.png"]
    for photo, content in zip(photos, (first, second), strict=True):
        url = reverse("activities:photo", args=[photo.pk])
        assert url in html
        download = client.get(url)
        assert download.status_code == 200
        assert download["Content-Type"] == "image/png"
        assert b"".join(download.streaming_content) == content


@pytest.mark.parametrize(
    ("photo", "message"),
    [
        (upload("照片.jpg", EXE_BYTES, "image/jpeg"), "is not a photo"),
        (upload("通知.pdf", PDF_BYTES, "application/pdf"), "is not a photo"),
        (upload("空白.jpg", b"", "image/jpeg"), "is empty"),
    ],
    ids=["exe-renamed-jpg", "pdf", "empty"],
)
def test_a_file_that_is_not_a_photo_is_refused_and_the_form_kept(login, world, kind, photo, message):
    data = form_data(world, kind, [world.rep])
    data["photos"] = [upload("好的.png", png_bytes()), photo]
    response = login(world.staff).post(NEW, data, **EN)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'value="走访科技园区企业"' in html
    assert not Activity.objects.exists() and not ActivityPhoto.objects.exists()


def test_a_photo_over_the_pixel_limit_is_refused_from_its_header_and_the_form_kept(login, world, kind, settings):
    """The 420 KB PNG of 12000×12000 pixels would take 1.2 GB once decoded: its header is enough to refuse it."""
    data = form_data(world, kind, [world.rep])
    data["photos"] = [upload("好的.png", png_bytes()), upload("巨图.png", streamed_png(12000, 12000, mode="1"))]
    response = login(world.staff).post(NEW, data, **EN)
    html = response.content.decode()
    assert response.status_code == 200
    assert "“巨图.png” has 12000×12000 pixels; photos may have at most 40 million." in html
    assert 'value="走访科技园区企业"' in html
    assert not Activity.objects.exists() and not ActivityPhoto.objects.exists()


def test_an_activity_photo_loses_its_gps_position(login, world, kind):
    data = form_data(world, kind, [world.rep])
    data["photos"] = [upload("现场.jpg", small_photo("JPEG", exif=phone_exif()), "image/jpeg")]
    assert login(world.staff).post(NEW, data).status_code == 302
    stored = ActivityPhoto.objects.get().file.read()
    with Image.open(io.BytesIO(stored)) as image:
        assert dict(image.getexif()) == {0x0112: 6}  # the orientation only: no GPS, no device


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"date": "2026-11-17"}, "the date is in the future"),
        ({"representatives": []}, "Tick at least one representative who took part."),
    ],
    ids=["future-date", "nobody-ticked"],
)
def test_future_date_or_no_representative_is_refused_and_the_form_kept(login, world, kind, extra, message):
    response = login(world.staff).post(NEW, form_data(world, kind, [world.rep], **extra), **EN)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'value="走访科技园区企业"' in html
    assert not Activity.objects.exists()


def test_today_is_not_in_the_future(login, world, kind):
    response = login(world.staff).post(NEW, form_data(world, kind, [world.rep], date="2026-11-16"))
    assert response.status_code == 302


def test_a_representative_is_preselected_and_records_their_own_activity(login, world, kind, colleague):
    client = login(world.rep_user)
    html = client.get(NEW).content.decode()
    assert world.station.name in html
    checked = [chunk for chunk in html.split("<input") if 'name="representatives"' in chunk]
    assert len(checked) == 2
    assert [f'value="{world.rep.pk}"' in c for c in checked if "checked" in c] == [True]

    response = client.post(NEW, form_data(world, kind, [world.rep]))
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.created_by == world.rep_user
    assert list(activity.representatives.all()) == [world.rep]


def test_a_representative_does_not_record_an_activity_without_themself(login, world, kind, colleague):
    response = login(world.rep_user).post(NEW, form_data(world, kind, [colleague]), **EN)
    assert response.status_code == 200
    assert "A representative records the activities they took part in themselves." in response.content.decode()
    assert not Activity.objects.exists()


def test_a_representative_of_another_station_cannot_record_for_this_one(login, world, kind):
    client = login(world.other_rep_user)
    # Asking for a station that is not theirs is refused, not answered with their own station's form.
    assert client.get(NEW, {"station": world.station.code}).status_code == 404
    response = client.post(NEW + f"?station={world.station.code}", form_data(world, kind, [world.rep]))
    assert response.status_code == 404
    assert not Activity.objects.filter(station=world.station).exists()
    with pytest.raises(PermissionDenied):
        services.activity_create(
            by=world.other_rep_user,
            station=world.station,
            kind=kind,
            date=dt.date(2026, 11, 12),
            representatives=[world.other_rep],
            title="越权",
            summary="越权",
        )


@pytest.mark.parametrize("persona", ["handler", "other_handler"])
def test_someone_without_a_station_may_not_record(login, world, persona):
    assert login(getattr(world, persona)).get(NEW).status_code == 403


def test_staff_of_two_stations_first_picks_the_station(login, world, kind):
    second = f.StationFactory(name="第二联络站", region=world.station.region)
    second.staff.add(world.staff)
    client = login(world.staff)
    html = client.get(NEW).content.decode()
    assert 'id="station-choices"' in html
    assert f"?station={world.station.code}" in html and f"?station={second.code}" in html
    html = client.get(NEW, {"station": world.station.code}).content.decode()
    assert 'id="activity-form"' in html and "代表甲" in html


# Who sees what ------------------------------------------------------------------------------


@pytest.fixture
def two_activities(world, kind):
    return make(world, kind, [world.rep], title="四季城活动"), make(
        world, kind, [world.other_rep], station=world.other_station, title="原康镇活动"
    )


@pytest.mark.parametrize(
    ("persona", "seen"),
    [
        ("staff", ["四季城活动"]),
        ("other_staff", ["原康镇活动"]),
        ("admin", ["四季城活动"]),
        ("other_admin", ["原康镇活动"]),
        ("city_admin", ["四季城活动", "原康镇活动"]),
        ("rep_user", ["四季城活动"]),
        ("other_rep_user", ["原康镇活动"]),
    ],
)
def test_list_shows_only_activities_in_scope(login, world, two_activities, persona, seen):
    html = login(getattr(world, persona)).get(LIST).content.decode()
    assert [title for title in ("四季城活动", "原康镇活动") if title in html] == seen


def test_list_is_refused_to_a_handler(login, world, two_activities):
    assert login(world.handler).get(LIST).status_code == 403


@pytest.mark.parametrize("persona", ["other_staff", "other_admin", "other_rep_user", "handler"])
def test_detail_and_photo_are_404_for_someone_who_may_not_see_the_activity(login, world, two_activities, persona):
    activity = two_activities[0]
    photo = ActivityPhoto(activity=activity, original_name="现场.png", size=10)
    photo.file.save("现场.png", io.BytesIO(png_bytes()), save=True)
    client = login(getattr(world, persona))
    assert client.get(reverse("activities:detail", args=[activity.pk])).status_code in (403, 404)
    assert client.get(reverse("activities:photo", args=[photo.pk])).status_code == 404
    assert login(world.staff).get(reverse("activities:photo", args=[photo.pk])).status_code == 200


def test_list_filters_by_kind_date_and_words(login, world, kind, two_activities):
    other_kind = ActivityKind.objects.create(name="视察", order=2)
    make(world, other_kind, [world.rep], title="视察河道", day=dt.date(2026, 10, 2))
    client = login(world.city_admin)

    def titles(**params):
        html = client.get(LIST, params).content.decode()
        return sorted(t for t in ("四季城活动", "原康镇活动", "视察河道") if t in html)

    assert titles(kind=other_kind.pk) == ["视察河道"]
    assert titles(date_to="2026-10-31") == ["视察河道"]
    assert titles(date_from="2026-10-03") == ["原康镇活动", "四季城活动"]
    assert titles(q="河道") == ["视察河道"]


def test_empty_list_says_so(login, world):
    response = login(world.staff).get(LIST, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No activity has been recorded yet." in html
    assert 'id="activity-table"' not in html
    assert 'id="record-activity"' in html


def test_list_query_count_does_not_grow(login, world, kind, django_assert_max_num_queries):
    client = login(world.admin)
    client.get(LIST)

    def add(n, start):
        for i in range(start, start + n):
            rep = f.RepresentativeFactory(name=f"列表代表{i}")
            activity = make(world, kind, [rep, world.rep], title=f"列表活动{i}")
            ActivityPhoto.objects.create(activity=activity, file=f"activities/{i}.png", original_name="a.png", size=9)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(queries), response.content.decode().count("列表活动")

    add(2, 0)
    with django_assert_max_num_queries(15):
        small, shown = count()
    assert shown == 2
    add(30, 2)
    with django_assert_max_num_queries(15):
        big, shown = count()
    assert shown == 25  # one page
    assert big == small
