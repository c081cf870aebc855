"""The behaviours static/js/portal.js gives every page, in Chromium under the Content-Security-Policy.

They were inline handlers (onclick, onchange) before the policy forbade inline script; each is
checked here through what the user sees, and conftest's CSP watcher fails the journey on any
violation along the way.
"""

import datetime as dt
import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from devtools.testing.factories import PASSWORD
from stations.models import ReceptionRule

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
# window.print() opens a dialog headless Chromium cannot show: count the calls instead.
COUNT_PRINTS = "window.__prints = 0; window.print = function () { window.__prints += 1; };"


@pytest.fixture
def live_world(transactional_db, world):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return world


def sign_in(page, base, user):
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


@pytest.mark.browser
def test_a_citizen_switches_language_and_prints_the_poster(live_server, page, live_world):
    page.add_init_script(COUNT_PRINTS)
    base = live_server.url
    page.goto(f"{base}/s/{live_world.station.code}/suggest/")
    expect(page.locator("h1")).to_have_text("提建议")

    page.locator("#lang-select").select_option("en")
    expect(page.locator("h1")).to_have_text("Raise a suggestion")
    expect(page).to_have_url(f"{base}/s/{live_world.station.code}/suggest/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#lang-select").select_option("zh-hans")
    expect(page.locator("h1")).to_have_text("提建议")

    page.goto(f"{base}/s/{live_world.station.code}/poster/")
    page.locator("[data-print]").click()
    assert page.evaluate("window.__prints") == 1


@pytest.mark.browser
def test_staff_confirm_before_a_rule_stops_and_the_period_list_sends_itself(live_server, page, live_world):
    world = live_world
    rule = ReceptionRule.objects.create(
        station=world.station, weekday=2, start_time=dt.time(15), end_time=dt.time(17), starts_on=dt.date(2026, 11, 2)
    )
    base = live_server.url
    sign_in(page, base, world.staff)
    page.goto(f"{base}/stations/{world.station.code}/reception/")
    stop = page.locator("button[data-confirm]")

    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    stop.click()
    expect(stop).to_be_visible()
    assert questions == ["确定停用该规则，并取消其后尚无来访的代表接待日吗？"]
    rule.refresh_from_db()
    assert rule.is_active  # "Cancel" sends nothing

    page.once("dialog", lambda dialog: dialog.accept())
    stop.click()
    expect(page.locator("button[data-confirm]")).to_have_count(0)
    rule.refresh_from_db()
    assert not rule.is_active

    # A representative's record page: choosing a period reloads it for that period, no button needed.
    page.goto(f"{base}/performance/{world.rep.code}/")
    period = page.locator("#period")
    choice = period.locator("option").nth(1).get_attribute("value")
    period.select_option(choice)
    expect(page).to_have_url(re.compile(rf"\?period={choice}$"))
    expect(page.locator("#period")).to_have_value(choice)
