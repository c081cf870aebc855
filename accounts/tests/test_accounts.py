import pytest
from django.core import mail
from django.urls import reverse

from accounts import permissions
from devtools.testing import factories as f


def test_login_page_is_chinese(client, db):
    body = client.get(reverse("accounts:login")).content.decode()
    assert "登录" in body and "用户名" in body


def test_everything_requires_login_except_public_pages(client, world):
    assert client.get(reverse("representatives:list")).status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert client.get(reverse("suggestions:units")).status_code == 302
    for public in ("/", "/stations/", world.station.get_absolute_url(), world.rep.get_absolute_url(), "/healthz"):
        assert client.get(public).status_code == 200, public


def test_login_with_password_and_logout(client, world):
    response = client.post(reverse("accounts:login"), {"username": "staff", "password": f.PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_wrong_password_shows_chinese_error(client, world):
    response = client.post(reverse("accounts:login"), {"username": "staff", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_account_is_locked_after_repeated_failures(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "staff", "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": "staff", "password": f.PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_password_reset_sends_mail(client, world):
    response = client.post(reverse("accounts:password_reset"), {"email": world.staff.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_password_change(login, world):
    client = login(world.staff)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": f.PASSWORD, "new_password1": "另一个长密码-Ab2026", "new_password2": "另一个长密码-Ab2026"},
    )
    assert response.status_code == 302
    world.staff.refresh_from_db()
    assert world.staff.check_password("另一个长密码-Ab2026")


def test_profile_lists_roles(login, world):
    body = login(world.staff).get(reverse("accounts:profile")).content.decode()
    assert "联络站工作人员" in body and "四季城人大代表联络点" in body


def test_roles_follow_links(world):
    assert permissions.roles(world.staff) == {"station_staff"}
    assert permissions.roles(world.rep_user) == {"representative"}
    assert permissions.roles(world.handler) == {"unit_handler"}
    assert permissions.roles(world.admin) == {"committee_admin"}


def test_a_person_may_hold_several_roles(world):
    world.station.staff.add(world.rep_user)
    user = type(world.rep_user).objects.get(pk=world.rep_user.pk)
    assert permissions.roles(user) == {"station_staff", "representative"}


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("staff", True),
        ("admin", True),
        ("city_admin", True),
        ("other_staff", False),
        ("other_admin", False),
        ("rep_user", False),
        ("handler", False),
    ],
)
def test_can_manage_station(world, persona, allowed):
    assert permissions.can_manage_station(getattr(world, persona), world.station) is allowed


def test_language_can_be_switched_to_english(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Find a station" in client.get("/").content.decode()
