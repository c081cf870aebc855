"""The audit log in a browser: station staff sign in (one try wrong), the audit administrator finds both events,
verifies the chain with the button and reads the result. Screenshots land in ``var/screenshots/audit-*.png``."""

import pytest
from django.conf import settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from devtools.testing.factories import PASSWORD, UserFactory

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"

pytestmark = pytest.mark.browser


def _sign_in(page, base, username, password=PASSWORD):
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 768}, {"width": 390, "height": 844}])
def test_the_audit_administrator_finds_a_failed_login_and_verifies_the_chain(
    transactional_db, world, live_server, browser, viewport
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    auditor = UserFactory(username="auditor", full_name="审计员", admin_duty="audit", is_staff=True)
    device = TOTPDevice.objects.create(user=auditor, name="authenticator", confirmed=True)
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, live_server.url, "staff", "wrong-password")
    _sign_in(page, live_server.url, "staff")
    page.context.clear_cookies()

    _sign_in(page, live_server.url, "auditor")
    # The duties sign in with their second factor (accounts/tests cover the step itself).
    page.locator("input[name=token]").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="验证").click()
    if viewport["width"] < 992:
        page.locator(".navbar-toggler").click()
    page.locator("#nav-audit-log").click()
    expect(page.locator("h1")).to_have_text("审计日志")
    page.locator("select[name=action]").select_option("login_failed")
    page.get_by_role("button", name="筛选").click()
    records = page.locator("#audit-records tbody tr" if viewport["width"] >= 768 else "ul.list-group > li")
    expect(records).to_have_count(1)
    expect(records.first).to_contain_text("staff")
    expect(records.first).to_contain_text("失败")

    page.locator("#verify-now").click()
    expect(page.locator(".alert")).to_contain_text("正在后台校验")
    page.reload()
    expect(page.locator("#chain-state")).to_contain_text("完好")
    expect(page.locator("#chain-state")).to_contain_text("执行者：auditor")
    page.screenshot(path=str(SCREENSHOTS / f"audit-log-{viewport['width']}.png"), full_page=True)
    context.close()
