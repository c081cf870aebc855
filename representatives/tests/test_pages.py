import pytest
from django.urls import reverse

from devtools.testing import factories as f


def test_public_profile_shows_identity_without_phone(client, world):
    body = client.get(world.rep.get_absolute_url()).content.decode()
    assert "代表甲" in body and "四季城人大代表联络点" in body and "第十二届" in body
    assert world.rep.phone not in body
    assert "提建议" in body


@pytest.mark.parametrize(
    ("persona", "sees_phone"),
    [
        ("staff", True),
        ("admin", True),
        ("rep_user", True),
        ("other_staff", False),
        ("other_admin", False),
        ("handler", False),
    ],
)
def test_contact_phone_only_for_staff_who_work_with_the_representative(login, world, persona, sees_phone):
    body = login(getattr(world, persona)).get(world.rep.get_absolute_url()).content.decode()
    assert (world.rep.phone in body) is sees_phone


def test_unknown_representative_code_is_404(client, world):
    assert client.get("/r/ZZZZZZZZ/").status_code == 404


@pytest.mark.parametrize(
    ("persona", "sees", "hidden"),
    [
        ("staff", "代表甲", "代表乙"),
        ("other_staff", "代表乙", "代表甲"),
        ("admin", "代表甲", "代表乙"),
        ("other_admin", "代表乙", "代表甲"),
    ],
)
def test_staff_list_is_scoped(login, world, persona, sees, hidden):
    body = login(getattr(world, persona)).get(reverse("representatives:list")).content.decode()
    assert sees in body and hidden not in body


def test_city_admin_sees_both_counties(login, world):
    body = login(world.city_admin).get(reverse("representatives:list")).content.decode()
    assert "代表甲" in body and "代表乙" in body
    assert world.rep.phone in body


@pytest.mark.parametrize("persona", ["handler", "rep_user"])
def test_staff_list_refused_to_other_roles(login, world, persona):
    assert login(getattr(world, persona)).get(reverse("representatives:list")).status_code == 403


def test_staff_list_filters_by_level_group_and_station(login, world):
    group = f.ProfessionalGroupFactory(name="财经专业代表小组")
    world.other_rep.group = group
    world.other_rep.save()
    f.MembershipFactory(representative=world.other_rep, level="national", term="第十四届")
    client = login(world.city_admin)
    url = reverse("representatives:list")
    assert "代表乙" not in client.get(url, {"level": "city"}).content.decode()
    assert "代表甲" in client.get(url, {"level": "city"}).content.decode()
    by_group = client.get(url, {"group": group.pk}).content.decode()
    assert "代表乙" in by_group and "代表甲" not in by_group
    by_station = client.get(url, {"station": world.station.pk}).content.decode()
    assert "代表甲" in by_station and "代表乙" not in by_station
    assert "没有符合条件的代表" in client.get(url, {"q": "无此人"}).content.decode()


def test_staff_list_query_count_is_fixed(login, world, django_assert_max_num_queries):
    for _ in range(25):
        rep = f.RepresentativeFactory()
        f.MembershipFactory(representative=rep)
        f.ResidencyFactory(representative=rep, station=world.station)
    client = login(world.admin)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("representatives:list"))
    assert response.status_code == 200
