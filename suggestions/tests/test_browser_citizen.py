"""A citizen on a phone: scan the station's code, send a suggestion with a photo, follow it by its code.

Screenshots land in ``var/screenshots/`` for a human to look at.
"""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from PIL import Image
from playwright.sync_api import expect

from suggestions.models import Suggestion

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
PHONE = {"width": 360, "height": 740}
CONTENT = "人民路与建设路交叉口的路灯坏了两个星期，晚上很黑，老人孩子出门不安全，请尽快修好。"
TOUCH_TARGET = 44  # CSS pixels: the smallest comfortable target for a thumb


@pytest.fixture
def live_world(transactional_db, world):
    """The conftest personas, committed so the live server's thread sees them; no limits left from before."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    cache.clear()
    yield world
    cache.clear()


def assert_fits_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.browser
@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_citizen_on_a_phone_sends_a_suggestion_with_a_photo_and_follows_it(live_server, page, live_world, tmp_path):
    station = live_world.station
    photo = tmp_path / "路灯.jpg"
    Image.new("RGB", (640, 480), (40, 40, 60)).save(photo, "JPEG", quality=80)

    page.goto(f"{live_server.url}/s/{station.code}/")
    page.locator("#suggest").tap()
    expect(page).to_have_url(f"{live_server.url}/s/{station.code}/suggest/")
    expect(page.locator("#addressed-to")).to_contain_text(station.name)
    assert_fits_phone(page)

    page.locator("#id_content").fill(CONTENT)
    page.locator("#id_location").fill("人民路与建设路交叉口")
    page.locator("#id_attachments").set_input_files(photo)
    for target in (
        "#id_category",
        "#id_content",
        "#id_location",
        "#id_attachments",
        "#id_is_enterprise",
        "details.contact > summary",
        "#submit-suggestion",
    ):
        box = page.locator(target).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], target
        if target != "#id_is_enterprise":
            assert box["height"] >= TOUCH_TARGET, target
    # The checkbox itself is small, its row (box and label, both tappable) is not.
    assert page.locator(".form-check").first.bounding_box()["height"] >= TOUCH_TARGET
    page.locator("details.contact > summary").tap()
    expect(page.locator("#id_submitter_phone")).to_be_visible()
    assert page.locator("#id_submitter_phone").get_attribute("type") == "tel"
    assert_fits_phone(page)
    page.screenshot(path=SCREENSHOTS / "citizen-form.png", full_page=True)

    with page.expect_request(lambda request: request.method == "POST") as posted:
        page.locator("#submit-suggestion").tap()
    assert posted.value.headers["content-type"].startswith("multipart/form-data")

    code_box = page.locator("#tracking-code")
    expect(code_box).to_have_text(re.compile(r"^[2-9A-HJKMNP-Z]{12}$"))
    code = code_box.inner_text()
    expect(page).to_have_url(f"{live_server.url}/t/{code}/?new=1")
    expect(page.locator("#submitted")).to_contain_text(f"/t/{code}/")
    assert_fits_phone(page)
    page.screenshot(path=SCREENSHOTS / "citizen-success.png", full_page=True)

    suggestion = Suggestion.objects.get(tracking_code=code)
    assert suggestion.station == station and suggestion.content == CONTENT
    assert [a.content_type for a in suggestion.attachments.all()] == ["image/jpeg"]

    page.goto(f"{live_server.url}/t/{code}/")
    expect(page.locator("#submitted")).to_have_count(0)
    expect(page.locator("#status-facts")).to_contain_text(station.name)
    expect(page.locator("#timeline")).to_contain_text(station.name)
    expect(page.locator("[aria-current=step]")).to_be_visible()
    assert_fits_phone(page)
    page.screenshot(path=SCREENSHOTS / "citizen-tracking.png", full_page=True)


@pytest.mark.browser
@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_a_suggestion_without_photos_goes_as_a_plain_form_post(live_server, page, live_world):
    # The page's script sends text-only suggestions urlencoded (smaller, and quicker for the server
    # to read); the item arrives all the same, Chinese text intact.
    page.goto(f"{live_server.url}/s/{live_world.station.code}/suggest/")
    page.locator("#id_content").fill(CONTENT)
    with page.expect_request(lambda request: request.method == "POST") as posted:
        page.locator("#submit-suggestion").tap()
    assert posted.value.headers["content-type"] == "application/x-www-form-urlencoded"
    code = page.locator("#tracking-code").inner_text()
    assert Suggestion.objects.get(tracking_code=code).content == CONTENT


@pytest.mark.browser
@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_citizen_leaves_a_number_reads_the_notice_and_later_has_it_deleted(live_server, page, live_world):
    station = live_world.station
    page.goto(f"{live_server.url}/s/{station.code}/suggest/")
    page.locator("#id_content").fill(CONTENT)
    page.locator("details.contact > summary").tap()
    page.locator("#id_submitter_name").fill("王秀英")
    page.locator("#id_submitter_phone").fill("139 1234 5678")
    page.locator("#id_consent").tap()
    with page.context.expect_page() as notice:  # the notice opens beside the form, which keeps what was typed
        page.locator("#privacy-link").tap()
    expect(notice.value.locator("h1")).to_have_text("个人信息保护说明")
    notice.value.close()
    page.locator("#submit-suggestion").tap()
    code = page.locator("#tracking-code").inner_text()
    suggestion = Suggestion.objects.get(tracking_code=code)
    assert suggestion.submitter_phone == "13912345678" and suggestion.consent_version == settings.PRIVACY_NOTICE_VERSION

    page.locator("#withdraw-link").tap()
    expect(page).to_have_url(f"{live_server.url}/t/{code}/withdraw/")
    assert_fits_phone(page)
    page.locator("#id_phone_last4").fill("5678")
    page.locator("#withdraw-next").tap()
    expect(page.locator("#withdraw-confirm")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "citizen-withdraw-confirm.png", full_page=True)
    page.locator("#confirm-withdraw").tap()
    expect(page).to_have_url(f"{live_server.url}/t/{code}/")
    expect(page.locator("#timeline")).to_contain_text("联系方式已按本人要求删除")
    expect(page.locator("#withdraw-link")).to_have_count(0)
    suggestion.refresh_from_db()
    assert (suggestion.submitter_name, suggestion.submitter_phone, suggestion.submitter_phone_hash) == ("", "", "")
