"""The station's books (台账): rows, scope, phone masking, filters, and the XLSX exports.

Fixture (``books``), today Monday 16 November 2026 in Shanghai:

    四季城 (world.station, 龙亭区)              原康镇 (world.other_station, 林州市)
    reception 2026-10-12: visitor 张三 13812341234   reception 2026-10-13: visitor 王五 13912345678
    reception 2026-11-09: visitor 李四 13600001111
    suggestion 10-12 路灯不亮 (张三 13812341234)    suggestion 10-13 水渠堵塞 (王五)
    suggestion 11-09 噪音扰民, and a duplicate of it (never a line)
    activity 10-20 进园区 with 代表甲, one photo    activity 10-21 调研 with 代表乙
"""

import datetime as dt
import html as htmllib
import io
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from activities.models import Activity, ActivityKind, ActivityPhoto
from devtools.testing import factories as f
from oversight import exports, registers
from oversight.models import ExportJob
from stations.models import ReceptionDay, Visit
from suggestions.models import Assignment, Rating, Reply, Stage

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)
INDEX = reverse("oversight:registers")
KEYS = ["reception", "suggestions", "activities"]


def at(year, month, day, hour=10):
    return dt.datetime(year, month, day, hour, tzinfo=SHANGHAI)


def page_url(key, **params):
    return reverse("oversight:register", args=[key]), params


def export_url(key, query=""):
    return reverse("oversight:register_export", args=[key]) + (f"?{query}" if query else "")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def reception(station, day, visitor, phone, reps):
    rd = ReceptionDay.objects.create(station=station, date=day, start_time=dt.time(9), end_time=dt.time(11, 30))
    rd.on_duty.set(reps)
    visit = Visit.objects.create(reception_day=rd, visitor_name=visitor, visitor_phone=phone, summary=f"{visitor}反映")
    visit.received_by.set(reps)
    return visit


@pytest.fixture
def books(world):
    kind = ActivityKind.objects.create(name="进园区")
    research = ActivityKind.objects.create(name="调研")
    b = {}
    b["v1"] = reception(world.station, dt.date(2026, 10, 12), "张三", "13812341234", [world.rep])
    b["v2"] = reception(world.station, dt.date(2026, 11, 9), "李四", "13600001111", [world.rep])
    reception(world.other_station, dt.date(2026, 10, 13), "王五", "13912345678", [world.other_rep])
    b["s1"] = f.SuggestionFactory(
        station=world.station,
        title="路灯不亮",
        submitter_name="张三",
        submitter_phone="13812341234",
        received_at=at(2026, 10, 12),
    )
    b["s2"] = f.SuggestionFactory(station=world.station, title="噪音扰民", received_at=at(2026, 11, 9))
    f.SuggestionFactory(
        station=world.station, title="噪音扰民（重复）", received_at=at(2026, 11, 9), duplicate_of=b["s2"]
    )
    f.SuggestionFactory(
        station=world.other_station, title="水渠堵塞", submitter_phone="13912345678", received_at=at(2026, 10, 13)
    )
    b["a1"] = Activity.objects.create(
        kind=kind, date=dt.date(2026, 10, 20), station=world.station, title="走访园区", summary="座谈"
    )
    b["a1"].representatives.set([world.rep])
    ActivityPhoto.objects.create(activity=b["a1"], file="activities/x.png", original_name="x.png", size=9)
    other = Activity.objects.create(
        kind=research, date=dt.date(2026, 10, 21), station=world.other_station, title="林州调研", summary="座谈"
    )
    other.representatives.set([world.other_rep])
    return b


class TableParser:
    """The register table's body cells, as text."""

    CELL = re.compile(r"<td>(.*?)</td>", re.S)
    ROW = re.compile(r"<tr>(.*?)</tr>", re.S)

    @classmethod
    def rows(cls, page: str) -> list[list[str]]:
        if 'id="register-table"' not in page:
            return []
        body = page.split('id="register-table"')[1].split("<tbody>")[1].split("</tbody>")[0]
        return [[htmllib.unescape(c) for c in cls.CELL.findall(row)] for row in cls.ROW.findall(body)]


def page_rows(client, key, **params):
    response = client.get(reverse("oversight:register", args=[key]), params)
    assert response.status_code == 200
    return TableParser.rows(response.content.decode())


def workbook_rows(content: bytes) -> list[list[str]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def expected_headers(key) -> list[str]:
    with translation.override("zh-hans"):
        return registers.get_register(key).headers()


# Rows and scope -----------------------------------------------------------------------------


def test_reception_register_lists_the_stations_visits_with_full_phones_for_its_staff(login, world, books):
    rows = page_rows(login(world.staff), "reception")
    assert [(r[0], r[2], r[3], r[4], r[5], r[6]) for r in rows] == [
        ("2026-10-12", "四季城人大代表联络点", "代表甲", "张三", "13812341234", "代表甲"),
        ("2026-11-09", "四季城人大代表联络点", "代表甲", "李四", "13600001111", "代表甲"),
    ]
    assert rows[0][1] == "09:00–11:30"


def test_suggestion_register_lists_the_stations_items_but_no_duplicates(login, world, books):
    rows = page_rows(login(world.staff), "suggestions")
    assert [(r[0], r[5], r[8], r[9]) for r in rows] == [
        (books["s1"].tracking_code, "路灯不亮", "张三", "13812341234"),
        (books["s2"].tracking_code, "噪音扰民", "", ""),
    ]
    assert rows[0][1] == "2026-10-12 10:00"


def test_activity_register_lists_the_stations_activities(login, world, books):
    rows = page_rows(login(world.staff), "activities")
    assert rows == [["2026-10-20", "进园区", "四季城人大代表联络点", "走访园区", "代表甲", "座谈", "1"]]


def test_committee_admin_sees_masked_phones(login, world, books):
    client = login(world.admin)
    reception_rows = page_rows(client, "reception")
    assert [(r[4], r[5]) for r in reception_rows] == [("张三", "138****1234"), ("李四", "136****1111")]
    suggestion_rows = page_rows(client, "suggestions")
    assert [r[9] for r in suggestion_rows] == ["138****1234", ""]
    assert "13812341234" not in client.get(reverse("oversight:register", args=["reception"])).content.decode()


def test_city_admin_sees_both_counties_and_other_staff_only_theirs(login, world, books):
    assert [r[4] for r in page_rows(login(world.city_admin), "reception")] == ["张三", "王五", "李四"]
    rows = page_rows(login(world.other_staff), "reception")
    assert [(r[4], r[5]) for r in rows] == [("王五", "13912345678")]


@pytest.mark.parametrize("persona", ["rep_user", "handler"])
def test_registers_are_refused_to_representatives_and_handlers(login, world, books, persona):
    client = login(getattr(world, persona))
    assert client.get(INDEX).status_code == 403
    for key in KEYS:
        assert client.get(reverse("oversight:register", args=[key])).status_code == 403
        assert client.post(export_url(key)).status_code == 403


def test_index_offers_the_three_registers_and_only_the_users_stations(login, world, books):
    html = login(world.staff).get(INDEX).content.decode()
    for key in KEYS:
        assert reverse("oversight:register", args=[key]) in html
    assert world.station.code in html and world.other_station.code not in html


def test_station_outside_the_scope_or_unknown_register_is_404(login, world, books):
    client = login(world.staff)
    url = reverse("oversight:register", args=["reception"])
    assert client.get(url, {"station": world.other_station.code}).status_code == 404
    assert client.post(export_url("reception", f"station={world.other_station.code}")).status_code == 404
    assert login(world.admin).get(url, {"station": world.other_station.code}).status_code == 404
    assert client.get(reverse("oversight:register", args=["ledger"])).status_code == 404
    rows = page_rows(login(world.city_admin), "reception", station=world.other_station.code.lower())
    assert [r[4] for r in rows] == ["王五"]


def test_date_filters(login, world, books):
    client = login(world.staff)
    assert [r[4] for r in page_rows(client, "reception", date_from="2026-11-01")] == ["李四"]
    assert [r[4] for r in page_rows(client, "reception", date_to="2026-10-31")] == ["张三"]
    assert [r[5] for r in page_rows(client, "suggestions", date_from="2026-10-12", date_to="2026-10-12")] == [
        "路灯不亮"
    ]
    assert page_rows(client, "activities", date_from="2026-10-21") == []
    response = client.get(reverse("oversight:register", args=["activities"]), {"date_from": "2026-10-21"})
    assert 'id="register-table"' not in response.content.decode()
    # Start after end: refused, and the whole register is shown instead of an error page.
    assert len(page_rows(client, "reception", date_from="2026-11-30", date_to="2026-10-01")) == 2


# Immediate exports --------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_immediate_export_holds_the_headers_and_the_rows_of_the_page(login, world, books, key):
    client = login(world.staff)
    response = client.post(export_url(key))
    assert response.status_code == 200
    assert response["Content-Type"] == exports_xlsx()
    assert f"{key}-all-20261116" in response["Content-Disposition"]
    rows = workbook_rows(b"".join(response.streaming_content))
    assert len(rows[0]) == len(registers.get_register(key).columns)
    assert rows[0] == expected_headers(key)
    assert rows[1:] == page_rows(client, key)
    assert not ExportJob.objects.exists()


def exports_xlsx():
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_immediate_export_keeps_the_filters_and_the_masking(login, world, books):
    client = login(world.admin)
    query = f"station={world.station.code}&date_from=2026-10-01&date_to=2026-10-31"
    response = client.post(export_url("reception", query))
    rows = workbook_rows(b"".join(response.streaming_content))
    assert [(r[4], r[5]) for r in rows[1:]] == [("张三", "138****1234")]
    assert f"reception-{world.station.code}-" in response["Content-Disposition"]


def test_a_citizens_text_starting_with_equals_stays_text_in_the_export(login, world, books):
    f.SuggestionFactory(
        station=world.station, title='=HYPERLINK("http://evil.example","点我")', received_at=at(2026, 11, 10)
    )
    response = login(world.staff).post(export_url("suggestions"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    titles = [row[5] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in titles)


def test_a_control_character_in_a_record_does_not_break_the_export(login, world, books):
    Visit.objects.filter(pk=books["v1"].pk).update(summary="第一段\x0b第二段")
    response = login(world.staff).post(export_url("reception"))
    assert response.status_code == 200
    rows = workbook_rows(b"".join(response.streaming_content))
    assert len(rows) == 3


# Background exports -------------------------------------------------------------------------


@pytest.fixture
def job(login, world, books, django_capture_on_commit_callbacks):
    client = login(world.staff)
    with override_settings(REGISTER_IMMEDIATE_ROWS=1):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(export_url("reception", "date_from=2026-10-01"))
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("oversight:export", args=[job.pk])
    return job


def test_large_export_runs_in_the_background_and_the_requester_downloads_it(login, world, books, job):
    job.refresh_from_db()
    assert job.requested_by == world.staff
    assert job.status == ExportJob.Status.DONE
    assert (job.total, job.done) == (2, 2)
    assert job.params == {"from": "2026-10-01"}
    assert job.finished_at is not None

    client = login(world.staff)
    page = client.get(reverse("oversight:export", args=[job.pk]))
    assert page.status_code == 200
    assert reverse("oversight:export_download", args=[job.pk]) in page.content.decode()

    status = client.get(reverse("oversight:export_status", args=[job.pk])).json()
    assert status["status"] == "done"
    assert status["percent"] == 100
    assert (status["done"], status["total"]) == (2, 2)
    assert status["download"] == reverse("oversight:export_download", args=[job.pk])

    download = client.get(status["download"])
    assert download.status_code == 200
    assert download["Content-Type"] == exports_xlsx()
    rows = workbook_rows(b"".join(download.streaming_content))
    assert rows[0] == expected_headers("reception")
    assert rows[1:] == page_rows(client, "reception", date_from="2026-10-01")
    assert [r[5] for r in rows[1:]] == ["13812341234", "13600001111"]


@pytest.mark.parametrize("persona", ["other_staff", "admin", "rep_user"])
def test_nobody_else_fetches_the_export(login, world, books, job, persona):
    client = login(getattr(world, persona))
    for name in ("oversight:export", "oversight:export_status", "oversight:export_download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404, name


def test_the_background_export_masks_phones_for_a_committee_admin(
    login, world, books, django_capture_on_commit_callbacks
):
    client = login(world.admin)
    with override_settings(REGISTER_IMMEDIATE_ROWS=1):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(export_url("reception"))
    job = ExportJob.objects.get()
    download = client.get(reverse("oversight:export_download", args=[job.pk]))
    rows = workbook_rows(b"".join(download.streaming_content))
    assert [r[5] for r in rows[1:]] == ["138****1234", "136****1111"]


def test_a_queued_export_shows_progress_and_no_download(login, world, books):
    client = login(world.staff)
    with override_settings(REGISTER_IMMEDIATE_ROWS=1):
        client.post(export_url("reception"))  # on_commit never runs: the task is still waiting
    job = ExportJob.objects.get()
    status = client.get(reverse("oversight:export_status", args=[job.pk])).json()
    assert (status["status"], status["percent"], status["download"]) == ("queued", 0, "")
    assert client.get(reverse("oversight:export_download", args=[job.pk])).status_code == 404


def test_an_expired_export_is_no_longer_downloadable_and_is_purged(login, world, books, job):
    job.refresh_from_db()
    name, storage = job.file.name, job.file.storage
    assert storage.exists(name)
    # Signed in anew at each time: a session ends after 30 idle minutes (accounts.middleware).
    with time_machine.travel(NOW + dt.timedelta(hours=23, minutes=59), tick=False):
        client = login(world.staff)
        assert client.get(reverse("oversight:export_download", args=[job.pk])).status_code == 200
        assert exports.purge_expired() == 0
    with time_machine.travel(NOW + dt.timedelta(hours=24, minutes=1), tick=False):
        client = login(world.staff)
        status = client.get(reverse("oversight:export_status", args=[job.pk])).json()
        assert status["download"] == ""
        assert client.get(reverse("oversight:export_download", args=[job.pk])).status_code == 404
        assert exports.purge_expired() == 1
    assert not ExportJob.objects.exists()
    assert not storage.exists(name)


# Query counts -------------------------------------------------------------------------------


def grow(world, n, start):
    kind = ActivityKind.objects.get(name="进园区")
    for i in range(start, start + n):
        rep = f.RepresentativeFactory(name=f"增代表{i}")
        reception(
            world.station, dt.date(2026, 1, 1) + dt.timedelta(days=i), f"访客{i}", "13700000000", [rep, world.rep]
        )
        f.SuggestionFactory(station=world.station, title=f"增建议{i}", received_at=at(2026, 9, 1 + i % 28))
        activity = Activity.objects.create(
            kind=kind, date=dt.date(2026, 9, 1 + i % 28), station=world.station, title=f"增活动{i}", summary="座谈"
        )
        activity.representatives.set([rep, world.rep])
        ActivityPhoto.objects.create(activity=activity, file=f"activities/{i}.png", original_name="p.png", size=9)


@pytest.mark.parametrize("key", KEYS)
def test_register_page_query_count_does_not_grow(login, world, books, key, django_assert_max_num_queries):
    client = login(world.staff)
    url = reverse("oversight:register", args=[key])
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), len(TableParser.rows(response.content.decode()))

    grow(world, 2, 0)
    with django_assert_max_num_queries(15):
        small, _shown = count()
    grow(world, 60, 2)
    with django_assert_max_num_queries(15):
        big, shown = count()
    assert shown == 50  # one page
    assert big == small


def test_suggestion_register_shows_the_routing_reply_and_rating(login, world, books):
    s1 = books["s1"]
    water = f.HandlingUnitFactory(name="龙亭区水利局", region=world.county)
    roads = f.HandlingUnitFactory(name="龙亭区交通局", region=world.county)
    lead = Assignment.objects.create(
        suggestion=s1,
        unit=world.unit,
        role=Assignment.Role.LEAD,
        status=Assignment.Status.REPLIED,
        accept_due=dt.date(2026, 10, 14),
        reply_due=dt.date(2026, 10, 30),
        replied_at=at(2026, 10, 20),
    )
    Assignment.objects.create(
        suggestion=s1,
        unit=water,
        role=Assignment.Role.CO,
        accept_due=dt.date(2026, 10, 14),
        reply_due=dt.date(2026, 10, 30),
    )
    Assignment.objects.create(
        suggestion=s1,
        unit=roads,
        role=Assignment.Role.CO,
        status=Assignment.Status.WITHDRAWN,
        accept_due=dt.date(2026, 10, 14),
        reply_due=dt.date(2026, 10, 30),
    )
    Reply.objects.create(assignment=lead, result=Reply.Result.SOLVED, text="已修复")
    Rating.objects.create(suggestion=s1, verdict=Rating.Verdict.SATISFIED)
    type(s1).objects.filter(pk=s1.pk).update(
        stage=Stage.CLOSED, closed_at=at(2026, 10, 25), answer="已修复路灯", assessor=world.rep
    )
    response = login(world.staff).get(reverse("oversight:register", args=["suggestions"]), HTTP_ACCEPT_LANGUAGE="en")
    row = TableParser.rows(response.content.decode())[0]
    assert row[10:] == [
        "代表甲",
        "龙亭区住建局",
        "龙亭区水利局",
        "2026-10-14",
        "2026-10-30",
        "2026-10-20",
        "Solved",
        "已修复路灯",
        "Satisfied",
        "Closed",
        "2026-10-25",
    ]


def test_an_export_whose_requester_lost_the_station_fails_without_a_file(login, world, books):
    client = login(world.staff)
    with override_settings(REGISTER_IMMEDIATE_ROWS=1):
        client.post(export_url("reception", f"station={world.station.code}"))
    job = ExportJob.objects.get()
    world.station.staff.remove(world.staff)  # rights are checked again when the file is written
    exports.run_job(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not job.file
    status = client.get(reverse("oversight:export_status", args=[job.pk])).json()
    assert (status["status"], status["download"]) == ("failed", "")
    assert client.get(reverse("oversight:export_download", args=[job.pk])).status_code == 404
    exports.run_job(str(job.pk))  # a second delivery of the task does nothing
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
