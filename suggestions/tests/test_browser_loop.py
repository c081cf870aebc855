"""The closed loop in a browser, four people in turn: 群众点单 → 代表派单 → 政府接单 → 群众评单.

Station staff hand a suggestion to a representative, who assigns it to a unit;
the unit's handler accepts and replies; the representative releases the answer;
the citizen rates it on a phone. Screenshots land in ``var/screenshots/loop-*.png``.
"""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from playwright.sync_api import expect

from devtools.testing import factories as f
from devtools.testing.factories import PASSWORD
from suggestions.models import Stage, Suggestion

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def live_world(transactional_db, world):
    """The conftest personas, committed so the live server's thread sees them; no limits left from before."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    cache.clear()
    world.station.head = world.rep
    world.station.save()
    world.handler.full_name = "经办甲"
    world.handler.save()
    yield world
    cache.clear()


def sign_in(page, base, user):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def shot(page, name):
    page.screenshot(path=SCREENSHOTS / f"loop-{name}.png", full_page=True)


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.browser
def test_four_people_close_the_loop_in_the_browser(live_server, page, browser, live_world):
    world = live_world
    base = live_server.url
    item = f.SuggestionFactory(
        station=world.station,
        title="北郊乡人民路路灯不亮",
        content="人民路与建设路交叉口的路灯坏了两个星期，晚上很黑，请尽快修好。",
        submitter_phone="13812345678",
    )
    code = item.tracking_code
    page.set_viewport_size(DESKTOP)

    # 1. Station staff: the inbox offers the hand-over with the station's head preselected.
    sign_in(page, base, world.staff)
    page.locator("#nav-station-inbox").click()
    row = page.locator(f"#item-{code}")
    expect(row).to_be_visible()
    expect(row.locator("select[name=representative] option:checked")).to_have_text(world.rep.name)
    fits(page, DESKTOP["width"])
    shot(page, "station-inbox")
    row.locator("form.hand-over button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text(world.rep.name)
    expect(page.locator(f"#item-{code}")).to_have_count(0)

    # 2. The representative: the item waits in the inbox; assign it to the county's bureau.
    sign_in(page, base, world.rep_user)
    page.locator("#nav-representative-inbox").click()
    page.locator(f"#item-{code} a.btn").click()
    expect(page.locator("#actions")).to_be_visible()
    page.locator("#action-assign > summary").click()
    page.locator("#assign-lead_unit").select_option(str(world.unit.pk))
    page.locator("#assign-instructions").fill("请五个工作日内现场核实")
    shot(page, "representative-assign")
    page.locator("#form-assign button[type=submit]").click()
    expect(page.locator("#stage")).to_have_attribute("data-stage", Stage.ASSIGN)
    expect(page.locator(".assignment .deadline")).to_have_attribute("data-colour", "green")

    # 3. The unit's handler: accept from the inbox, then reply on the detail page.
    sign_in(page, base, world.handler)
    expect(page.locator("#unread-count")).to_be_visible()
    page.locator("#nav-unit-inbox").click()
    assignment_row = page.locator("#inbox tr.inbox-item").first
    expect(assignment_row).to_contain_text(item.title)
    shot(page, "unit-inbox")
    assignment_row.locator("form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    page.locator("#inbox tr.inbox-item").first.locator("a.btn").click()
    expect(page.locator(".assignment .responsible")).to_contain_text("经办甲")
    reply = page.locator("form[id^=form-reply-]")
    reply.locator("input[value=solved]").check()
    reply.locator("textarea[name=text]").fill("已于11月5日更换灯杆和灯泡，路灯恢复照明。")
    shot(page, "unit-reply")
    reply.locator("button[type=submit]").click()
    expect(page.locator("#stage")).to_have_attribute("data-stage", Stage.FEEDBACK)
    expect(page.locator(".assignment .reply")).to_contain_text("已于11月5日更换灯杆和灯泡")

    # 4. The representative releases the answer, prefilled with the unit's reply.
    sign_in(page, base, world.rep_user)
    page.locator("#nav-representative-inbox").click()
    expect(page.locator(f"#item-{code}")).to_have_attribute("data-stage", "feedback")
    page.locator(f"#item-{code} a.btn").click()
    answer = page.locator("#release-answer")
    expect(answer).to_have_value("已于11月5日更换灯杆和灯泡，路灯恢复照明。")
    answer.fill("您反映的路灯已于11月5日修复，感谢您的监督。")
    shot(page, "release")
    page.locator("#form-release button[type=submit]").click()
    expect(page.locator("#released-answer")).to_contain_text("感谢您的监督")

    # 5. The citizen, on a phone, rates the answer 满意 with the last four digits of the phone.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    citizen = phone.new_page()
    citizen.goto(f"{base}/t/{code}/")
    expect(citizen.locator("#answer")).to_contain_text("感谢您的监督")
    expect(citizen.locator("#timeline")).not_to_contain_text("请五个工作日内现场核实")
    citizen.locator("#rate-verdict_0").check()
    citizen.locator("#rate-phone_last4").fill("5678")
    fits(citizen, PHONE["width"])
    shot(citizen, "citizen-rate")
    citizen.locator("#submit-rating").tap()
    expect(citizen.locator("#outcome")).to_be_visible()
    expect(citizen.locator("#rating")).to_have_count(0)
    expect(citizen.locator("[aria-current=step]")).to_contain_text(re.compile("办结|Closed"))
    fits(citizen, PHONE["width"])
    shot(citizen, "citizen-closed")
    phone.close()

    suggestion = Suggestion.objects.get(pk=item.pk)
    assert suggestion.stage == Stage.CLOSED and suggestion.outcome == "satisfied"

    # The committee sees nothing overdue; the staff's timeline has every step.
    sign_in(page, base, world.admin)
    page.locator("#nav-supervision").click()
    expect(page.locator("#count-overdue")).to_have_text("0")
    shot(page, "supervision")
    page.goto(f"{base}{item.get_absolute_url()}")
    actions = page.locator("#timeline .timeline-entry").evaluate_all("(items) => items.map((i) => i.dataset.action)")
    assert actions == ["hand_to_representative", "assign", "accept", "reply", "release", "rate_accept"]
    expect(page.locator("#actions")).to_have_count(0)
    fits(page, DESKTOP["width"])  # the committee admin's long navigation wraps, it does not overflow
    shot(page, "closed-detail")
