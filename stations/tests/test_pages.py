"""Station pages for every persona: who sees what, and what bad input gets."""

import io
import zipfile

import pytest
from django.urls import reverse

from devtools.testing import factories as f


def test_directory_is_public_and_lists_stations(client, world):
    response = client.get(reverse("stations:directory"))
    assert response.status_code == 200
    assert "四季城人大代表联络点" in response.content.decode()
    assert "原康镇人大代表联络站" in response.content.decode()


def test_directory_filters_by_region_subtree_kind_and_name(client, world):
    by_region = client.get(reverse("stations:directory"), {"region": world.county.pk}).content.decode()
    assert "四季城人大代表联络点" in by_region
    assert "原康镇人大代表联络站" not in by_region

    by_kind = client.get(reverse("stations:directory"), {"kind": "township"}).content.decode()
    assert "原康镇人大代表联络站" in by_kind
    assert "四季城人大代表联络点" not in by_kind

    by_name = client.get(reverse("stations:directory"), {"q": "四季"}).content.decode()
    assert "四季城人大代表联络点" in by_name
    assert "原康镇人大代表联络站" not in by_name


def test_directory_shows_empty_state_when_nothing_matches(client, world):
    body = client.get(reverse("stations:directory"), {"q": "不存在的站"}).content.decode()
    assert "没有符合条件的联络站" in body


def test_directory_ignores_junk_filters_and_pages(client, world):
    response = client.get(reverse("stations:directory"), {"region": "abc", "kind": "castle", "page": "999"})
    assert response.status_code == 200


def test_directory_query_count_does_not_grow_with_stations(client, world, django_assert_max_num_queries):
    for _ in range(30):
        f.StationFactory(region=world.station.region)
    with django_assert_max_num_queries(6):
        client.get(reverse("stations:directory"))


def test_station_page_is_public_and_shows_residents_hours_and_score(client, world):
    items = [f.StandardItemFactory(group="四得", name=n) for n in ("看得见牌", "进得了门", "找得到人", "说得了事")]
    world.station.standard_items_met.set(items[:3])
    body = client.get(world.station.get_absolute_url()).content.decode()
    assert "四季城人大代表联络点" in body
    assert "代表甲" in body  # resident, 亮身份
    assert "市" in body and "第十二届" in body  # congress seat
    assert world.station.opening_hours in body
    assert "75%" in body
    assert "提建议" in body


def test_station_page_never_shows_representative_phones(client, world):
    body = client.get(world.station.get_absolute_url()).content.decode()
    assert world.rep.phone not in body


def test_station_page_query_count_is_fixed(client, world, django_assert_max_num_queries):
    for _ in range(10):
        rep = f.RepresentativeFactory()
        f.MembershipFactory(representative=rep)
        f.ResidencyFactory(representative=rep, station=world.station)
    with django_assert_max_num_queries(10):
        client.get(world.station.get_absolute_url())


@pytest.mark.parametrize("code", ["ZZZZZZZZ", "zzzzzzzz", "ABC", "AB-CD", "0000OOOO"])
def test_unknown_or_malformed_station_code_gets_friendly_404(client, world, code):
    response = client.get(f"/s/{code}/")
    assert response.status_code == 404
    assert "找不到" in response.content.decode()


def test_unknown_station_code_shows_chinese_404_page(client, world):
    response = client.get("/s/ZZZZZZZZ/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "联络站" in body and "二维码" in body


def test_station_code_is_case_insensitive(client, world):
    assert client.get(f"/s/{world.station.code.lower()}/").status_code == 200


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 200),
        ("admin", 200),
        ("city_admin", 200),
        ("other_staff", 404),
        ("other_admin", 404),
        ("rep_user", 404),
        ("handler", 404),
    ],
)
def test_who_may_edit_a_station(login, world, persona, status):
    client = login(getattr(world, persona))
    assert client.get(reverse("stations:edit", args=[world.station.code])).status_code == status


def test_anonymous_edit_redirects_to_login(client, world):
    response = client.get(reverse("stations:edit", args=[world.station.code]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def _edit_data(station, **overrides):
    data = {
        "name": station.name,
        "status": station.status,
        "address": station.address,
        "opening_hours": station.opening_hours,
        "phone": station.phone,
        "description": station.description,
        "head": "",
        "is_legislative_contact_point": "",
    }
    data.update(overrides)
    return data


def test_staff_edits_their_station(login, world):
    client = login(world.staff)
    item = f.StandardItemFactory()
    response = client.post(
        reverse("stations:edit", args=[world.station.code]),
        _edit_data(world.station, opening_hours="每月20日 9:00-12:00", head=world.rep.pk, standard_items_met=[item.pk]),
    )
    assert response.status_code == 302
    world.station.refresh_from_db()
    assert world.station.opening_hours == "每月20日 9:00-12:00"
    assert world.station.head == world.rep
    assert list(world.station.standard_items_met.all()) == [item]


def test_edit_rejects_a_head_who_is_not_resident_and_keeps_input(login, world):
    client = login(world.staff)
    response = client.post(
        reverse("stations:edit", args=[world.station.code]),
        _edit_data(world.station, head=world.other_rep.pk, opening_hours="新的时间"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "选择一个有效的选项" in body  # the head field offers residents only
    assert "新的时间" in body
    world.station.refresh_from_db()
    assert world.station.head is None


def test_edit_rejects_an_empty_name_in_chinese(login, world):
    client = login(world.staff)
    response = client.post(reverse("stations:edit", args=[world.station.code]), _edit_data(world.station, name=""))
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()


def test_manage_list_shows_only_stations_in_scope(login, world, django_assert_max_num_queries):
    body = login(world.staff).get(reverse("stations:manage")).content.decode()
    assert "四季城人大代表联络点" in body and "原康镇人大代表联络站" not in body

    for _ in range(15):
        f.StationFactory(region=world.station.region)
    client = login(world.city_admin)
    with django_assert_max_num_queries(10):
        body = client.get(reverse("stations:manage")).content.decode()
    assert "四季城人大代表联络点" in body and "原康镇人大代表联络站" in body


def test_manage_list_refuses_roles_without_stations(login, world):
    assert login(world.handler).get(reverse("stations:manage")).status_code == 403


def test_region_posters_zip_for_committee_admin(login, world):
    response = login(world.admin).get(reverse("stations:region_posters", args=[world.county.pk]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert names == [f"{world.station.code}-{world.station.name}.svg"]
    poster = archive.read(names[0]).decode()
    assert world.station.name in poster and f"/s/{world.station.code}/" in poster


@pytest.mark.parametrize("persona", ["other_admin", "staff", "handler", "rep_user"])
def test_region_posters_refused_outside_scope(login, world, persona):
    response = login(getattr(world, persona)).get(reverse("stations:region_posters", args=[world.county.pk]))
    assert response.status_code == 404


def test_region_list_for_committee_admin_only(login, world):
    body = login(world.admin).get(reverse("stations:regions")).content.decode()
    assert "龙亭区" in body and "林州市" not in body
    assert login(world.staff).get(reverse("stations:regions")).status_code == 403
