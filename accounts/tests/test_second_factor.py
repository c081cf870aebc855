"""Two-step verification (TOTP with django-otp): required for the duties, optional for committee admins."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from accounts.tests.conftest import code_for, password_login

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def enrolled_device(user):
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    static.token_set.create(token="abcd2345")
    return device


def follow_to(response) -> str:
    assert response.status_code == 302
    return response["Location"]


# Required for the duties --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["system_admin", "security_admin", "audit_admin", "superuser"])
def test_an_administrator_without_a_device_is_held_at_enrolment_on_every_page(request, persona, world):
    user = request.getfixturevalue(persona)
    client = password_login(user.username)
    for url in (reverse("admin:index"), reverse("accounts:profile"), "/", reverse("admin:accounts_user_changelist")):
        location = follow_to(client.get(url))
        assert location.startswith(reverse("accounts:otp_enrol")), url
    page = client.get(location).content.decode()
    assert "管理员账号需使用密码和手机验证码登录" in page


def test_enrolment_with_the_apps_code_lets_the_administrator_in(system_admin):
    with time_machine.travel(START, tick=False):
        client = password_login(system_admin.username)
        page = client.get(reverse("accounts:otp_enrol") + "?next=/admin/").content.decode()
        assert "<svg" in page and 'id="manual-key"' in page
        device = TOTPDevice.objects.get(user=system_admin, confirmed=False)
        shown_key = re.search(r'id="manual-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
        assert second_factor.manual_key(device).replace(" ", "") == shown_key

        wrong = client.post(reverse("accounts:otp_enrol"), {"token": "000000", "next": "/admin/"})
        assert wrong.status_code == 200 and "验证码不匹配" in wrong.content.decode()
        assert client.get("/admin/").status_code == 302
    # After a wrong code django-otp waits a second before it checks another.
    with time_machine.travel(START + dt.timedelta(seconds=40), tick=False):
        done = client.post(reverse("accounts:otp_enrol"), {"token": code_for(device), "next": "/admin/"})
        body = done.content.decode()
        assert done.status_code == 200 and "备用验证码" in body
        codes = re.findall(r'<li class="col py-1">([a-z2-7]{4} [a-z2-7]{4})</li>', body)
        assert len(codes) == 10
        assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=system_admin).count() == 10


def test_the_enrolment_qr_code_carries_the_key_the_app_needs(system_admin, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    import segno
    from PIL import Image

    client = password_login(system_admin.username)
    client.get(reverse("accounts:otp_enrol"))
    device = TOTPDevice.objects.get(user=system_admin)
    # The page's SVG is segno's rendering of device.config_url; decode a PNG of the same symbol.
    png = tmp_path / "qr.png"
    segno.make_qr(device.config_url, error="m").save(png, scale=6)
    decoded = zxingcpp.read_barcodes(Image.open(png))[0].text
    assert (
        decoded.startswith("otpauth://totp/")
        and f"secret={second_factor.manual_key(device).replace(' ', '')}" in decoded
    )
    assert "issuer=%E4%BA%BA%E5%A4%A7" in decoded  # 人大代表联络站


def test_login_second_step_with_the_apps_code(system_admin):
    device = enrolled_device(system_admin)
    with time_machine.travel(START, tick=False):
        client = password_login(system_admin.username)
        location = follow_to(client.get("/admin/"))
        assert location == reverse("accounts:otp_verify") + "?next=%2Fadmin%2F"
        page = client.get(location).content.decode()
        assert "两步验证" in page and "六位数字" in page

        wrong = client.post(reverse("accounts:otp_verify"), {"token": "123456", "next": "/admin/"})
        assert "验证码不正确或已过期" in wrong.content.decode()
    # django-otp makes the next try wait after a wrong code (1 s, then 2, 4 …).
    with time_machine.travel(START + dt.timedelta(seconds=5), tick=False):
        response = client.post(reverse("accounts:otp_verify"), {"token": code_for(device), "next": "/admin/"})
        assert follow_to(response) == "/admin/"
        assert client.get("/admin/").status_code == 200


def test_a_code_is_accepted_once_only(system_admin):
    device = enrolled_device(system_admin)
    with time_machine.travel(START, tick=False):
        first = password_login(system_admin.username)
        code = code_for(device)
        follow_to(first.post(reverse("accounts:otp_verify"), {"token": code}))
        second = password_login(system_admin.username)
        replay = second.post(reverse("accounts:otp_verify"), {"token": code})
    assert replay.status_code == 200 and "验证码不正确或已过期" in replay.content.decode()


def test_repeated_wrong_codes_make_the_next_one_wait(system_admin):
    device = enrolled_device(system_admin)
    with time_machine.travel(START, tick=False):
        client = password_login(system_admin.username)
        for _ in range(3):
            client.post(reverse("accounts:otp_verify"), {"token": "111111"})
        # Even the right code is not checked while the wait lasts.
        blocked = client.post(reverse("accounts:otp_verify"), {"token": code_for(device)})
    assert "尝试次数过多" in blocked.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_backup_code_signs_in_once(system_admin):
    enrolled_device(system_admin)
    client = password_login(system_admin.username)
    response = client.post(reverse("accounts:otp_verify"), {"token": "ABCD 2345", "next": "/admin/"})
    assert follow_to(response) == "/admin/"
    again = password_login(system_admin.username)
    refused = again.post(reverse("accounts:otp_verify"), {"token": "abcd2345"})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()


def test_whoever_has_only_the_password_cannot_enrol_another_phone(system_admin):
    device = enrolled_device(system_admin)
    client = password_login(system_admin.username)
    location = follow_to(client.get(reverse("accounts:otp_enrol")))
    assert location.startswith(reverse("accounts:otp_verify"))
    # Not even by posting a code for a device of their own making.
    client.post(reverse("accounts:otp_enrol"), {"token": "123456"})
    assert list(TOTPDevice.objects.filter(user=system_admin)) == [device]


def test_the_session_stays_verified_until_logout(system_admin):
    device = enrolled_device(system_admin)
    client = password_login(system_admin.username)
    follow_to(client.post(reverse("accounts:otp_verify"), {"token": code_for(device)}))
    assert client.get(reverse("admin:index")).status_code == 200
    client.post(reverse("accounts:logout"))
    password_login(system_admin.username, client=client)
    assert client.get(reverse("admin:index")).status_code == 302


# Optional for committee admins --------------------------------------------------------------------


def test_committee_admin_without_a_device_goes_straight_in(client, world):
    password_login(world.admin.username, client=client)
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_committee_admin_enrols_from_the_profile_and_is_asked_at_the_next_login(client, world):
    with time_machine.travel(START, tick=False):
        password_login(world.admin.username, client=client)
        profile = client.get(reverse("accounts:profile")).content.decode()
        assert "两步验证" in profile and reverse("accounts:otp_enrol") in profile
        client.get(reverse("accounts:otp_enrol"))
        device = TOTPDevice.objects.get(user=world.admin)
        client.post(reverse("accounts:otp_enrol"), {"token": code_for(device)})
        assert "剩余 10 个备用验证码" in client.get(reverse("accounts:profile")).content.decode()
    client.post(reverse("accounts:logout"))
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        password_login(world.admin.username, client=client)
        assert follow_to(client.get(reverse("loop:supervision"))).startswith(reverse("accounts:otp_verify"))
        client.post(reverse("accounts:otp_verify"), {"token": code_for(device)})
        assert client.get(reverse("loop:supervision")).status_code == 200


def test_committee_admin_may_turn_it_off_an_administrator_may_not(login, world, system_admin):
    enrolled_device(world.admin)
    client = password_login(world.admin.username)
    client.post(reverse("accounts:otp_verify"), {"token": "abcd2345"})
    client.post(reverse("accounts:otp_disable"))
    assert not TOTPDevice.objects.filter(user=world.admin).exists()

    admin_client = login(system_admin)
    assert reverse("accounts:otp_disable") not in admin_client.get(reverse("accounts:profile")).content.decode()
    assert admin_client.post(reverse("accounts:otp_disable")).status_code == 403
    assert TOTPDevice.objects.filter(user=system_admin).exists()


def test_other_roles_cannot_enrol(login, world):
    client = login(world.staff)
    assert client.get(reverse("accounts:otp_enrol")).status_code == 403
    assert "两步验证" not in client.get(reverse("accounts:profile")).content.decode()


def test_new_backup_codes_need_a_verified_session_and_replace_the_old(login, world):
    enrolled_device(world.admin)
    unverified = login(world.admin)
    assert unverified.post(reverse("accounts:otp_backup_codes")).status_code == 302  # to the second step
    unverified.post(reverse("accounts:otp_verify"), {"token": "abcd2345"})
    page = unverified.post(reverse("accounts:otp_backup_codes")).content.decode()
    assert page.count('class="col py-1"') == 10
    assert not StaticToken.objects.filter(token="abcd2345").exists()


# Reset by the security admin ------------------------------------------------------------------------


def test_security_admin_resets_a_lost_phone_and_the_owner_enrols_again(login, security_admin, system_admin):
    device = enrolled_device(system_admin)
    owner = password_login(system_admin.username)
    owner.post(reverse("accounts:otp_verify"), {"token": code_for(device)})
    assert owner.get("/admin/").status_code == 200

    response = login(security_admin).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [system_admin.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=system_admin).exists()
    assert not StaticDevice.objects.filter(user=system_admin).exists()
    # The owner's open session lost its verification with the device.
    assert follow_to(owner.get("/admin/")).startswith(reverse("accounts:otp_enrol"))


@pytest.mark.parametrize("persona", ["system_admin", "audit_admin"])
def test_only_the_security_admin_resets_second_factors(request, login, persona, world):
    enrolled_device(world.admin)
    actor = request.getfixturevalue(persona)
    login(actor).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [world.admin.pk]},
    )
    assert TOTPDevice.objects.filter(user=world.admin).exists()


def test_security_admin_cannot_reset_their_own_or_a_superusers(login, security_admin, superuser):
    client = login(security_admin)  # gives the security admin a verified device
    enrolled_device(superuser)
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [security_admin.pk, superuser.pk]},
    )
    assert TOTPDevice.objects.filter(user=security_admin).exists()
    assert TOTPDevice.objects.filter(user=superuser).exists()


def test_device_secrets_are_not_shown_in_the_admin(login, superuser):
    client = login(superuser)
    body = client.get(reverse("admin:index")).content.decode()
    assert "otp_totp" not in body and "TOTP" not in body


def test_device_last_used_is_recorded(system_admin):
    device = enrolled_device(system_admin)
    client = password_login(system_admin.username)
    client.post(reverse("accounts:otp_verify"), {"token": code_for(device)})
    device.refresh_from_db()
    assert device.last_used_at is not None and device.last_used_at <= timezone.now()
