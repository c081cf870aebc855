"""Import of a station's historical register from Excel: preview, all-or-nothing confirm, access."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from openpyxl import Workbook, load_workbook

from core.sms import LoggingSmsBackend
from suggestions.imports import importer
from suggestions.intake import services
from suggestions.models import Category, Event, Suggestion

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = ["收到日期", "来源渠道", "标题", "内容", "问题类别", "地点", "提出人", "手机号", "企业名称"]
# Frozen "now" for every test: 2024-06-15 10:00 Beijing time.
NOW = dt.datetime(2024, 6, 15, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def empty_import_storage():
    """The in-memory private storage outlives a test; start and end each one without stored uploads."""
    for name in stashed_files():
        storages["private"].delete(f"imports/{name}")
    yield
    for name in stashed_files():
        storages["private"].delete(f"imports/{name}")


@pytest.fixture
def english(client):
    """Assert on the English msgids, whatever the Chinese catalog says later."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def categories(db):
    return {
        "城建交通": Category.objects.create(name="城建交通"),
        "营商环境": Category.objects.create(name="营商环境"),
        "旧类别": Category.objects.create(name="旧类别", is_active=False),
    }


def workbook_bytes(rows, header=HEADER, title_rows=()):
    workbook = Workbook()
    sheet = workbook.active
    for row in title_rows:
        sheet.append(row)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data, name="台账.xlsx"):
    return SimpleUploadedFile(name, data, content_type=importer.XLSX_CONTENT_TYPE)


GOOD_ROWS = [
    [
        dt.datetime(2023, 3, 20),
        "接待日",
        "小区路灯损坏",
        "3号楼旁路灯坏了一个月。",
        "城建交通",
        "四季城3号楼",
        "张三",
        "13800001111",
        "",
    ],
    ["2023/11/5", "意见箱", "学校门口拥堵", "放学时段车辆拥堵。", "", "", "", "", ""],
    [
        "2024-01-08",
        "走访",
        "用电报装慢",
        "企业新厂房报装两个月未通电。",
        "营商环境",
        "产业园",
        "李四",
        13900002222,
        "某某渔具有限公司",
    ],
]


def urls(station):
    return {
        "upload": reverse("imports:upload", args=[station.code]),
        "confirm": reverse("imports:confirm", args=[station.code]),
        "cancel": reverse("imports:cancel", args=[station.code]),
        "template": reverse("imports:template", args=[station.code]),
    }


def done_url(station):
    try:
        return reverse("suggestions:list")
    except NoReverseMatch:
        return station.get_absolute_url()


def stashed_files():
    storage = storages["private"]
    if not storage.exists("imports"):
        return []
    return storage.listdir("imports")[1]


# The happy path ------------------------------------------------------------


def test_good_register_imports_every_row_with_its_original_date_channel_and_enterprise_flag(
    login, world, categories, english
):
    client = login(world.staff)
    page = urls(world.station)
    LoggingSmsBackend.outbox.clear()

    preview = client.post(page["upload"], {"file": upload(workbook_bytes(GOOD_ROWS))})
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "All 3 rows are valid" in body
    assert 'id="confirm-import"' in body
    assert Suggestion.objects.count() == 0  # the preview writes nothing
    assert len(stashed_files()) == 1

    response = client.post(page["confirm"])
    assert response.status_code == 302
    assert response.url == done_url(world.station)

    imported = {s.title: s for s in Suggestion.objects.all()}
    assert set(imported) == {"小区路灯损坏", "学校门口拥堵", "用电报装慢"}
    lamp, school, power = imported["小区路灯损坏"], imported["学校门口拥堵"], imported["用电报装慢"]
    assert lamp.received_at == dt.datetime(2023, 3, 20, 9, 0, tzinfo=SHANGHAI)
    assert school.received_at == dt.datetime(2023, 11, 5, 9, 0, tzinfo=SHANGHAI)
    assert power.received_at == dt.datetime(2024, 1, 8, 9, 0, tzinfo=SHANGHAI)
    assert (lamp.channel, school.channel, power.channel) == ("reception", "mailbox", "visit")
    assert (lamp.is_enterprise, school.is_enterprise, power.is_enterprise) == (False, False, True)
    assert power.enterprise_name == "某某渔具有限公司"
    assert power.submitter_phone == "13900002222"  # a number cell, read back as eleven digits
    assert lamp.category == categories["城建交通"] and school.category is None
    assert lamp.submitter_name == "张三" and lamp.location == "四季城3号楼"
    assert all(s.created_by == world.staff and s.station == world.station for s in imported.values())
    assert all(s.region == world.station.region for s in imported.values())
    assert Event.objects.filter(kind=Event.Kind.RECEIVED).count() == 3
    assert LoggingSmsBackend.outbox == []  # citizens of old registers get no text message now
    assert stashed_files() == []  # the stored upload is gone

    followed = client.get(response.url)
    assert "3 suggestions were imported" in followed.content.decode()


def test_confirming_twice_imports_once(login, world, categories):
    client = login(world.staff)
    page = urls(world.station)
    client.post(page["upload"], {"file": upload(workbook_bytes(GOOD_ROWS))})
    client.post(page["confirm"])
    second = client.post(page["confirm"])
    assert second.status_code == 302 and second.url == page["upload"]
    assert Suggestion.objects.count() == 3


def test_committee_admin_of_the_region_imports_for_a_station(login, world, categories):
    client = login(world.admin)
    page = urls(world.station)
    client.post(page["upload"], {"file": upload(workbook_bytes(GOOD_ROWS[:1]))})
    client.post(page["confirm"])
    assert Suggestion.objects.get().created_by == world.admin


def test_columns_are_found_by_header_in_any_order_below_a_title_line_and_empty_rows_are_skipped(login, world, english):
    header = ["内容", "标题", "备注", "来源渠道", "收到日期"]
    rows = [
        ["内容一", "标题一", "随便", "微信群", "2024年3月20日"],
        [None, None, None, None, None],
        ["  ", "", None, "", ""],
        ["内容二", "标题二", "", "外部平台", "2024.6.15"],
    ]
    data = workbook_bytes(rows, header=header, title_rows=[["四季城联络点意见建议登记簿"], []])
    client = login(world.staff)
    body = client.post(urls(world.station)["upload"], {"file": upload(data)}).content.decode()
    assert "All 2 rows are valid" in body
    assert "备注" in body  # named as an ignored column
    client.post(urls(world.station)["confirm"])
    imported = {s.title: s for s in Suggestion.objects.all()}
    assert imported["标题一"].channel == "wechat"
    assert imported["标题二"].channel == "platform"
    assert imported["标题一"].received_at == dt.datetime(2024, 3, 20, 9, 0, tzinfo=SHANGHAI)


def test_an_item_dated_today_imported_before_nine_is_not_in_the_future(db, world):
    early = dt.datetime(2024, 6, 15, 8, 0, tzinfo=SHANGHAI)
    assert importer.received_at_for(dt.date(2024, 6, 15), now=early) == early
    assert importer.received_at_for(dt.date(2024, 6, 14), now=early) == dt.datetime(2024, 6, 14, 9, tzinfo=SHANGHAI)


# Bad rows ------------------------------------------------------------------


BAD_ROWS = [
    GOOD_ROWS[0],
    ["2024-06-16", "接待日", "明天的事", "内容", "", "", "", "", ""],  # row 3: future date
    ["2024-01-02", "电话", "来电反映", "内容", "", "", "", "", ""],  # row 4: unknown channel
    ["2024-01-03", "走访", "号码不对", "内容", "", "", "", "1380000111", ""],  # row 5: bad phone
    ["2024-01-04", "走访", "", "没有标题", "", "", "", "", ""],  # row 6: missing title
    ["2024-01-05", "走访", "类别停用", "内容", "旧类别", "", "", "", ""],  # row 7: inactive category
    ["三月二十日", "走访", "日期不对", "内容", "", "", "", "", ""],  # row 8: not a date
    ["2024-01-06", "走访", "长" * 101, "内容", "", "", "", "", ""],  # row 9: title too long
]


def test_register_with_bad_rows_shows_each_error_with_its_row_and_writes_nothing(login, world, categories, english):
    client = login(world.staff)
    response = client.post(urls(world.station)["upload"], {"file": upload(workbook_bytes(BAD_ROWS))})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Row 3: the date received cannot be in the future." in body
    assert "Row 4: the channel “电话” is unknown" in body
    assert "Row 5: the mobile number “1380000111” is not an 11-digit mobile number." in body
    assert "Row 6: the title is missing." in body
    assert "Row 7: the category “旧类别” does not exist or is no longer in use." in body
    assert "Row 8: the date received “三月二十日” is not a date" in body
    assert "Row 9: “标题” is longer than 100 characters." in body
    assert 'id="valid-count">1<' in body and 'id="invalid-count">7<' in body
    assert "Nothing was imported." in body
    assert 'id="confirm-import"' not in body
    assert 'enctype="multipart/form-data"' in body  # a way to upload the corrected file
    assert Suggestion.objects.count() == 0
    assert stashed_files() == []

    refused = client.post(urls(world.station)["confirm"], {"rows": "1", "title": "posted data is never trusted"})
    assert refused.status_code == 302
    assert Suggestion.objects.count() == 0


def test_row_errors_are_in_chinese_by_default(login, world, categories):
    body = login(world.staff).post(urls(world.station)["upload"], {"file": upload(workbook_bytes(BAD_ROWS))})
    body = body.content.decode()
    # The catalog may not translate the new msgid yet; either way the row is named and the page is not English-only.
    assert "第3行：收到日期不能晚于今天" in body or "Row 3: the date received cannot be in the future." in body
    assert '<html lang="zh-CN">' in body


def test_a_bad_upload_replaces_an_earlier_good_one_so_confirm_is_refused(login, world, categories):
    client = login(world.staff)
    page = urls(world.station)
    client.post(page["upload"], {"file": upload(workbook_bytes(GOOD_ROWS))})
    assert len(stashed_files()) == 1
    client.post(page["upload"], {"file": upload(workbook_bytes(BAD_ROWS))})
    assert stashed_files() == []
    client.post(page["confirm"])
    assert Suggestion.objects.count() == 0


def test_rows_are_checked_again_on_confirm(login, world, categories, english):
    client = login(world.staff)
    page = urls(world.station)
    client.post(page["upload"], {"file": upload(workbook_bytes(GOOD_ROWS))})
    Category.objects.filter(name="营商环境").update(is_active=False)
    response = client.post(page["confirm"])
    body = response.content.decode()
    assert response.status_code == 200
    assert "Row 4: the category “营商环境” does not exist or is no longer in use." in body
    assert Suggestion.objects.count() == 0
    assert stashed_files() == []


def test_a_failure_half_way_through_writes_nothing(login, world, categories, english, monkeypatch):
    real_create = services.suggestion_create
    calls = []

    def failing_create(**kwargs):
        calls.append(kwargs["title"])
        if len(calls) == 3:
            raise ValidationError({"received_at": "simulated failure"})
        return real_create(**kwargs)

    monkeypatch.setattr(services, "suggestion_create", failing_create)
    client = login(world.staff)
    page = urls(world.station)
    client.post(page["upload"], {"file": upload(workbook_bytes(GOOD_ROWS))})
    response = client.post(page["confirm"], follow=True)
    assert len(calls) == 3
    assert Suggestion.objects.count() == 0 and Event.objects.count() == 0
    assert "Nothing was imported" in response.content.decode()


# Bad files -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("台账.csv", "收到日期,来源渠道\n".encode(), "Only Excel workbooks (.xlsx) can be imported."),
        (
            "台账.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "Only Excel workbooks (.xlsx) can be imported.",
        ),
        ("台账.xlsx", b"just text renamed", "The file is not a valid Excel workbook (.xlsx)"),
        ("台账.xlsx", b"PK\x03\x04 broken zip" + b"\0" * 100, "could not be read as an Excel workbook"),
        ("台账.xlsx", b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024), "larger than 5 MB"),
    ],
)
def test_files_that_are_not_good_workbooks_are_refused_with_a_message(login, world, english, name, content, message):
    response = login(world.staff).post(
        urls(world.station)["upload"], {"file": SimpleUploadedFile(name, content, content_type="text/plain")}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert 'id="import-rows"' not in body
    assert stashed_files() == []


def test_missing_required_columns_are_named(login, world, english):
    data = workbook_bytes([["2024-01-01", "接待日"]], header=["收到日期", "来源渠道"])
    body = login(world.staff).post(urls(world.station)["upload"], {"file": upload(data)}).content.decode()
    assert "missing: 标题、内容" in body


def test_header_without_rows_is_refused(login, world, english):
    body = login(world.staff).post(urls(world.station)["upload"], {"file": upload(workbook_bytes([]))})
    assert "no rows to import" in body.content.decode()


def test_more_than_5000_rows_are_refused(login, world, english):
    rows = [["2024-01-01", "走访", f"标题{i}", "内容"] for i in range(importer.MAX_ROWS + 1)]
    body = login(world.staff).post(urls(world.station)["upload"], {"file": upload(workbook_bytes(rows))})
    assert "more than 5000 rows" in body.content.decode()


def test_upload_without_a_file_asks_for_one(login, world, english):
    body = login(world.staff).post(urls(world.station)["upload"], {}).content.decode()
    assert "Choose an Excel file (.xlsx) to upload." in body


def test_parsing_asks_the_database_once(world, categories, django_assert_num_queries):
    rows = [["2024-01-01", "走访", f"标题{i}", "内容", "城建交通"] for i in range(200)]
    with django_assert_num_queries(1):
        preview = importer.parse_register(workbook_bytes(rows))
    assert preview.valid_count == 200


def test_preview_page_query_count_does_not_grow_with_rows(login, world, categories):
    client = login(world.staff)

    def queries_for(count):
        rows = [["2024-01-01", "走访", f"标题{i}", "内容", "城建交通"] for i in range(count)]
        data = workbook_bytes(rows)
        with CaptureQueriesContext(connection) as context:
            response = client.post(urls(world.station)["upload"], {"file": upload(data)})
        assert response.status_code == 200
        return len(context.captured_queries)

    queries_for(1)  # warm the session
    assert queries_for(300) == queries_for(1)


# Confirm, cancel, template -------------------------------------------------


def test_confirm_without_a_preview_is_refused(login, world, english):
    client = login(world.staff)
    response = client.post(urls(world.station)["confirm"], follow=True)
    assert "There is no checked file to import." in response.content.decode()
    assert Suggestion.objects.count() == 0


def test_confirm_uses_the_preview_of_this_station_only(login, world, categories):
    other = world.other_station
    world.admin.is_superuser = True  # manages both stations
    world.admin.save()
    client = login(world.admin)
    client.post(urls(world.station)["upload"], {"file": upload(workbook_bytes(GOOD_ROWS))})
    client.post(urls(other)["confirm"])
    assert Suggestion.objects.count() == 0
    client.post(urls(world.station)["confirm"])
    assert Suggestion.objects.filter(station=world.station).count() == 3


def test_confirm_is_get_proof(login, world, categories):
    client = login(world.staff)
    client.post(urls(world.station)["upload"], {"file": upload(workbook_bytes(GOOD_ROWS))})
    assert client.get(urls(world.station)["confirm"]).status_code == 405
    assert Suggestion.objects.count() == 0


def test_cancel_discards_the_stored_file(login, world, categories):
    client = login(world.staff)
    client.post(urls(world.station)["upload"], {"file": upload(workbook_bytes(GOOD_ROWS))})
    client.post(urls(world.station)["cancel"])
    assert stashed_files() == []
    client.post(urls(world.station)["confirm"])
    assert Suggestion.objects.count() == 0


def test_template_download_has_the_header_and_an_example_row_that_imports(login, world, categories):
    client = login(world.staff)
    response = client.get(urls(world.station)["template"])
    assert response.status_code == 200
    assert response["Content-Type"] == importer.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADER
    assert sheet.max_row == 2 and sheet["B2"].value == "接待日"

    client.post(urls(world.station)["upload"], {"file": upload(response.content, name="template.xlsx")})
    client.post(urls(world.station)["confirm"])
    example = Suggestion.objects.get()
    assert example.received_at == dt.datetime(2024, 6, 14, 9, tzinfo=SHANGHAI)
    assert example.category == categories["城建交通"]


# Access --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 200), ("admin", 200), ("other_staff", 404), ("other_admin", 404), ("handler", 404), ("rep_user", 404)],
)
def test_import_pages_are_for_those_who_manage_the_station(login, world, persona, status):
    client = login(getattr(world, persona))
    page = urls(world.station)
    assert client.get(page["upload"]).status_code == status
    assert client.get(page["template"]).status_code == status
    if status == 404:
        assert client.post(page["upload"], {"file": upload(workbook_bytes(GOOD_ROWS))}).status_code == 404
        assert client.post(page["confirm"]).status_code == 404
        assert Suggestion.objects.count() == 0


def test_anonymous_visitor_is_sent_to_login(client, world):
    for name in ("upload", "template"):
        response = client.get(urls(world.station)[name])
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_upload_page_offers_the_template_and_names_the_columns(login, world, english):
    body = login(world.staff).get(urls(world.station)["upload"]).content.decode()
    assert urls(world.station)["template"] in body
    for header in HEADER:
        assert header in body


def test_service_refuses_an_outsider_and_an_invalid_register(world, categories):
    good = importer.parse_register(workbook_bytes(GOOD_ROWS))
    with pytest.raises(PermissionDenied):
        importer.suggestions_import(station=world.station, by=world.other_staff, preview=good, batch="x" * 32)
    bad = importer.parse_register(workbook_bytes(BAD_ROWS))
    with pytest.raises(ValidationError):
        importer.suggestions_import(station=world.station, by=world.staff, preview=bad, batch="y" * 32)
    assert Suggestion.objects.count() == 0


def test_headers_marked_required_by_hand_are_recognised_and_a_repeated_header_is_refused(db):
    marked = ["收到日期*", "来源渠道（必填）", " 标题 ", "内容"]
    preview = importer.parse_register(workbook_bytes([["2024-01-01", "走访", "标题", "内容"]], header=marked))
    assert preview.is_valid and preview.rows[0].number == 2
    with pytest.raises(importer.ImportFileError, match="appears twice"):
        importer.parse_register(workbook_bytes([], header=[*HEADER, "标题"]))


def test_a_long_run_of_empty_rows_ends_the_register(db):
    rows = [["2024-01-01", "走访", "第一条", "内容"]] + [[None]] * (importer.MAX_BLANK_RUN + 1)
    rows.append(["2024-01-01", "走访", "空行之后", "内容"])
    preview = importer.parse_register(workbook_bytes(rows))
    assert [row.title for row in preview.rows] == ["第一条"]


def test_a_preview_left_waiting_is_removed_after_a_day():
    import datetime as _dt

    from django.core.files.base import ContentFile
    from django.core.files.storage import storages
    from django.utils import timezone as _tz

    from suggestions.imports.importer import purge_stale_stashes

    storage = storages["private"]
    storage.save("imports/abandoned.xlsx", ContentFile(b"PK..."))
    assert purge_stale_stashes(now=_tz.now()) == 0  # still within the day
    assert purge_stale_stashes(now=_tz.now() + _dt.timedelta(days=1, minutes=1)) == 1
    assert not storage.exists("imports/abandoned.xlsx")
