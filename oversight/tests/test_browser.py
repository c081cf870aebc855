"""Oversight in a browser: the committee's dashboard down to one flagged item, a station's dashboard, a register export.

1. A county committee admin reads the three-colour board, drills from the red tile into
   exactly the overdue items, flags one for 挂牌督办 and finds it first on the board.
2. Station staff open their station's dashboard from the navbar and see the checklist gaps.
3. Station staff open the suggestions register and export it in the background: the
   progress bar reaches 100 % and the file downloads as .xlsx.

Dates are relative to the real "today" (the live server reads the clock). Screenshots
land in ``var/screenshots/oversight-*.png`` for a human to look at.
"""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from core import workdays
from devtools.testing import factories as f
from devtools.testing.factories import PASSWORD
from suggestions.models import Assignment, Stage, Suggestion

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
FLAGGED = re.compile("挂牌督办|Flagged")
Status = Assignment.Status


@pytest.fixture
def live_world(transactional_db, world):
    """The conftest personas, committed so the live server's thread sees them; no cached figures from before."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    cache.clear()
    workdays.clear_cache()
    yield world
    cache.clear()
    workdays.clear_cache()


def _assigned(world, title: str, reply_due: dt.date, *, station=None, unit=None) -> Suggestion:
    """A suggestion with the units (stage "assign"), its lead unit accepted and due to reply by ``reply_due``."""
    suggestion = f.SuggestionFactory(station=station or world.station, title=title, stage=Stage.ASSIGN)
    Assignment.objects.create(
        suggestion=suggestion,
        unit=unit or world.unit,
        accept_due=reply_due - dt.timedelta(days=14),
        reply_due=reply_due,
        status=Status.ACCEPTED,
        responsible=world.handler if unit is None else world.other_handler,
        accepted_at=timezone.now() - dt.timedelta(days=20),
    )
    return suggestion


@pytest.fixture
def board(live_world):
    """In 龙亭区: two items overdue, one due within days (yellow), one on time (green); one overdue next door."""
    world, today = live_world, timezone.localdate()
    return {
        "long_late": _assigned(world, "人民路井盖缺失", today - dt.timedelta(days=9)),
        "late": _assigned(world, "北郊乡小学门口积水", today - dt.timedelta(days=2)),
        "soon": _assigned(world, "菜市场噪音扰民", today + dt.timedelta(days=1)),
        "on_time": _assigned(world, "公园健身器材损坏", today + dt.timedelta(days=40)),
        "elsewhere": _assigned(
            world,
            "林州市水渠渗漏",
            today - dt.timedelta(days=5),
            station=world.other_station,
            unit=world.other_unit,
        ),
    }


def sign_in(page, base, user):
    page.context.clear_cookies()
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def shot(page, name):
    path = SCREENSHOTS / f"oversight-{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def titles(locator) -> list[str]:
    return [text.strip() for text in locator.all_inner_texts()]


@pytest.mark.browser
def test_committee_admin_drills_from_the_red_tile_to_an_overdue_item_and_flags_it(live_server, page, board, live_world):
    base = live_server.url
    sign_in(page, base, live_world.admin)  # a committee admin of 龙亭区

    # The dashboard: two items overdue now, and the three colours counted by item.
    page.locator("#nav-dashboard").click()
    expect(page).to_have_url(f"{base}/dashboard/")
    expect(page.locator("#figure-1 .fs-3")).to_have_text("4")  # received: 龙亭区's four, not 林州市's
    expect(page.locator("#figure-2 .fs-3")).to_have_text("2")  # overdue now
    expect(page.locator("#colour-red .fs-3")).to_have_text("2")
    expect(page.locator("#colour-yellow .fs-3")).to_have_text("1")
    expect(page.locator("#colour-green .fs-3")).to_have_text("1")
    red_items = page.locator("#red-items > li")
    expect(red_items).to_have_count(2)
    expect(red_items.first).to_contain_text(board["long_late"].title)  # the longest overdue first
    expect(page.locator("#red-items")).not_to_contain_text(FLAGGED)
    shot(page, "committee-dashboard-before")

    # The red tile lists exactly the overdue items, with the drill-down banner.
    page.locator("#colour-red").click()
    expect(page).to_have_url(re.compile(r"/suggestions/\?.*colour=red"))
    expect(page.locator("#drill-down")).to_be_visible()
    listed = page.locator("table tbody tr td:nth-child(2) > a")
    expect(listed).to_have_count(2)
    assert sorted(titles(listed)) == sorted([board["long_late"].title, board["late"].title])
    shot(page, "red-drill-down")

    # The "overdue now" figure lists the same two.
    page.go_back()
    page.locator("#figure-2").click()
    expect(page).to_have_url(re.compile(r"/suggestions/\?.*overdue=1"))
    expect(page.locator("#drill-down")).to_be_visible()
    expect(listed).to_have_count(2)
    assert sorted(titles(listed)) == sorted([board["long_late"].title, board["late"].title])

    # Open the less overdue one and flag it for 挂牌督办.
    late = board["late"]
    page.get_by_role("link", name=late.title, exact=True).click()
    expect(page).to_have_url(f"{base}{late.get_absolute_url()}")
    expect(page.locator("#stage")).to_have_attribute("data-stage", Stage.ASSIGN)
    expect(page.locator("#flagged-badge")).to_have_count(0)
    flag = page.locator("#action-flag")
    if flag.get_attribute("open") is None:
        flag.locator("> summary").click()
    flag.locator("textarea[name=note]").fill("逾期未复，列入挂牌督办")
    flag.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#flagged-badge")).to_be_visible()
    expect(page.locator("#flagged-badge")).to_contain_text(FLAGGED)
    expect(page.locator(".assignment .flagged-badge")).to_be_visible()
    expect(page.locator("#timeline .timeline-entry[data-action=flag]")).to_have_count(1)
    shot(page, "flagged-detail")
    late.refresh_from_db()
    assert late.flagged
    assert list(late.assignments.values_list("flagged", flat=True)) == [True]

    # Back on the dashboard the flagged item leads the red list, with its badge; still two red.
    page.locator("#nav-dashboard").click()
    expect(page.locator("#colour-red .fs-3")).to_have_text("2")
    expect(red_items).to_have_count(2)
    expect(red_items.first).to_contain_text(late.title)
    expect(red_items.first.locator(".badge")).to_contain_text(FLAGGED)
    expect(red_items.nth(1)).to_contain_text(board["long_late"].title)
    expect(red_items.nth(1).locator(".badge")).to_have_count(0)
    shot(page, "committee-dashboard")


@pytest.mark.browser
def test_station_staff_open_their_station_dashboard_from_the_navbar(live_server, page, board, live_world):
    world = live_world
    f.StandardItemFactory(group="四有", name="有固定场所")
    met = f.StandardItemFactory(group="四有", name="有工作制度")
    met.stations.add(world.station)
    sign_in(page, live_server.url, world.staff)

    page.locator("#nav-station-dashboard").click()
    expect(page).to_have_url(re.compile(rf"/stations/{world.station.code}/dashboard/$"))
    expect(page.locator("h1")).to_contain_text(world.station.name)
    expect(page.locator("#gaps-title")).to_be_visible()
    gaps = page.locator("#gap-list li")
    expect(gaps).to_have_count(1)
    expect(gaps.first).to_contain_text("有固定场所")
    expect(page.locator("#figure-1 .fs-3")).to_have_text("4")  # the station's own four items
    shot(page, "station-dashboard")


@pytest.mark.browser
def test_station_staff_export_the_suggestions_register_in_the_background(
    live_server, page, board, live_world, settings, tmp_path
):
    world = live_world
    ours = [s.title for key, s in board.items() if key != "elsewhere"]
    sign_in(page, live_server.url, world.staff)

    page.locator("#nav-registers").click()
    expect(page).to_have_url(f"{live_server.url}/registers/")
    book = page.locator("form[action$='/registers/suggestions/']")
    expect(book.locator("select[name=station] option")).to_have_count(1)
    expect(book.locator("select[name=station]")).to_have_value(world.station.code)
    book.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(rf"/registers/suggestions/\?station={world.station.code}$"))
    rows = page.locator("#register-table tbody tr")
    expect(rows).to_have_count(len(ours))
    expect(page.locator("#register-table")).not_to_contain_text(board["elsewhere"].title)
    shown = titles(page.locator("#register-table tbody tr td:nth-child(6)"))
    assert sorted(shown) == sorted(ours)
    shot(page, "register")

    # More rows than the immediate limit: a background job with a progress page.
    settings.REGISTER_IMMEDIATE_ROWS = 1
    page.locator("#export-button").click()
    expect(page).to_have_url(re.compile(r"/exports/[0-9a-f-]{36}/$"))
    expect(page.locator("#export-progress")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("#export-progress .progress-bar")).to_have_text("100%")
    expect(page.locator("#export-count")).to_have_text(f"{len(ours)} / {len(ours)}")
    download_link = page.locator("#export-download")
    expect(download_link).to_be_visible()
    expect(page.locator("#export-failed")).to_be_hidden()
    shot(page, "export")

    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert download.suggested_filename.startswith(f"suggestions-{world.station.code}-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = load_workbook(saved, read_only=True).active
    lines = list(sheet.iter_rows(values_only=True))
    assert len(lines) == 1 + len(ours)  # the header, then one line per suggestion of the station
    assert sorted(line[5] for line in lines[1:]) == sorted(ours)
