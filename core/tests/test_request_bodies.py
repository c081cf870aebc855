"""A body that is too large, or holds too many fields or files, gets the form's own page back, never a bare 400.

Django answers ``RequestDataTooBig``, ``TooManyFieldsSent`` and
``TooManyFilesSent`` with "400 Bad Request" and nothing else, and reads a body of
any size before a view could refuse it. core.middleware.RequestBodyMiddleware
gives every form — staff forms, the admin, the citizen's — the same answer: the
page of the form, a message saying what was too large, status 413, and nothing
saved.
"""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from activities.models import Activity, ActivityKind
from devtools.testing import factories as f
from suggestions.loop import actions as loop
from suggestions.models import Assignment, Reply, Suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def offline(world, **overrides):
    return {
        "station": world.station.pk,
        "channel": "mailbox",
        "received_on": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
        "title": "意见箱：小区垃圾清运不及时",
        "content": "垃圾桶经常满溢，夏天气味很大。",
        **overrides,
    }


def png(name="现场.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_offline_form_with_a_body_over_the_limit_comes_back_with_a_message(login, world, settings):
    settings.REQUEST_MAX_BODY_BYTES = 4000
    response = login(world.staff).post(reverse("suggestions:new"), offline(world, content="路灯坏了。" * 400))
    body = response.content.decode()
    assert response.status_code == 413
    assert 'name="title"' in body and 'name="content"' in body  # the form's own page
    assert "超过了此表单允许的 0.0 MB" in body
    assert not Suggestion.objects.exists()


def test_offline_form_with_text_over_djangos_limit_comes_back_with_a_message(login, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    response = login(world.staff).post(reverse("suggestions:new"), offline(world, content="路" * 400_000))
    body = response.content.decode()
    assert response.status_code == 413
    assert 'name="content"' in body
    assert "您提交的文字超过了表单允许的 1.0 MB" in body
    assert not Suggestion.objects.exists()


def test_activity_form_with_too_many_files_comes_back_with_a_message(login, world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    kind = ActivityKind.objects.create(name="进园区")
    data = {
        "kind": kind.pk,
        "date": "2026-11-12",
        "station": world.station.pk,
        "representatives": [world.rep.pk],
        "title": "走访科技园区企业",
        "summary": "听取企业意见。",
        "photos": [png(f"{i}.png") for i in range(4)],
    }
    response = login(world.staff).post(reverse("activities:new"), data)
    body = response.content.decode()
    assert response.status_code == 413
    assert 'name="summary"' in body
    assert "一次附加的文件超过 3 个" in body
    assert not Activity.objects.exists()


def test_a_units_reply_with_a_file_over_the_limit_gets_the_suggestions_page(login, world, settings):
    world.station.head = world.rep
    world.station.save()
    item = f.SuggestionFactory(station=world.station, title="路灯不亮")
    loop.suggestion_hand_to_representative(suggestion=item, by=world.staff)
    item.refresh_from_db()
    loop.suggestion_assign(suggestion=item, by=world.rep_user, lead_unit=world.unit, co_units=(), instructions="请核实")
    assignment = Assignment.objects.get(suggestion=item, role="lead")
    loop.assignment_accept(assignment=assignment, by=world.handler)
    settings.REQUEST_MAX_BODY_BYTES = 20_000
    scan = SimpleUploadedFile("答复函.pdf", b"%PDF-1.4\n" + b"0" * 30_000, content_type="application/pdf")
    url = reverse("loop:act", args=[item.tracking_code, "reply"])
    data = {"assignment": assignment.pk, "result": "explained", "text": "已书面答复", "file": scan}
    response = login(world.handler).post(url, data)
    body = response.content.decode()
    assert response.status_code == 413
    assert "路灯不亮" in body and 'name="text"' in body  # the suggestion's page, with the reply form
    assert "超过了此表单允许的" in body
    assert not Reply.objects.exists()


def test_a_post_only_view_without_a_page_of_its_own_gets_a_page_that_leads_back(login, world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    item = f.SuggestionFactory(station=world.station)
    page = item.get_absolute_url()
    data = {f"field{i}": "x" for i in range(5)}
    response = login(world.staff).post(reverse("suggestions:merge", args=[item.tracking_code]), data, HTTP_REFERER=page)
    body = response.content.decode()
    assert response.status_code == 413
    assert "表单提交的项目超过 3 个" in body and f'href="{page}"' in body


def test_the_admin_with_too_many_fields_comes_back_with_a_message(login, world, settings):
    superuser = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    url = reverse("admin:stations_region_change", args=[world.county.pk])
    response = login(superuser).post(url, {f"field{i}": "x" for i in range(10)})
    assert response.status_code == 413
    assert "表单提交的项目超过 5 个" in response.content.decode()
    assert 'id="region_form"' in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_login_whatever_the_size(client, world, settings):
    settings.REQUEST_MAX_BODY_BYTES = 100
    response = client.post(reverse("suggestions:new"), offline(world))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_refused_body_is_never_read(login, world, settings):
    """The refusal comes from the declared length; the CSRF check, which reads the body, is not reached."""
    settings.REQUEST_MAX_BODY_BYTES = 4000
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.staff, backend="django.contrib.auth.backends.ModelBackend")
    response = strict.post(reverse("suggestions:new"), offline(world, content="路灯坏了。" * 400))
    assert response.status_code == 413
    ok = strict.post(reverse("suggestions:new"), offline(world))
    assert ok.status_code == 403  # an ordinary post still needs its token
