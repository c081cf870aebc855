"""The one suggestion list, offline entry, export and duplicates, for every persona."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from devtools.testing import factories as f
from suggestions.models import Event, Suggestion


@pytest.fixture
def items(world):
    category = f.CategoryFactory(name="物业管理")
    own = f.SuggestionFactory(
        station=world.station,
        title="四季城小区电梯经常故障",
        content="电梯三天两头坏，物业不及时维修。",
        category=category,
        submitter_name="王女士",
        submitter_phone="13812341234",
        channel="wechat",
    )
    addressed = f.SuggestionFactory(
        station=world.other_station,
        title="原康镇路灯不亮",
        representative=world.rep,
        channel="qr_representative",
    )
    other = f.SuggestionFactory(
        station=world.other_station,
        title="浇地水浸泡住房",
        is_enterprise=True,
        enterprise_name="林州某农业合作社",
        channel="visit",
    )
    return {"own": own, "addressed": addressed, "other": other, "category": category}


def _titles(response):
    return {s.title for s in response.context["page"]}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("staff", {"四季城小区电梯经常故障"}),
        ("other_staff", {"原康镇路灯不亮", "浇地水浸泡住房"}),
        ("rep_user", {"四季城小区电梯经常故障", "原康镇路灯不亮"}),  # their station's, and those addressed to them
        ("admin", {"四季城小区电梯经常故障"}),
        ("other_admin", {"原康镇路灯不亮", "浇地水浸泡住房"}),
        ("city_admin", {"四季城小区电梯经常故障", "原康镇路灯不亮", "浇地水浸泡住房"}),
    ],
)
def test_each_persona_sees_exactly_their_suggestions(login, world, items, persona, expected):
    assert _titles(login(getattr(world, persona)).get(reverse("suggestions:list"))) == expected


def test_unit_handler_and_anonymous_cannot_open_the_list(client, login, world, items):
    assert login(world.handler).get(reverse("suggestions:list")).status_code == 403
    client.logout()
    assert client.get(reverse("suggestions:list")).status_code == 302


def test_filters(login, world, items):
    client = login(world.city_admin)
    url = reverse("suggestions:list")
    assert _titles(client.get(url, {"channel": "visit"})) == {"浇地水浸泡住房"}
    assert _titles(client.get(url, {"enterprise": "yes"})) == {"浇地水浸泡住房"}
    assert _titles(client.get(url, {"category": items["category"].pk})) == {"四季城小区电梯经常故障"}
    assert _titles(client.get(url, {"station": world.station.pk})) == {"四季城小区电梯经常故障"}
    items["other"].received_at = timezone.now() - dt.timedelta(days=400)
    items["other"].save()
    recent = client.get(url, {"received_from": (timezone.localdate() - dt.timedelta(days=30)).isoformat()})
    assert "浇地水浸泡住房" not in _titles(recent)


def test_search_finds_chinese_words_in_title_and_content(login, world, items):
    client = login(world.city_admin)
    assert _titles(client.get(reverse("suggestions:list"), {"q": "电梯"})) == {"四季城小区电梯经常故障"}
    assert _titles(client.get(reverse("suggestions:list"), {"q": "不及时维修"})) == {"四季城小区电梯经常故障"}
    body = client.get(reverse("suggestions:list"), {"q": "没有这个词"}).content.decode()
    assert "没有符合条件的意见建议" in body


def test_search_does_not_match_across_title_and_content(login, world, items):
    # Title and content are searched as one text with a line break between them.
    suggestion = Suggestion.objects.get(title="四季城小区电梯经常故障")
    straddling = suggestion.title[-2:] + suggestion.content[:2]
    assert straddling not in suggestion.title and straddling not in suggestion.content
    assert _titles(login(world.city_admin).get(reverse("suggestions:list"), {"q": straddling})) == set()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
def test_search_is_served_by_the_trigram_index(world, items):
    # The index is on an expression: it serves the search only while both are written alike.
    from suggestions.selectors import search

    with transaction.atomic():
        with connection.cursor() as cursor:
            # A handful of rows: make the planner show whether the index can serve the search at all.
            cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        plan = search(Suggestion.objects.all(), "不及时维修").explain()
    assert "suggestion_search_trgm" in plan


def test_reversed_date_range_is_reported(login, world, items):
    body = (
        login(world.city_admin)
        .get(reverse("suggestions:list"), {"received_from": "2026-05-01", "received_to": "2026-01-01"})
        .content.decode()
    )
    assert "开始日期晚于结束日期" in body


def test_phone_is_full_for_the_station_staff_and_masked_for_others(login, world, items):
    assert "13812341234" in login(world.staff).get(reverse("suggestions:list")).content.decode()
    for persona in ("admin", "rep_user"):
        body = login(getattr(world, persona)).get(reverse("suggestions:list")).content.decode()
        assert "13812341234" not in body and "138****1234" in body


def test_list_query_count_does_not_grow(login, world, items, django_assert_max_num_queries):
    for _ in range(40):
        f.SuggestionFactory(station=world.station, category=items["category"], representative=world.rep)
    client = login(world.admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("suggestions:list"))
    assert len(response.context["page"]) == 25


def test_csv_export_has_chinese_headers_scoped_rows_and_masked_phones(login, world, items):
    response = login(world.admin).get(reverse("suggestions:export_csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "跟踪码"
    assert [r[6] for r in rows[1:]] == ["四季城小区电梯经常故障"]
    assert rows[1][11] == "138****1234"


def test_xlsx_export_follows_the_filters(login, world, items):
    response = login(world.city_admin).get(reverse("suggestions:export_xlsx"), {"enterprise": "yes"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.values)
    assert values[0][6] == "标题"
    assert [row[6] for row in values[1:]] == ["浇地水浸泡住房"]


def test_export_refused_to_unit_handlers(login, world, items):
    assert login(world.handler).get(reverse("suggestions:export_csv")).status_code == 403


def _offline(world, **overrides):
    data = {
        "station": world.station.pk,
        "channel": "mailbox",
        "received_on": (timezone.localdate() - dt.timedelta(days=10)).isoformat(),
        "title": "意见箱：小区垃圾清运不及时",
        "content": "垃圾桶经常满溢，夏天气味很大。",
        "submitter_phone": "",
    }
    data.update(overrides)
    return data


def test_staff_enter_an_offline_suggestion_with_its_received_date(login, world):
    response = login(world.staff).post(reverse("suggestions:new"), _offline(world))
    suggestion = Suggestion.objects.get(title="意见箱：小区垃圾清运不及时")
    assert response.status_code == 302 and response["Location"] == suggestion.get_absolute_url()
    assert timezone.localtime(suggestion.received_at).date() == timezone.localdate() - dt.timedelta(days=10)
    assert suggestion.channel == "mailbox" and suggestion.created_by == world.staff
    assert suggestion.region == world.station.region
    assert suggestion.events.get().kind == Event.Kind.RECEIVED


def test_offline_entry_rejects_bad_input_and_keeps_it(login, world):
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = login(world.staff).post(
        reverse("suggestions:new"),
        _offline(world, received_on=future, submitter_phone="12345", is_enterprise="on", enterprise_name=""),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "收到日期不能晚于今天" in body
    assert "11位" in body
    assert "请填写企业名称" in body
    assert "意见箱：小区垃圾清运不及时" in body
    assert not Suggestion.objects.exists()


def test_offline_entry_only_for_own_stations(login, world):
    response = login(world.staff).post(reverse("suggestions:new"), _offline(world, station=world.other_station.pk))
    assert response.status_code == 200
    assert not Suggestion.objects.exists()
    assert login(world.handler).get(reverse("suggestions:new")).status_code == 403


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 200), ("admin", 200), ("rep_user", 200), ("other_staff", 404), ("other_admin", 404), ("handler", 404)],
)
def test_detail_access(login, world, items, persona, status):
    response = login(getattr(world, persona)).get(items["own"].get_absolute_url())
    assert response.status_code == status


def test_detail_shows_similar_open_suggestions_and_merges(login, world, items):
    twin = f.SuggestionFactory(
        station=world.station,
        title="电梯又坏了",
        content="四季城小区电梯经常故障，物业维修不及时。",
        category=items["category"],
        submitter_phone="13900001111",
    )
    client = login(world.staff)
    body = client.get(twin.get_absolute_url()).content.decode()
    assert "四季城小区电梯经常故障" in body and "合并" in body

    response = client.post(
        reverse("suggestions:merge", args=[twin.tracking_code]), {"original": items["own"].tracking_code}
    )
    assert response.status_code == 302
    twin.refresh_from_db()
    assert twin.duplicate_of == items["own"] and twin.stage == "closed"
    assert twin.events.filter(kind="merged").exists()
    # Merged duplicates do not inflate the list.
    assert _titles(client.get(reverse("suggestions:list"))) == {"四季城小区电梯经常故障"}


def test_merge_refused_to_other_station_staff_and_across_regions(login, world, items):
    twin = f.SuggestionFactory(station=world.station, category=items["category"])
    response = login(world.other_staff).post(
        reverse("suggestions:merge", args=[twin.tracking_code]), {"original": items["own"].tracking_code}
    )
    assert response.status_code == 404
    response = login(world.city_admin).post(
        reverse("suggestions:merge", args=[twin.tracking_code]), {"original": items["other"].tracking_code}
    )
    twin.refresh_from_db()
    assert twin.duplicate_of is None


def test_detail_query_count(login, world, items, django_assert_max_num_queries):
    for _ in range(10):
        f.SuggestionFactory(station=world.station, category=items["category"])
    client = login(world.staff)
    # The station's staff see the citizen's number in full: the audit record of that costs three statements
    # (lock the chain head, insert, move the head) and, inside the test's transaction, a savepoint pair.
    with django_assert_max_num_queries(20):
        client.get(items["own"].get_absolute_url())
