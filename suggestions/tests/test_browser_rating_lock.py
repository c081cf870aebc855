"""In a browser: a stranger's wrong digits lock rating, the citizen is told whom to call, the station unlocks.

Screenshots land in ``var/screenshots/rating-lock-*.png`` (phone 390×844 and
desktop 1366×768), and the 503 page in ``var/screenshots/unavailable-*.png``.
"""

import pytest
from django.conf import settings
from django.core.cache import cache
from playwright.sync_api import expect

from core.views import database_unavailable
from devtools.testing import factories as f
from suggestions.loop import actions as loop
from suggestions.models import Stage, Suggestion
from suggestions.tests.test_browser_loop import sign_in

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def released(transactional_db, world):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    cache.clear()
    world.station.head = world.rep
    world.station.address = "开封市龙亭区北郊乡四季城社区服务中心二楼"
    world.station.opening_hours = "周一至周五 9:00–17:00"
    world.station.save()
    s = f.SuggestionFactory(
        station=world.station, submitter_phone="13812345678", title="北郊乡人民路路灯不亮", submitter_name="李女士"
    )
    loop.suggestion_hand_to_representative(suggestion=s, by=world.staff)
    loop.suggestion_answer_directly(
        suggestion=Suggestion.objects.get(pk=s.pk), by=world.rep_user, answer="路灯已于本周三修复，并安排每月巡查。"
    )
    yield s
    cache.clear()


def shot(page, name):
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.browser
def test_wrong_digits_lock_rating_and_the_station_unlocks_it(live_server, browser, released, world):
    base = live_server.url
    track = f"{base}/t/{released.tracking_code}/"
    phone = browser.new_page(viewport=PHONE, locale="zh-CN")

    phone.goto(track)
    for n, digits in enumerate(["0000", "1111", "2222", "3333"], start=1):
        phone.locator("label.rating-choice").first.click()
        phone.locator("#rate-phone_last4").fill(digits)
        phone.locator("#submit-rating").click()
        expect(phone.locator("#phone-error")).to_contain_text(f"还可再试 {5 - n} 次")
    shot(phone, "rating-lock-wrong-digits-phone")
    phone.locator("label.rating-choice").first.click()
    phone.locator("#rate-phone_last4").fill("4444")
    phone.locator("#submit-rating").click()
    locked = phone.locator("#rating-locked")
    expect(locked).to_contain_text("评价已锁定")
    expect(locked).to_contain_text(world.station.name)
    expect(phone.locator("#station-phone")).to_have_attribute("href", "tel:0371-1234567")
    expect(phone.locator("#rate-phone_last4")).to_have_count(0)
    fits(phone, PHONE["width"])
    shot(phone, "rating-lock-locked-phone")

    desktop = browser.new_page(viewport=DESKTOP, locale="zh-CN")
    desktop.goto(track)
    expect(desktop.locator("#rating-locked")).to_be_visible()
    shot(desktop, "rating-lock-locked-desktop")

    # The station's staff take the call and unlock it from the suggestion's page.
    sign_in(desktop, base, world.staff)
    desktop.goto(f"{base}{released.get_absolute_url()}")
    card = desktop.locator("#rating-lock")
    expect(card).to_contain_text("评价已锁定")
    expect(card).to_contain_text("5 次")
    shot(desktop, "rating-lock-staff-desktop")
    staff_phone = browser.new_page(viewport=PHONE, locale="zh-CN")
    sign_in(staff_phone, base, world.staff)
    staff_phone.goto(f"{base}{released.get_absolute_url()}")
    fits(staff_phone, PHONE["width"])
    shot(staff_phone, "rating-lock-staff-phone")
    desktop.locator("#unlock-rating button").click()
    expect(desktop.locator(".alert-success")).to_contain_text("评价已解锁")
    expect(desktop.locator("#rating-lock")).to_have_count(0)
    expect(desktop.locator("#timeline")).to_contain_text("评价已解锁")

    # The citizen's next try works.
    phone.goto(track)
    expect(phone.locator("#timeline")).to_contain_text("联络站已解锁评价")
    phone.locator("label.rating-choice").first.click()
    phone.locator("#rate-phone_last4").fill("5678")
    phone.locator("#submit-rating").click()
    expect(phone.locator("#outcome")).to_be_visible()
    assert Suggestion.objects.get(pk=released.pk).stage == Stage.CLOSED


@pytest.mark.browser
@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_the_database_unavailable_page_reads_on_a_phone_and_a_desktop(browser, size, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=viewport, locale="zh-CN")
    page.set_content(database_unavailable(None).content.decode())
    expect(page.locator("h1")).to_have_text("服务暂时不可用")
    fits(page, viewport["width"])
    shot(page, f"unavailable-{size}")
