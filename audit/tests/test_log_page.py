"""The audit log page and its admin view: the audit administrator reads it; nobody else, the superuser included."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from audit import services
from audit.models import AuditAction, AuditOutcome, AuditRecord
from devtools.testing import factories as f

from .conftest import on_sqlite

SHANGHAI = ZoneInfo("Asia/Shanghai")
LOG = reverse("audit:log")
VERIFY = reverse("audit:verify")


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def rows(page: str) -> int:
    return page.count('<tr data-action="')


@pytest.fixture
def persona(world, db):
    def _persona(name):
        if name == "superuser":
            return f.UserFactory(username="root", is_staff=True, is_superuser=True)
        if name in ("system", "security"):
            return f.UserFactory(username=f"{name}_admin", is_staff=True, admin_duty=name)
        return getattr(world, name)

    return _persona


@pytest.mark.parametrize("name", ["superuser", "system", "security", "admin", "city_admin", "staff", "rep_user"])
def test_everyone_but_the_audit_administrator_is_refused(login, persona, name, trail):
    client = login(persona(name))
    assert client.get(LOG).status_code == 403
    assert client.post(VERIFY).status_code == 403
    assert not trail(AuditAction.AUDIT_VIEW) and not trail(AuditAction.AUDIT_VERIFY)
    assert 'id="nav-audit-log"' not in client.get(reverse("home")).content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(LOG)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_audit_administrator_reads_the_log_newest_first_in_chinese(login, world, auditor, trail):
    services.record(AuditAction.EXPORT, actor=world.staff, detail={"register": "reception", "rows": 3})
    services.record(AuditAction.LOGIN_FAILED, actor=None, username="staff", outcome=AuditOutcome.FAILED)
    client = login(auditor)
    assert 'id="nav-audit-log"' in client.get(reverse("home")).content.decode()
    page = body(client.get(LOG))
    assert page.index("登录失败") < page.index("导出数据")
    assert "失败" in page and "接待登记簿" in page and "行数" in page
    # The reader's own look is on the record, written after the page was read.
    view = trail(AuditAction.AUDIT_VIEW)[-1]
    assert view.actor_username == "auditor" and f'title="{view.hash}"' not in page


def test_filters_narrow_the_log(login, world, auditor, trail):
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, tzinfo=SHANGHAI), tick=False):
        services.record(AuditAction.LOGIN, actor=world.staff, obj=world.staff)
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=SHANGHAI), tick=False):
        services.record(AuditAction.LOGIN, actor=world.handler, obj=world.handler)
        services.record(
            AuditAction.LOGIN_FAILED, actor=None, username="handler", obj=world.handler, outcome=AuditOutcome.FAILED
        )
        services.record(
            AuditAction.FILE_DOWNLOAD,
            actor=world.staff,
            object_type="suggestions.attachment",
            object_id="77",
            detail={"code": "ABCDEFGHJKMN"},
        )
    client = login(auditor)

    def count(**params):
        return rows(body(client.get(LOG, params)))

    assert count(action="file_download") == 1
    assert count(outcome="failed") == 1
    assert count(actor="handl") == 2
    assert count(date_from="2026-11-01", date_to="2026-11-02", action="login") == 1
    assert count(date_from="2026-11-03", date_to="2026-11-30", action="login") == 1
    assert count(object_type="suggestions.attachment", object_id="77") == 1
    assert count(object_type="accounts.user", object_id=str(world.handler.pk), action="login") == 1
    assert count(q="ABCDEFGHJKMN") == 1
    assert count(q="nothing-like-this") == 0
    assert trail(AuditAction.AUDIT_VIEW)[-1].detail_data["filters"] == "q=nothing-like-this"


def test_a_filter_that_matches_nothing_says_so(login, auditor):
    page = body(login(auditor).get(LOG, {"action": "admin_delete"}))
    assert 'id="audit-empty"' in page and "没有符合筛选条件的审计记录" in page


def test_bad_filters_are_refused_in_chinese_and_kept(login, auditor):
    page = body(login(auditor).get(LOG, {"date_from": "2026-11-20", "date_to": "2026-11-01", "actor": "staff"}))
    assert "起始日期晚于截止日期" in page
    assert 'value="2026-11-20"' in page and 'value="staff"' in page
    page = body(login(auditor).get(LOG, {"date_from": "not a date", "action": "teleport"}))
    assert "is-invalid" in page and "有效" in page


def test_the_log_is_paginated_with_a_bounded_number_of_queries(login, world, auditor, django_assert_max_num_queries):
    for i in range(120):
        services.record(AuditAction.LOGIN, actor=world.staff, detail={"i": i})
    client = login(auditor)
    with django_assert_max_num_queries(12):
        first = body(client.get(LOG))
    assert rows(first) == 50
    with django_assert_max_num_queries(12):
        last = body(client.get(LOG, {"page": 3}))
    assert rows(last) >= 20 and "page=2" in last


def test_the_chain_state_is_shown_and_the_button_verifies_it(
    login, world, auditor, trail, django_capture_on_commit_callbacks
):
    client = login(auditor)
    assert "哈希链尚未校验" in body(client.get(LOG))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(VERIFY)
    assert response.status_code == 302
    check = trail(AuditAction.AUDIT_VERIFY)[-1]
    assert check.actor_username == "auditor" and check.outcome == AuditOutcome.SUCCESS
    page = body(client.get(LOG))
    assert "完好" in page and "哈希链完好" in page and "执行者：auditor" in page


@on_sqlite
def test_a_broken_chain_is_shown_as_broken(login, world, auditor, django_capture_on_commit_callbacks):
    from django.db import connection

    services.record(AuditAction.LOGIN, actor=world.staff)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditrecord SET ip = '10.0.0.66' WHERE seq = 1")
    client = login(auditor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(VERIFY)
    page = body(client.get(LOG))
    assert "已损坏" in page and "记录 #1 与其哈希值不符" in page


def test_the_verify_button_takes_only_post(login, auditor):
    assert login(auditor).get(VERIFY).status_code == 405


# The same trail in the Django admin ------------------------------------------------------------------------


def test_the_admin_shows_the_trail_to_the_audit_administrator_read_only(login, world, auditor, trail):
    entry = services.record(AuditAction.LOGIN, actor=world.staff)
    client = login(auditor)
    assert "审计记录" in body(client.get(reverse("admin:index")))
    assert "staff" in body(client.get(reverse("admin:audit_auditrecord_changelist")))
    assert trail(AuditAction.AUDIT_VIEW)[-1].detail_data["where"] == "admin"
    detail = body(client.get(reverse("admin:audit_auditrecord_change", args=[entry.pk])))
    assert 'name="_save"' not in detail
    assert client.get(reverse("admin:audit_auditrecord_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditrecord_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert AuditRecord.objects.filter(pk=entry.pk).exists()


def test_the_superuser_does_not_see_the_trail_in_the_admin(login, world):
    root = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    entry = services.record(AuditAction.LOGIN, actor=world.staff)
    client = login(root)
    assert "审计记录" not in body(client.get(reverse("admin:index")))
    assert client.get(reverse("admin:audit_auditrecord_changelist")).status_code == 403
    assert client.get(reverse("admin:audit_auditrecord_change", args=[entry.pk])).status_code in (302, 403)


def test_role_changes_read_in_words(login, world, auditor):
    world.other_staff.admin_duty = "security"
    world.other_staff.save()
    client = login(auditor)
    page = body(client.get(LOG, {"action": "role_change", "object_type": "accounts.user"}))
    assert "管理员职责: — → 安全管理员" in page
    page = body(client.get(LOG, {"action": "role_change", "object_type": "stations.station"}))
    assert "关联：</span><span class=\"text-break\">联络站工作人员" in page and "otherstaff" in page
