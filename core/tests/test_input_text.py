"""Bidirectional control characters never get stored: not from a form, not from the admin, not from an import.

``张三\\u202e13800001111`` shows the digits backwards on a staff page, and
``photo\\u202egpj.exe`` hides a file's real extension. The portal's languages have
no use for these characters; core.middleware.InputTextMiddleware removes them
from every form value and file name, and the register importer from every cell,
both with core.text.strip_bidi.
"""

import datetime as dt
import io
import uuid

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from core.text import BIDI_CONTROLS, strip_bidi
from devtools.testing import factories as f
from devtools.testing.pictures import small_photo
from stations.models import Region
from suggestions.imports import importer
from suggestions.models import Attachment, Suggestion

pytestmark = pytest.mark.django_db

RLO, LRI, PDI, RLM = "\u202e", "\u2066", "\u2069", "\u200f"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def test_strip_bidi_removes_every_control_and_nothing_else():
    text = "张三" + BIDI_CONTROLS + "13800001111 ‏مرحبا"
    assert strip_bidi(text) == "张三13800001111 مرحبا"
    assert strip_bidi(None) is None and strip_bidi(7) == 7


def test_a_citizens_submission_is_stored_without_bidi_controls(client, world):
    data = {
        "content": f"人民路路灯坏了两个星期，{RLO}请尽快修好{PDI}，谢谢。",
        "location": f"人民路{LRI}3号{PDI}",
        "submitter_name": f"张三{RLO}1111",
        "submitter_phone": f"138{RLM}0000{RLM}1111",
        "consent": "on",
        "is_enterprise": "on",
        "enterprise_name": f"红旗渠{RLO}建材",
        "idempotency_key": str(uuid.uuid4()),
        "attachments": [SimpleUploadedFile(f"photo{RLO}gpj.exe.jpg", small_photo("JPEG"), "image/jpeg")],
    }
    response = client.post(reverse("public:station_suggest", args=[world.station.code]), data)
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert suggestion.content == "人民路路灯坏了两个星期，请尽快修好，谢谢。"
    assert suggestion.title == "人民路路灯坏了两个星期，请尽快修好，谢谢。"
    assert (suggestion.location, suggestion.submitter_name) == ("人民路3号", "张三1111")
    assert (suggestion.submitter_phone, suggestion.enterprise_name) == ("13800001111", "红旗渠建材")
    assert Attachment.objects.get().original_name == "photogpj.exe.jpg"


def test_a_staff_forms_values_are_stored_without_bidi_controls(login, world):
    data = {
        "station": world.station.pk,
        "channel": "mailbox",
        "received_on": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "title": f"意见箱{RLO}：垃圾清运",
        "content": f"垃圾桶{LRI}经常满溢{PDI}。",
        "submitter_name": f"李{RLM}四",
    }
    assert login(world.staff).post(reverse("suggestions:new"), data).status_code == 302
    suggestion = Suggestion.objects.get()
    assert (suggestion.title, suggestion.content, suggestion.submitter_name) == (
        "意见箱：垃圾清运",
        "垃圾桶经常满溢。",
        "李四",
    )


def test_the_admin_stores_names_without_bidi_controls(login, world):
    superuser = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    client = login(superuser)
    response = client.post(
        reverse("admin:stations_region_add"), {"name": f"东{RLO}城区", "level": "county", "parent": world.city.pk}
    )
    assert response.status_code == 302
    assert Region.objects.filter(name="东城区").exists()


def test_a_search_is_read_without_bidi_controls(login, world):
    f.SuggestionFactory(station=world.station, title="电梯经常故障")
    response = login(world.staff).get(reverse("suggestions:list"), {"q": f"电{RLO}梯"})
    assert [s.title for s in response.context["page"]] == ["电梯经常故障"]


def test_an_imported_row_is_stored_without_bidi_controls(login, world):
    f.CategoryFactory(name="城建交通")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([f"收到{RLO}日期", "来源渠道", "标题", "内容", "问题类别", "地点", "提出人", "手机号", "企业名称"])
    sheet.append(
        [
            "2024-03-20",
            f"接待{RLM}日",
            f"小区{RLO}路灯损坏",
            f"3号楼旁路灯{LRI}坏了一个月{PDI}。",
            f"城建{RLO}交通",
            f"四季城{RLO}3号楼",
            f"张三{RLO}1111",
            f"138{RLM}00001111",
            f"某某{RLO}渔具有限公司",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = login(world.staff)
    upload = SimpleUploadedFile("台账.xlsx", buffer.getvalue(), content_type=importer.XLSX_CONTENT_TYPE)
    preview = client.post(reverse("imports:upload", args=[world.station.code]), {"file": upload})
    assert preview.context["preview"].is_valid, preview.context["preview"].errors
    client.post(reverse("imports:confirm", args=[world.station.code]))
    suggestion = Suggestion.objects.get()
    assert (suggestion.title, suggestion.content) == ("小区路灯损坏", "3号楼旁路灯坏了一个月。")
    assert suggestion.category.name == "城建交通" and suggestion.channel == "reception"
    assert (suggestion.location, suggestion.submitter_name) == ("四季城3号楼", "张三1111")
    assert (suggestion.submitter_phone, suggestion.enterprise_name) == ("13800001111", "某某渔具有限公司")
