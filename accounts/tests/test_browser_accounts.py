"""In headless Chromium: a new system administrator scans the enrolment QR code from the screen, keeps the
backup codes, replaces the administrator's password, and at the next log-in passes the second step.

Screenshots of every page at 1366×768 and 390×844 land in ``var/screenshots/`` for a human to look at.
"""

import re
from base64 import b32decode

import pytest
import zxingcpp
from django.conf import settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image
from playwright.sync_api import expect

from accounts.models import AdminDuty
from devtools.testing import factories as f

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def shoot(page, name: str) -> None:
    """The page as it stands, at both sizes; ends at the desktop size."""
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=SCREENSHOTS / f"accounts-{name}-{label}.png", full_page=True)


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next=/admin/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()


@pytest.fixture
def new_system_admin(transactional_db):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return f.UserFactory(
        username="sysadmin",
        full_name="系统管理员甲",
        admin_duty=AdminDuty.SYSTEM,
        is_staff=True,
        must_change_password=True,
    )


@pytest.mark.browser
def test_new_system_admin_enrols_from_the_screen_changes_the_password_and_verifies_next_time(
    live_server, page, new_system_admin, tmp_path
):
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server.url, "sysadmin", f.PASSWORD)

    # Held at enrolment: the QR code on the screen is what the phone scans.
    expect(page).to_have_url(re.compile(r"/accounts/two-step/\?next=%2Fadmin%2F$"))
    expect(page.locator("#enrol-required")).to_contain_text("管理员账号需使用密码和手机验证码登录")
    shoot(page, "enrol")
    page.locator(".qr-box svg").screenshot(path=tmp_path / "qr.png")
    scanned = zxingcpp.read_barcodes(Image.open(tmp_path / "qr.png"))
    assert scanned, "the QR code on the page does not decode"
    url = scanned[0].text
    assert url.startswith("otpauth://totp/") and "sysadmin" in url
    secret = re.search(r"secret=([A-Z2-7]+)", url).group(1)
    manual = page.locator("#manual-key").inner_text().replace(" ", "")
    assert manual == secret
    key = b32decode(secret + "=" * (-len(secret) % 8))

    page.locator("input[name=token]").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="确认").click()
    expect(page.locator("h1")).to_have_text("备用验证码")
    codes = [c.replace(" ", "") for c in page.locator("#backup-codes li").all_inner_texts()]
    assert len(codes) == 10
    shoot(page, "backup-codes")

    # Then the password an administrator chose is replaced, under the policy.
    page.get_by_role("link", name="我已妥善保存，继续").click()
    expect(page).to_have_url(re.compile(r"/accounts/password/change/"))
    expect(page.locator("#password-change-reason")).to_contain_text("此账号的密码由管理员设置")
    page.locator("input[name=old_password]").fill(f.PASSWORD)
    page.locator("input[name=new_password1]").fill("sysadmin2026")
    page.locator("input[name=new_password2]").fill("sysadmin2026")
    page.get_by_role("button", name="修改密码").click()
    expect(page.locator("main form[novalidate]")).to_contain_text("密码不能包含用户名。")
    expect(page.locator("main form[novalidate]")).to_contain_text("至少使用其中 3 类")
    shoot(page, "forced-password-change")
    page.locator("input[name=old_password]").fill(f.PASSWORD)
    page.locator("input[name=new_password1]").fill("Blue-Harbour-2026")
    page.locator("input[name=new_password2]").fill("Blue-Harbour-2026")
    page.get_by_role("button", name="修改密码").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.locator("#site-name")).to_be_visible()

    # The next log-in asks for the second step; a backup code answers it once.
    page.locator("#logout-form button").click()
    log_in(page, live_server.url, "sysadmin", "Blue-Harbour-2026")
    expect(page).to_have_url(re.compile(r"/accounts/login/verify/"))
    page.locator("input[name=token]").fill("000000")
    page.get_by_role("button", name="验证").click()
    expect(page.locator("main form[novalidate]")).to_contain_text("验证码不正确或已过期")
    page.locator("details summary").click()
    shoot(page, "verify")
    page.locator("input[name=token]").fill(codes[0])
    page.wait_for_timeout(1100)  # django-otp's one-second wait after the wrong code
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")


@pytest.mark.browser
def test_committee_admin_sees_the_optional_two_step_setup_and_the_policy_on_the_change_page(
    live_server, page, transactional_db, world
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill(world.admin.username)
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.locator("form button[type=submit]").click()
    page.goto(f"{live_server.url}/accounts/profile/")
    expect(page.locator("#two-step")).to_contain_text("未开启")
    shoot(page, "profile")
    page.goto(f"{live_server.url}/accounts/password/change/")
    expect(page.locator("main form[novalidate]")).to_contain_text("至少需要 10 个字符")
    shoot(page, "password-change")


@pytest.mark.browser
def test_security_admin_finds_a_locked_account_and_unlocks_it(live_server, page, transactional_db, world):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    security = f.UserFactory(
        username="secadmin", full_name="安全管理员乙", admin_duty=AdminDuty.SECURITY, is_staff=True
    )
    device = TOTPDevice.objects.create(user=security, name="authenticator", confirmed=True)
    page.set_viewport_size(DESKTOP)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(page, live_server.url, "staff", "wrong-password")
    page.context.clear_cookies()

    log_in(page, live_server.url, "secadmin", f.PASSWORD)
    page.locator("input[name=token]").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/accounts/user/?locked=1")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("站务甲")
    shoot(page, "security-admin-locked-accounts")
    page.locator("#result_list input[name=_selected_action]").check()
    page.locator("select[name=action]").select_option("unlock_accounts")
    page.locator("button[name=index]").click()
    expect(page.locator(".messagelist")).to_contain_text("已解锁 1 个账号")
    expect(page.locator("#result_list tbody tr")).to_have_count(0)
