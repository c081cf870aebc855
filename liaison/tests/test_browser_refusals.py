"""Refusals as people see them in a browser: a photo with too many pixels, a body too large, a zip bomb.

Screenshots land in ``var/screenshots/refusal-*.png`` at 1366×768 and 390×844.
"""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from playwright.sync_api import expect

from devtools.testing.factories import PASSWORD
from devtools.testing.pictures import phone_exif, streamed_png
from devtools.testing.workbooks import bomb
from suggestions.models import Suggestion

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
CONTENT = "北郊乡人民路路灯坏了两个星期，晚上很黑，老人孩子出门不方便，请尽快安排修好。"


@pytest.fixture
def live_world(transactional_db, world):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    cache.clear()
    yield world
    cache.clear()


def sign_in(page, base, user):
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def shot(page, name, size):
    page.screenshot(path=SCREENSHOTS / f"refusal-{name}-{size}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]


@pytest.mark.browser
@pytest.mark.parametrize("size", SIZES)
def test_a_citizen_sees_why_a_photo_is_refused_and_keeps_the_text(live_server, browser, live_world, tmp_path, size):
    photo = tmp_path / "路灯.png"
    photo.write_bytes(streamed_png(12000, 12000, mode="1", exif=phone_exif()))
    page = browser.new_page(viewport=SIZES[size], locale="zh-CN")
    page.goto(f"{live_server.url}/s/{live_world.station.code}/suggest/")
    page.locator("textarea[name=content]").fill(CONTENT)
    page.locator("input[name=attachments]").set_input_files(str(photo))
    page.locator("#suggest-form button[type=submit]").click()
    expect(page.get_by_text("“路灯.png”的尺寸为 12000×12000 像素，照片最多 40 百万像素。")).to_be_visible()
    expect(page.locator("textarea[name=content]")).to_have_value(CONTENT)
    shot(page, "citizen-pixels", size)
    assert not Suggestion.objects.exists()


@pytest.mark.browser
@pytest.mark.parametrize("size", SIZES)
def test_staff_see_their_form_again_when_what_they_sent_is_too_large(live_server, browser, live_world, size):
    page = browser.new_page(viewport=SIZES[size], locale="zh-CN")
    sign_in(page, live_server.url, live_world.staff)
    page.goto(f"{live_server.url}/suggestions/new/")
    page.locator("[name=title]").fill("意见箱：小区垃圾清运不及时")
    page.locator("[name=content]").fill("垃圾桶经常满溢。" * 1000)
    page.locator("[name=received_on]").fill("2026-11-10")
    page.locator("[name=channel]").select_option("mailbox")
    with override_settings(REQUEST_MAX_BODY_BYTES=8000):
        with page.expect_response(re.compile(r"/suggestions/new/$")) as answer:
            page.locator("main form button[type=submit]").last.click()
    assert answer.value.status == 413
    expect(page.get_by_text("超过了此表单允许的 0.0 MB")).to_be_visible()
    expect(page.locator("[name=title]")).to_be_visible()
    shot(page, "staff-body", size)

    # A post-only view without a page of its own: a page that leads back.
    page.goto(f"{live_server.url}/suggestions/")
    with override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=3), page.expect_navigation():
        page.evaluate(
            """() => {
                const form = document.createElement('form');
                form.method = 'post';
                form.action = '/exports/suggestions/';
                for (let i = 0; i < 6; i++) {
                    const input = document.createElement('input');
                    input.name = 'f' + i; input.value = 'x'; form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
            }"""
        )
    expect(page.get_by_role("heading", name="提交的内容过大")).to_be_visible()
    expect(page.get_by_role("link", name="返回表单")).to_be_visible()
    shot(page, "generic-413", size)


@pytest.mark.browser
@pytest.mark.parametrize("size", SIZES)
def test_staff_see_why_a_zip_bomb_register_is_refused(live_server, browser, live_world, tmp_path, size):
    workbook = tmp_path / "台账.xlsx"
    workbook.write_bytes(bomb())
    page = browser.new_page(viewport=SIZES[size], locale="zh-CN")
    sign_in(page, live_server.url, live_world.staff)
    page.goto(f"{live_server.url}/stations/{live_world.station.code}/import/")
    page.locator("input[name=file]").set_input_files(str(workbook))
    page.locator("main form button[type=submit]").last.click()
    expect(
        page.get_by_text("工作簿中的“xl/worksheets/sheet1.xml”解压后为 400.0 MB，超过允许的 32.0 MB。")
    ).to_be_visible()
    shot(page, "import-bomb", size)
