"""At the desk on a reception day: station staff log three visitors with the keyboard alone.

Screenshots land in ``var/screenshots/`` for a human to look at.
"""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from devtools.testing import factories as f
from devtools.testing.factories import PASSWORD
from stations.models import ReceptionDay, Visit
from suggestions.models import Category, Channel, Suggestion

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def live_day(transactional_db, world):
    """Today's reception day at the world's station with two representatives on duty, committed for the server."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    cache.clear()
    second = f.ResidencyFactory(station=world.station, representative__name="代表丙").representative
    Category.objects.create(name="物业管理", order=1)
    Category.objects.create(name="城建交通", order=2)
    day = ReceptionDay.objects.create(
        station=world.station, date=timezone.localdate(), start_time=dt.time(0, 0), end_time=dt.time(23, 59)
    )
    day.on_duty.set([world.rep, second])
    yield day
    cache.clear()


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def tab(page, times=1):
    for _ in range(times):
        page.keyboard.press("Tab")


@pytest.mark.browser
def test_staff_log_three_visits_by_keyboard_and_see_the_days_totals(live_server, page, world, live_day):
    log_in(page, live_server, world.staff)
    day_url = f"{live_server.url}/reception/{live_day.pk}/"
    page.goto(day_url)
    name = page.locator("#id_visitor_name")
    keyboard = page.keyboard

    # 1. Answered on the spot: name, skip the phone and the two ticked representatives, what was raised,
    #    Space ticks "answered on the spot", the answer box appears, Ctrl+Enter saves.
    expect(name).to_be_focused()
    keyboard.type("李大爷")
    tab(page, 4)
    expect(page.locator("#id_summary")).to_be_focused()
    keyboard.type("咨询城乡居民医保的报销比例")
    tab(page)
    expect(page.locator("#id_answered_on_spot")).to_be_focused()
    keyboard.press("Space")
    tab(page)
    expect(page.locator("#id_spot_answer")).to_be_focused()
    keyboard.type("代表当场解释了报销政策和办理地点。")
    keyboard.press("Control+Enter")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#total-visits")).to_have_text("1")

    # 2. Becomes a suggestion with a category chosen by arrow key and details; the form came back empty and focused.
    expect(name).to_be_focused()
    expect(name).to_have_value("")
    keyboard.type("王女士")
    tab(page)
    keyboard.type("13812341234")
    tab(page, 3)
    keyboard.type("小区电梯三天两头坏，物业不及时维修")
    tab(page, 2)  # past "answered on the spot": the answer box stays hidden and out of the way
    expect(page.locator("#id_s-0-title")).to_be_focused()
    keyboard.type("四季城小区电梯经常故障")
    tab(page)
    keyboard.press("ArrowDown")
    expect(page.locator("#id_s-0-category")).to_have_value(str(Category.objects.get(name="物业管理").pk))
    tab(page)
    keyboard.type("电梯每周停运两三次，老人上下楼困难。")
    keyboard.press("Control+Enter")
    expect(page.locator("#total-visits")).to_have_text("2")

    # 3. Anonymous, becomes a suggestion: Enter in the one-line title field saves.
    expect(name).to_be_focused()
    tab(page, 4)
    keyboard.type("建设路口没有红绿灯，孩子上学过马路危险")
    tab(page, 2)
    keyboard.type("建议在建设路口加装红绿灯")
    keyboard.press("Enter")

    expect(page.locator("#total-visits")).to_have_text("3")
    expect(page.locator("#total-answered")).to_have_text("1")
    expect(page.locator("#total-suggestions")).to_have_text("2")
    expect(page.locator("#visit-list .visit")).to_have_count(3)
    expect(page.locator("#visit-list .suggestion-link")).to_have_count(2)
    expect(name).to_be_focused()
    page.screenshot(path=SCREENSHOTS / "reception-day.png", full_page=True)

    suggestions = list(Suggestion.objects.order_by("id"))
    assert [s.title for s in suggestions] == ["四季城小区电梯经常故障", "建议在建设路口加装红绿灯"]
    assert all(s.channel == Channel.RECEPTION and s.visit.reception_day_id == live_day.pk for s in suggestions)
    assert suggestions[0].submitter_phone == "13812341234"
    assert Visit.objects.filter(reception_day=live_day, answered_on_spot=True).count() == 1


@pytest.mark.browser
@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_day_page_fits_a_phone_without_horizontal_scrolling(live_server, page, world, live_day):
    log_in(page, live_server, world.staff)
    page.goto(f"{live_server.url}/reception/{live_day.pk}/")
    expect(page.locator("#id_visitor_name")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "reception-day-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
