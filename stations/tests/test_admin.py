"""The Django admin for committee admins: Chinese, scoped, and deletions that would lose data refused."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from devtools.testing import factories as f
from representatives.models import Representative
from stations.models import ReceptionDay, Station, Visit


@pytest.fixture
def superuser(db):
    from devtools.testing.factories import UserFactory

    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    "model",
    [
        "stations.station",
        "stations.region",
        "stations.industrychain",
        "stations.standarditem",
        "representatives.representative",
        "representatives.professionalgroup",
        "representatives.congressmembership",
        "representatives.residency",
        "suggestions.handlingunit",
        "accounts.user",
    ],
)
def test_every_model_has_a_searchable_admin(login, superuser, world, model):
    app, name = model.split(".")
    response = login(superuser).get(reverse(f"admin:{app}_{name}_changelist"), {"q": "四季"})
    assert response.status_code == 200


def test_admin_is_in_chinese(login, superuser, world):
    body = login(superuser).get(reverse("admin:index")).content.decode()
    assert "代表联络站" in body


def test_deleting_a_station_with_residents_is_refused(login, superuser, world):
    client = login(superuser)
    url = reverse("admin:stations_station_delete", args=[world.station.pk])
    page = client.get(url).content.decode()
    assert "受保护" in page or "需要删除以下受保护" in page
    client.post(url, {"post": "yes"})
    assert Station.objects.filter(pk=world.station.pk).exists()


def test_deleting_a_representative_who_heads_a_station_is_refused(login, superuser, world):
    world.station.head = world.rep
    world.station.save()
    client = login(superuser)
    client.post(reverse("admin:representatives_representative_delete", args=[world.rep.pk]), {"post": "yes"})
    assert Representative.objects.filter(pk=world.rep.pk).exists()


def test_committee_admin_sees_only_their_region_in_admin(login, world):
    from django.contrib.auth.models import Permission

    world.admin.user_permissions.add(*Permission.objects.filter(codename__in=["view_station", "view_representative"]))
    client = login(world.admin)
    body = client.get(reverse("admin:stations_station_changelist")).content.decode()
    assert "四季城人大代表联络点" in body and "原康镇人大代表联络站" not in body
    body = client.get(reverse("admin:representatives_representative_changelist")).content.decode()
    assert "代表甲" in body and "代表乙" not in body


@pytest.fixture
def anonymous_visit_suggestion(world):
    """A suggestion raised by a visitor who gave no name on a reception day."""
    day = ReceptionDay.objects.create(
        station=world.station, date=dt.date(2026, 11, 11), start_time=dt.time(9), end_time=dt.time(11)
    )
    visit = Visit.objects.create(reception_day=day, summary="反映小区路灯不亮")
    return f.SuggestionFactory(station=world.station, channel="reception", visit=visit, title="小区路灯不亮")


def test_superuser_opens_a_suggestion_from_an_anonymous_visit_in_the_admin(
    login, superuser, anonymous_visit_suggestion
):
    url = reverse("admin:suggestions_suggestion_change", args=[anonymous_visit_suggestion.pk])
    response = login(superuser).get(url)
    assert response.status_code == 200
    assert "匿名来访人" in response.content.decode()  # the visit, named for the admin


def test_committee_admin_opens_a_suggestion_from_an_anonymous_visit_in_the_admin(
    login, world, anonymous_visit_suggestion
):
    world.admin.user_permissions.add(*Permission.objects.filter(codename__in=["view_suggestion", "view_visit"]))
    client = login(world.admin)
    response = client.get(reverse("admin:suggestions_suggestion_change", args=[anonymous_visit_suggestion.pk]))
    assert response.status_code == 200
    assert "匿名来访人" in response.content.decode()
    visit = anonymous_visit_suggestion.visit
    assert client.get(reverse("admin:stations_visit_change", args=[visit.pk])).status_code == 200


def test_a_representative_photo_over_the_pixel_limit_is_refused_in_the_admin(login, superuser, world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from devtools.testing.pictures import small_photo, streamed_png

    client = login(superuser)
    url = reverse("admin:representatives_representative_change", args=[world.rep.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "photo"}
    data.update(
        {
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
            "residencies-TOTAL_FORMS": 0,
            "residencies-INITIAL_FORMS": 0,
        }
    )
    data["photo"] = SimpleUploadedFile("证件照.png", streamed_png(12000, 12000, mode="1"))
    response = client.post(url, data)
    assert response.status_code == 200
    assert "“证件照.png”的尺寸为 12000×12000 像素" in response.content.decode()
    world.rep.refresh_from_db()
    assert not world.rep.photo

    data["photo"] = SimpleUploadedFile("证件照.jpg", small_photo("JPEG"))
    assert client.post(url, data).status_code == 302
    world.rep.refresh_from_db()
    assert world.rep.photo.name.startswith("representatives/")


def test_activity_photos_are_not_uploaded_through_the_admin(login, superuser, world):
    """Photos come through the activity's page, which measures them and removes their EXIF block."""
    from activities.models import Activity, ActivityKind

    activity = Activity.objects.create(
        kind=ActivityKind.objects.create(name="调研"), date=dt.date(2026, 11, 2), station=world.station, title="调研"
    )
    page = login(superuser).get(reverse("admin:activities_activity_change", args=[activity.pk])).content.decode()
    assert 'type="file"' not in page
