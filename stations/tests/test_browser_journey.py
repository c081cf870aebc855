"""End-to-end journeys in headless Chromium: the poster a committee admin prints, and a phone at the station page.

Screenshots land in ``var/screenshots/`` for a human to look at.
"""

import re

import pytest
import zxingcpp
from django.conf import settings
from PIL import Image
from playwright.sync_api import expect

from devtools.testing.factories import PASSWORD

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
STATION_NAME = "四季城人大代表联络点"
PHONE = {"width": 360, "height": 740}
# 210 × 297 mm at CSS 96 dpi. A standalone SVG document has no scrolling box, and
# Playwright's full_page screenshot of one hangs until its timeout: size the viewport instead.
A4 = {"width": 794, "height": 1123}


@pytest.fixture
def live_world(transactional_db, world):
    """The conftest personas, committed so the live server's thread sees them."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return world


@pytest.mark.browser
def test_committee_admin_downloads_station_poster_whose_qr_opens_the_station_page(
    live_server, page, live_world, tmp_path
):
    station = live_world.station
    public_url = f"{live_server.url}/s/{station.code}/"

    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill(live_world.admin.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    page.goto(f"{live_server.url}/stations/")
    page.get_by_role("link", name=STATION_NAME).click()
    expect(page).to_have_url(public_url)
    expect(page.locator("h1")).to_have_text(STATION_NAME)
    # Only a signed-in manager of this station is offered the edit button.
    expect(page.locator(f"a[href='/s/{station.code}/edit/']")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "station-page.png", full_page=True)

    page.locator(f"a[href='/s/{station.code}/poster/']").click()
    expect(page).to_have_url(f"{public_url}poster/")
    expect(page.locator(".poster-title")).to_have_text(STATION_NAME)
    page.screenshot(path=SCREENSHOTS / "poster-page.png", full_page=True)

    with page.expect_download() as download_info:
        page.locator("#download-poster").click()
    download = download_info.value
    assert download.suggested_filename == f"poster-{station.code}.svg"
    svg_path = tmp_path / download.suggested_filename
    download.save_as(svg_path)
    assert 'width="210mm" height="297mm"' in svg_path.read_text(encoding="utf-8")

    poster = page.context.new_page()
    poster.set_viewport_size(A4)
    poster.goto(svg_path.as_uri())
    expect(poster.locator("text", has_text=STATION_NAME)).to_have_count(1)
    rendered = SCREENSHOTS / "poster-download.png"
    poster.screenshot(path=rendered)
    codes = zxingcpp.read_barcodes(Image.open(rendered))
    assert [code.text for code in codes] == [public_url]


@pytest.mark.browser
@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_phone_visitor_sees_suggestion_button_without_horizontal_scrolling(live_server, page, live_world):
    page.goto(f"{live_server.url}/s/{live_world.station.code}/")
    expect(page.locator("h1")).to_have_text(STATION_NAME)
    button = page.locator("#suggest")
    expect(button).to_contain_text("提建议")
    expect(button).to_be_visible()
    expect(button).to_be_in_viewport()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.screenshot(path=SCREENSHOTS / "station-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
