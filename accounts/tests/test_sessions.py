"""Sessions end when idle or too old, and a new password ends the account's other sessions."""

import datetime as dt
import re

import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.tests.conftest import password_login
from devtools.testing import factories as f

START = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
NEW_PASSWORD = "Fresh-Password-26"


def at(minutes: float):
    return time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False)


def profile_status(client) -> int:
    return client.get(reverse("accounts:profile")).status_code


# Idle and absolute limits --------------------------------------------------------------------------


def test_a_session_idle_for_30_minutes_ends_with_a_chinese_message(world):
    with at(0):
        client = password_login("staff")
    with at(29):
        assert profile_status(client) == 200
    with at(29 + 29):
        assert profile_status(client) == 200  # each request counts as activity
    with at(29 + 29 + 31):
        response = client.get(reverse("loop:station_inbox"))
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:login") + "?next=" + reverse("loop:station_inbox")
        page = client.get(response["Location"]).content.decode()
        assert "您已 30 分钟未操作，系统已自动退出，请重新登录。" in page
        # The session is gone, not merely redirected once.
        assert profile_status(client) == 302
        assert "_auth_user_id" not in client.session


def test_a_session_ends_12_hours_after_the_login_however_busy(world):
    with at(0):
        client = password_login("staff")
    for minutes in range(20, 12 * 60, 20):
        with at(minutes):
            assert profile_status(client) == 200, minutes
    with at(12 * 60 + 1):
        response = client.get(reverse("accounts:profile"))
        assert response.status_code == 302
        assert "登录已超过 12 小时" in client.get(response["Location"]).content.decode()


def test_both_limits_are_settings(world, settings):
    settings.SESSION_IDLE_SECONDS = 5 * 60
    settings.SESSION_ABSOLUTE_SECONDS = 60 * 60
    with at(0):
        idle = password_login("staff")
        busy = password_login("handler")
    with at(4):
        assert profile_status(idle) == 200
    with at(10):
        assert profile_status(idle) == 302
    for minutes in range(4, 60, 4):
        with at(minutes):
            assert profile_status(busy) == 200
    with at(61):
        assert profile_status(busy) == 302


def test_the_session_cookie_lives_no_longer_than_the_absolute_limit(world, settings):
    response = Client().post(reverse("accounts:login"), {"username": "staff", "password": f.PASSWORD})
    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600


def test_citizens_without_a_session_are_not_touched(client, world):
    with at(0):
        assert client.get(world.station.get_absolute_url()).status_code == 200
    with at(600):
        assert client.get(world.station.get_absolute_url()).status_code == 200


# A new password ends the other sessions -------------------------------------------------------------------


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(world):
    here = password_login("staff")
    elsewhere = password_login("staff")
    response = here.post(
        reverse("accounts:password_change"),
        {"old_password": f.PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert profile_status(here) == 200
    assert profile_status(elsewhere) == 302


def test_a_password_set_by_the_system_admin_ends_the_owners_sessions(login, system_admin, world):
    owner = password_login("staff")
    url = reverse("admin:auth_user_password_change", args=[world.staff.pk])
    login(system_admin).post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert profile_status(owner) == 302


def test_a_password_reset_by_mail_ends_every_session(world):
    owner = password_login("staff")
    visitor = Client()
    visitor.post(reverse("accounts:password_reset"), {"email": world.staff.email})
    link = re.search(r"/accounts/password/reset/\S+/\S+/", mail.outbox[0].body).group(0)
    form_url = visitor.get(link)["Location"]
    response = visitor.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert profile_status(owner) == 302
    password_login("staff", NEW_PASSWORD)
