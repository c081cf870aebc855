"""The password policy: length, character classes, no user name, no reuse, forced and periodic changes."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import PasswordHistory, User
from accounts.passwords import character_classes
from accounts.tests.conftest import code_for, password_login
from devtools.testing import factories as f


def errors(password, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


def change(client, old, new):
    return client.post(
        reverse("accounts:password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


# The rules ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "classes"),
    [
        ("abcdefghij", 1),
        ("abcdefGHIJ", 2),
        ("abcdeGHI12", 3),
        ("abcGHI12#$", 4),
        ("人大代表abc12", 3),
        ("ABC 123 xyz", 4),
    ],
)
def test_character_classes_are_counted(password, classes):
    assert character_classes(password) == classes


def test_the_policy_refuses_short_simple_and_username_passwords_in_chinese(db):
    user = User(username="Zhang.Wei")
    assert errors("Ab1!xyz", user) == ["密码长度太短，至少需要 10 个字符。"]
    assert errors("abcdefgh12", user) == ["密码须在小写字母、大写字母、数字和符号四类字符中至少使用其中 3 类。"]
    assert "密码不能包含用户名。" in errors("my-zhang.wei-2026", user)
    assert errors("Lotus-Pond-2026", user) == []
    assert errors("Liaison@2026", User(username="demo_admin", email="demo_admin@example.cn")) == []


def test_the_last_five_passwords_and_the_current_one_are_refused(world):
    user = world.staff
    chosen = [f"Round-{n}-Password" for n in range(1, 7)]
    for password in chosen:
        assert errors(password, user) == []
        user.set_password(password)
        user.save()
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for password in chosen[1:]:
        assert errors(password, user) == ["新密码不能与最近 5 次使用过的密码相同。"], password
    assert errors(chosen[0], user) == []  # six changes ago


def test_the_history_keeps_hashes_not_passwords(world):
    world.staff.set_password("Round-1-Password")
    world.staff.save()
    kept = PasswordHistory.objects.get(user=world.staff).password
    assert "Round-1" not in kept and kept == world.staff.password


def test_the_change_page_explains_the_policy_and_keeps_nothing_weak(login, world):
    client = login(world.staff)
    page = client.get(reverse("accounts:password_change")).content.decode()
    assert "至少需要 10 个字符" in page and "四类字符" in page and "不能包含用户名" in page
    response = change(client, f.PASSWORD, "staff-2026-abc")
    body = response.content.decode()
    assert response.status_code == 200 and "密码不能包含用户名。" in body
    response = change(client, f.PASSWORD, f.PASSWORD)
    assert "新密码不能与最近 5 次使用过的密码相同。" in response.content.decode()
    world.staff.refresh_from_db()
    assert world.staff.check_password(f.PASSWORD)


def test_the_reset_page_applies_the_policy(client, world):
    uid = urlsafe_base64_encode(force_bytes(world.staff.pk))
    url = reverse("accounts:password_reset_confirm", args=[uid, default_token_generator.make_token(world.staff)])
    form_url = client.get(url)["Location"]
    response = client.post(form_url, {"new_password1": "password12", "new_password2": "password12"})
    assert "至少使用其中 3 类" in response.content.decode()


# Forced change after an administrator chose the password ---------------------------------------------------


def test_an_account_created_by_an_administrator_must_change_its_password_first(login, system_admin):
    login(system_admin).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newstaff",
            "usable_password": "true",
            "password1": "Given-By-Admin-1",
            "password2": "Given-By-Admin-1",
        },
    )
    client = password_login("newstaff", "Given-By-Admin-1")
    for url in ("/", reverse("accounts:profile"), reverse("suggestions:list")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:password_change"))
    page = client.get(reverse("accounts:password_change") + "?next=/accounts/profile/").content.decode()
    assert "此账号的密码由管理员设置" in page
    # The way out stays open: switching the language and logging out.
    assert client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"}).status_code == 302
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "Given-By-Admin-1",
            "new_password1": "Own-Choice-2026",
            "new_password2": "Own-Choice-2026",
            "next": "/accounts/profile/",
        },
    )
    assert response["Location"] == "/accounts/profile/"
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert not User.objects.get(username="newstaff").must_change_password


def test_the_held_user_can_log_out(world):
    world.staff.must_change_password = True
    world.staff.save()
    client = password_login("staff")
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


def test_the_next_after_a_forced_change_stays_on_this_site(world):
    world.staff.must_change_password = True
    world.staff.save()
    client = password_login("staff")
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": f.PASSWORD,
            "new_password1": "Own-Choice-2026",
            "new_password2": "Own-Choice-2026",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/"


def test_a_new_duty_account_enrols_first_then_changes_its_password(db, monkeypatch):
    monkeypatch.setenv("ADMIN_DUTY_PASSWORD", "Install-Time-2026")
    call_command("create_admin_duty", "audit1", "--duty", "audit", "--no-input")
    start = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        client = password_login("audit1", "Install-Time-2026")
        assert client.get("/admin/")["Location"].startswith(reverse("accounts:otp_enrol"))
        client.get(reverse("accounts:otp_enrol"))
        device = User.objects.get(username="audit1").totpdevice_set.get()
        client.post(reverse("accounts:otp_enrol"), {"token": code_for(device)})
        assert client.get("/admin/")["Location"].startswith(reverse("accounts:password_change"))
        change(client, "Install-Time-2026", "Audit-Own-Choice-9")
        assert client.get("/admin/").status_code == 200


# Maximum age ---------------------------------------------------------------------------------------------


def days_later(days):
    return time_machine.travel(timezone.now() + dt.timedelta(days=days), tick=False)


@pytest.mark.parametrize("persona", ["staff", "handler", "admin"])
def test_staff_roles_change_their_password_after_90_days(world, persona):
    username = getattr(world, persona).username
    with days_later(89):
        assert password_login(username).get(reverse("accounts:profile")).status_code == 200
    with days_later(91):
        client = password_login(username)
        response = client.get(reverse("accounts:profile"))
        assert response["Location"].startswith(reverse("accounts:password_change"))
        assert "已使用超过 90 天" in client.get(response["Location"]).content.decode()
        change(client, f.PASSWORD, "Quarterly-New-26")
        assert client.get(reverse("accounts:profile")).status_code == 200


def test_the_maximum_age_holds_for_duties_too(login, system_admin):
    with days_later(91):
        client = login(system_admin)
        assert client.get("/admin/")["Location"].startswith(reverse("accounts:password_change"))


def test_representatives_alone_are_not_held_by_the_maximum_age(world):
    with days_later(400):
        assert password_login("rep").get(reverse("accounts:profile")).status_code == 200


def test_a_maximum_age_of_zero_turns_it_off(world, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    with days_later(400):
        assert password_login("staff").get(reverse("accounts:profile")).status_code == 200
