"""The closed loop's pages: inboxes, supervision, the detail page's actions, notifications and the citizen's rating."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from devtools.testing import factories as f
from suggestions.loop import actions as loop
from suggestions.models import Assignment, Event, ExtensionRequest, Notification, Rating, Reply, Stage, Suggestion

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday with no holiday near; 60 days on lies in 2027, a year the calendar package does not know.
MONDAY = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
TODAY = MONDAY.date()

pytestmark = pytest.mark.usefixtures("frozen", "english")


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.fixture
def english(client):
    """Messages are asserted in English, the msgids: the Chinese translations are added later."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def item(world):
    world.station.head = world.rep
    world.station.save()
    return f.SuggestionFactory(station=world.station, submitter_phone="13812345678", title="路灯不亮")


@pytest.fixture
def second_handler(world):
    user = f.UserFactory(username="handler2", full_name="经办乙")
    world.unit.handlers.add(user)
    return user


def _reload(s):
    return Suggestion.objects.select_related("station", "region").get(pk=s.pk)


def _act(client, s, action, data=None, **kwargs):
    return client.post(reverse("loop:act", args=[s.tracking_code, action]), data or {}, **kwargs)


def _to_assess(world, s):
    loop.suggestion_hand_to_representative(suggestion=s, by=world.staff)
    return _reload(s)


def _to_assign(world, s, *, co_units=(), instructions="请核实后答复"):
    _to_assess(world, s)
    loop.suggestion_assign(
        suggestion=_reload(s), by=world.rep_user, lead_unit=world.unit, co_units=co_units, instructions=instructions
    )
    return Assignment.objects.get(suggestion=s, role="lead", status__in=("pending", "accepted"))


def _to_feedback(world, s):
    assignment = _to_assign(world, s)
    loop.assignment_accept(assignment=assignment, by=world.handler)
    loop.assignment_reply(assignment=assignment, by=world.handler, result=Reply.Result.SOLVED, text="已修复路灯")
    return _reload(s)


def _released(world, s):
    _to_feedback(world, s)
    loop.suggestion_release(suggestion=_reload(s), by=world.rep_user, answer="路灯已修复，请您查看。")
    return _reload(s)


def _body(response):
    return response.content.decode()


def _forms(body):
    """The ids of the action forms a page offers."""
    return set(re.findall(r'<form[^>]*id="form-([a-z_]+)', body))


URLS = {
    "station": lambda: reverse("loop:station_inbox"),
    "representative": lambda: reverse("loop:representative_inbox"),
    "unit": lambda: reverse("loop:unit_inbox"),
    "supervision": lambda: reverse("loop:supervision"),
    "notifications": lambda: reverse("loop:notifications"),
}


# Who may open what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "persona", "status"),
    [
        ("station", "staff", 200),
        ("station", "other_staff", 200),
        ("station", "rep_user", 403),
        ("station", "handler", 403),
        ("station", "admin", 403),
        ("representative", "rep_user", 200),
        ("representative", "other_rep_user", 200),
        ("representative", "staff", 403),
        ("representative", "handler", 403),
        ("representative", "admin", 403),
        ("unit", "handler", 200),
        ("unit", "other_handler", 200),
        ("unit", "staff", 403),
        ("unit", "rep_user", 403),
        ("unit", "admin", 403),
        ("supervision", "admin", 200),
        ("supervision", "other_admin", 200),
        ("supervision", "city_admin", 200),
        ("supervision", "staff", 403),
        ("supervision", "rep_user", 403),
        ("supervision", "handler", 403),
        ("notifications", "staff", 200),
        ("notifications", "rep_user", 200),
        ("notifications", "handler", 200),
        ("notifications", "admin", 200),
    ],
)
def test_who_may_open_each_loop_page(login, world, page, persona, status):
    assert login(getattr(world, persona)).get(URLS[page]()).status_code == status


@pytest.mark.parametrize("page", sorted(URLS))
def test_anonymous_visitor_is_sent_to_login(client, world, page):
    response = client.get(URLS[page]())
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 200),
        ("admin", 200),
        ("city_admin", 200),
        ("rep_user", 200),
        ("handler", 200),
        ("other_handler", 404),
        ("other_staff", 404),
        ("other_admin", 404),
        ("other_rep_user", 404),
    ],
)
def test_who_may_open_an_assigned_suggestion(login, world, item, persona, status):
    _to_assign(world, item)
    assert login(getattr(world, persona)).get(item.get_absolute_url()).status_code == status


def test_unit_handler_cannot_open_a_suggestion_before_it_is_assigned_to_their_unit(login, world, item):
    assert login(world.handler).get(item.get_absolute_url()).status_code == 404


def test_anonymous_post_of_an_action_is_sent_to_login(client, world, item):
    response = _act(client, item, "hand_to_representative", {"representative": world.rep.pk})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert _reload(item).stage == Stage.COLLECT


# The inboxes ---------------------------------------------------------------------------------


def test_station_inbox_lists_own_items_to_hand_over_with_the_default_representative(login, world, item):
    elsewhere = f.SuggestionFactory(station=world.other_station, title="别站的事")
    body = _body(login(world.staff).get(reverse("loop:station_inbox")))
    assert item.tracking_code in body and elsewhere.tracking_code not in body
    # The station's head is the default assessor: preselected in the hand-over form.
    assert re.search(rf'<option value="{world.rep.pk}" selected>代表甲</option>', body)
    assert item.tracking_code not in _body(login(world.other_staff).get(reverse("loop:station_inbox")))


def test_station_inbox_shows_unit_answers_awaiting_release(login, world, item):
    _to_feedback(world, item)
    body = _body(login(world.staff).get(reverse("loop:station_inbox")))
    assert f'id="item-{item.tracking_code}" data-stage="feedback"' in body
    assert "#action-release" in body


def test_station_inbox_is_empty_with_a_message(login, world):
    body = _body(login(world.staff).get(reverse("loop:station_inbox")))
    assert 'id="empty"' in body


def test_representative_inbox_shows_items_to_assess_and_answers_to_release(login, world, item):
    waiting = f.SuggestionFactory(station=world.station, title="待研判")
    _to_assess(world, waiting)
    _to_feedback(world, item)
    body = _body(login(world.rep_user).get(reverse("loop:representative_inbox")))
    assert f'id="item-{waiting.tracking_code}" data-stage="assess"' in body
    assert f'id="item-{item.tracking_code}" data-stage="feedback"' in body
    assert waiting.tracking_code not in _body(login(world.other_rep_user).get(reverse("loop:representative_inbox")))


def test_representative_inbox_leaves_out_released_answers(login, world, item):
    _released(world, item)
    assert item.tracking_code not in _body(login(world.rep_user).get(reverse("loop:representative_inbox")))


def test_unit_inbox_lists_pending_first_then_by_deadline(login, world, item):
    accepted = _to_assign(world, item)
    loop.assignment_accept(assignment=accepted, by=world.handler)
    later = f.SuggestionFactory(station=world.station, title="新交办")
    pending = _to_assign(world, later)
    body = _body(login(world.handler).get(reverse("loop:unit_inbox")))
    assert body.index(f'id="assignment-{pending.pk}"') < body.index(f'id="assignment-{accepted.pk}"')
    assert body.count('type="submit">Accept<') == 1


def test_unit_handler_cannot_see_other_units_assignments(login, world, item):
    assignment = _to_assign(world, item)
    body = _body(login(world.other_handler).get(reverse("loop:unit_inbox")))
    assert f'id="assignment-{assignment.pk}"' not in body and 'id="empty"' in body


def test_unit_inbox_colours_deadlines(login, world, item):
    assignment = _to_assign(world, item)
    client = login(world.handler)
    assert 'data-colour="green"' in _body(client.get(reverse("loop:unit_inbox")))
    loop.assignment_accept(assignment=assignment, by=world.handler)
    # Sessions expire over weeks: sign in again on the later days.
    with time_machine.travel(dt.datetime.combine(assignment.reply_due, dt.time(10), SHANGHAI), tick=False):
        assert 'data-colour="yellow"' in _body(login(world.handler).get(reverse("loop:unit_inbox")))
    with time_machine.travel(dt.datetime.combine(assignment.reply_due + dt.timedelta(days=1), dt.time(10), SHANGHAI)):
        assert 'data-colour="red"' in _body(login(world.handler).get(reverse("loop:unit_inbox")))


# Query counts: every list holds one bound at two sizes ---------------------------------------


def _many_assigned(world, n):
    for i in range(n):
        s = f.SuggestionFactory(station=world.station, title=f"事项{i}", representative=world.rep)
        _to_assign(world, s)


@pytest.mark.parametrize("n", [2, 25])
def test_station_inbox_query_count_is_fixed(login, world, n, django_assert_max_num_queries):
    world.station.head = world.rep
    world.station.save()
    f.CategoryFactory(name="城建交通")
    for i in range(n):
        f.SuggestionFactory(station=world.station, title=f"事项{i}")
    client = login(world.staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("loop:station_inbox"))
    assert len(response.context["rows"]) == min(n, 20)


@pytest.mark.parametrize("n", [2, 25])
def test_representative_inbox_query_count_is_fixed(login, world, n, django_assert_max_num_queries):
    for i in range(n):
        _to_assess(world, f.SuggestionFactory(station=world.station, title=f"事项{i}", representative=world.rep))
    client = login(world.rep_user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("loop:representative_inbox"))
    assert len(response.context["page"]) == min(n, 20)


@pytest.mark.parametrize("n", [2, 25])
def test_unit_inbox_query_count_is_fixed(login, world, n, django_assert_max_num_queries):
    _many_assigned(world, n)
    client = login(world.handler)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("loop:unit_inbox"))
    assert len(response.context["rows"]) == min(n, 20)


@pytest.mark.parametrize("n", [2, 25])
@pytest.mark.parametrize("tab", ["overdue", "extensions", "flagged", "supervised"])
def test_supervision_query_count_is_fixed(login, world, n, tab, django_assert_max_num_queries):
    _many_assigned(world, n)
    for assignment in Assignment.objects.all():
        loop.assignment_request_extension(
            assignment=assignment,
            by=world.handler,
            reason="需协调",
            requested_due=assignment.reply_due + dt.timedelta(days=9),
        )
        loop.suggestion_flag(suggestion=_reload(assignment.suggestion), by=world.admin)
    Suggestion.objects.update(under_committee_supervision=True)
    with time_machine.travel(MONDAY + dt.timedelta(days=40), tick=False):
        client = login(world.admin)
        with django_assert_max_num_queries(14):
            response = client.get(reverse("loop:supervision"), {"tab": tab})
    assert len(response.context["rows"]) == min(n, 20)


@pytest.mark.parametrize("n", [2, 25])
def test_notification_list_query_count_is_fixed(login, world, n, django_assert_max_num_queries):
    Notification.objects.bulk_create([Notification(user=world.staff, text=f"通知{i}") for i in range(n)])
    client = login(world.staff)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("loop:notifications"))
    assert len(response.context["page"]) == min(n, 20)


@pytest.mark.parametrize("replies", [1, 6])
def test_detail_page_query_count_is_fixed(login, world, item, replies, django_assert_max_num_queries):
    co = f.HandlingUnitFactory(name="龙亭区城管局", region=world.county)
    co.handlers.add(world.handler)
    _to_assign(world, item, co_units=[co])
    for assignment in Assignment.objects.filter(suggestion=item):
        loop.assignment_accept(assignment=assignment, by=world.handler)
    co_assignment = Assignment.objects.get(suggestion=item, role="co")
    for i in range(replies - 1):
        Reply.objects.create(assignment=co_assignment, result=Reply.Result.OPINION, text=f"意见{i}", by=world.handler)
    for persona, limit in (("handler", 20), ("admin", 22), ("rep_user", 20)):
        client = login(getattr(world, persona))
        with django_assert_max_num_queries(limit):
            assert client.get(item.get_absolute_url()).status_code == 200


# The detail page offers only the steps the user may take -------------------------------------


def test_staff_at_collect_see_only_the_hand_over(login, world, item):
    forms = _forms(_body(login(world.staff).get(item.get_absolute_url())))
    assert forms == {"hand_to_representative"}


def test_representative_at_assess_sees_the_assessment_steps(login, world, item):
    _to_assess(world, item)
    forms = _forms(_body(login(world.rep_user).get(item.get_absolute_url())))
    assert forms == {"answer_directly", "assign", "mark_proposal", "decline", "hand_back"}


def test_unit_handler_never_sees_assign(login, world, item):
    _to_assign(world, item)
    forms = _forms(_body(login(world.handler).get(item.get_absolute_url())))
    assert forms == {"accept", "request_extension", "return_misrouted"}
    response = _act(login(world.handler), item, "assign", {"lead_unit": world.unit.pk})
    assert response.status_code == 403


def test_accepted_lead_unit_sees_the_reply_form(login, world, item):
    assignment = _to_assign(world, item)
    loop.assignment_accept(assignment=assignment, by=world.handler)
    forms = _forms(_body(login(world.handler).get(item.get_absolute_url())))
    assert forms == {"reply", "request_extension", "return_misrouted"}


def test_committee_admin_sees_flag_but_no_unit_steps(login, world, item):
    _to_assign(world, item)
    body = _body(login(world.admin).get(item.get_absolute_url()))
    assert _forms(body) == {"flag"}


def test_a_closed_item_offers_nothing(login, world, item):
    _released(world, item)
    loop.suggestion_rate(suggestion=_reload(item), verdict="satisfied", phone_last4="5678")
    for persona in ("staff", "rep_user", "handler", "admin"):
        body = _body(login(getattr(world, persona)).get(item.get_absolute_url()))
        assert _forms(body) == set() and 'id="actions"' not in body


def test_timeline_shows_who_what_when_and_note_with_action_labels(login, world, item):
    _to_assign(world, item, instructions="请三日内到现场")
    body = _body(login(world.rep_user).get(item.get_absolute_url()))
    timeline = body.split('id="timeline"')[1]
    assert "Hand to a representative" in timeline and "Assign to units" in timeline
    assert "请三日内到现场" in timeline and str(world.rep_user) in timeline and "站务甲" in timeline


def test_assignment_panel_shows_the_three_knowns(login, world, item):
    assignment = _to_assign(world, item)
    loop.assignment_accept(assignment=assignment, by=world.handler)
    loop.assignment_reply(assignment=assignment, by=world.handler, result=Reply.Result.PARTLY, text="已部分修复")
    body = _body(login(world.staff).get(item.get_absolute_url()))
    card = body.split(f'id="assignment-{assignment.pk}"')[1].split('id="timeline"')[0]
    assert "龙亭区住建局" in card and str(world.handler) in card and "已部分修复" in card and "Partly solved" in card


def test_unknown_action_is_404(login, world, item):
    assert _act(login(world.staff), item, "teleport").status_code == 404


def test_actions_only_accept_post(login, world, item):
    url = reverse("loop:act", args=[item.tracking_code, "hand_to_representative"])
    assert login(world.staff).get(url).status_code == 405


def test_other_stations_staff_get_404_for_an_action(login, world, item):
    response = _act(login(world.other_staff), item, "hand_to_representative", {"representative": world.rep.pk})
    assert response.status_code == 404
    assert _reload(item).stage == Stage.COLLECT


def test_a_step_the_stage_does_not_allow_is_refused_with_a_message(login, world, item):
    _to_assess(world, item)
    response = _act(login(world.staff), item, "hand_to_representative", {"representative": world.rep.pk}, follow=True)
    assert "no longer possible" in _body(response)
    assert Event.objects.filter(suggestion=item, action="hand_to_representative").count() == 1


def test_an_invalid_form_comes_back_with_what_was_typed(login, world, item):
    _to_assess(world, item)
    response = _act(login(world.rep_user), item, "assign", {"instructions": "请尽快处理这件事"})
    assert response.status_code == 400
    body = _body(response)
    assert "请尽快处理这件事" in body and "This field is required." in body
    assert _reload(item).stage == Stage.ASSESS


def test_assign_offers_only_active_units_of_the_region(login, world, item):
    _to_assess(world, item)
    inactive = f.HandlingUnitFactory(name="已撤销局", region=world.county, is_active=False)
    body = _body(login(world.rep_user).get(item.get_absolute_url()))
    assign_form = body.split('id="form-assign"')[1].split("</form>")[0]
    assert "龙亭区住建局" in assign_form
    assert "林州市水利局" not in assign_form and inactive.name not in assign_form
    response = _act(login(world.rep_user), item, "assign", {"lead_unit": world.other_unit.pk})
    assert response.status_code == 400 and _reload(item).stage == Stage.ASSESS


# The paths of the loop, through the pages ----------------------------------------------------


def test_answer_directly_and_the_citizen_is_basically_satisfied(login, client, world, item):
    staff = login(world.staff)
    response = _act(
        staff, item, "hand_to_representative", {"representative": world.rep.pk, "next": reverse("loop:station_inbox")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("loop:station_inbox")
    rep = login(world.rep_user)
    response = _act(rep, item, "answer_directly", {"answer": "该路段已列入年度维修计划。"}, follow=True)
    assert "The answer has been released to the citizen." in _body(response)
    client.logout()
    response = client.post(
        reverse("loop:rate", args=[item.tracking_code]), {"verdict": "basically", "phone_last4": "5678"}, follow=True
    )
    assert "该路段已列入年度维修计划。" in _body(response)
    s = _reload(item)
    assert s.stage == Stage.CLOSED and s.outcome == "basically"


def test_assign_accept_reply_release_and_a_satisfied_citizen_close_the_item(login, client, world, item):
    _act(login(world.staff), item, "hand_to_representative", {"representative": world.rep.pk})
    _act(login(world.rep_user), item, "assign", {"lead_unit": world.unit.pk, "instructions": "内部：请核实"})
    assignment = Assignment.objects.get(suggestion=item)

    handler = login(world.handler)
    response = _act(handler, item, "accept", {"assignment": assignment.pk, "next": reverse("loop:unit_inbox")})
    assert response["Location"] == reverse("loop:unit_inbox")
    assignment.refresh_from_db()
    assert assignment.status == "accepted" and assignment.responsible == world.handler
    _act(handler, item, "reply", {"assignment": assignment.pk, "result": "solved", "text": "已更换灯泡"})
    assert _reload(item).stage == Stage.FEEDBACK

    staff = login(world.staff)
    body = _body(staff.get(item.get_absolute_url()))
    release_form = body.split('id="form-release"')[1].split("</form>")[0]
    assert "已更换灯泡" in release_form  # prefilled with the lead unit's reply
    _act(staff, item, "release", {"answer": "路灯已于今日修复。"})
    assert _reload(item).answer_released_at is not None

    client.logout()
    track = _body(client.get(reverse("public:track", args=[item.tracking_code])))
    assert "路灯已于今日修复。" in track and 'id="rating"' in track
    assert "内部：请核实" not in track and str(world.handler) not in track
    response = client.post(
        reverse("loop:rate", args=[item.tracking_code]), {"verdict": "satisfied", "phone_last4": "5678"}
    )
    assert response.status_code == 302
    s = _reload(item)
    assert s.stage == Stage.CLOSED and s.outcome == "satisfied"
    track = _body(client.get(reverse("public:track", args=[item.tracking_code])))
    assert 'id="rating"' not in track and 'id="outcome"' in track
    assert re.search(r'class="current" aria-current="step">\s*<i[^>]*></i>Closed', track)


def test_misrouted_assignment_returns_to_the_representative_and_is_reassigned(login, world, item):
    assignment = _to_assign(world, item)
    _act(login(world.handler), item, "return_misrouted", {"assignment": assignment.pk, "reason": "不属于本单位职责"})
    assert _reload(item).stage == Stage.ASSESS
    rep = login(world.rep_user)
    assert 'data-stage="assess"' in _body(rep.get(reverse("loop:representative_inbox")))
    right = f.HandlingUnitFactory(name="龙亭区城管局", region=world.county)
    _act(rep, item, "assign", {"lead_unit": right.pk})
    assert list(item.assignments.order_by("id").values_list("unit__name", "status")) == [
        ("龙亭区住建局", "returned"),
        ("龙亭区城管局", "pending"),
    ]


def test_unsatisfied_citizen_sends_it_back_to_the_representatives_inbox_with_redo_1(login, client, world, item):
    _released(world, item)
    response = client.post(
        reverse("loop:rate", args=[item.tracking_code]),
        {"verdict": "unsatisfied", "comment": "路灯又坏了", "phone_last4": "5678"},
        follow=True,
    )
    assert "A representative will take up your suggestion again." in _body(response)
    s = _reload(item)
    assert s.stage == Stage.ASSESS and s.redo_count == 1
    body = _body(login(world.rep_user).get(reverse("loop:representative_inbox")))
    row = body.split(f'id="item-{item.tracking_code}"')[1].split("</li>")[0]
    assert 'data-redo="1"' in row and "Reopened once" in row


def test_extension_approved_on_the_supervision_page_moves_the_deadline(login, world, item):
    assignment = _to_assign(world, item)
    loop.assignment_accept(assignment=assignment, by=world.handler)
    asked = assignment.reply_due + dt.timedelta(days=14)
    _act(
        login(world.handler),
        item,
        "request_extension",
        {"assignment": assignment.pk, "reason": "需协调多个部门", "requested_due": asked.isoformat()},
    )
    request = ExtensionRequest.objects.get(assignment=assignment)
    admin = login(world.admin)
    body = _body(admin.get(reverse("loop:supervision"), {"tab": "extensions"}))
    assert f'id="extension-{request.pk}"' in body and 'id="count-extensions">1<' in body
    granted = asked - dt.timedelta(days=3)
    response = _act(
        admin,
        item,
        "decide_extension",
        {
            "request": request.pk,
            "decision": "approve",
            "granted_due": granted.isoformat(),
            "next": reverse("loop:supervision") + "?tab=extensions",
        },
        follow=True,
    )
    assert "Extension approved" in _body(response)
    assignment.refresh_from_db()
    assert assignment.reply_due == granted
    assert f'id="extension-{request.pk}"' not in _body(response)


def test_extension_refused_keeps_the_deadline(login, world, item):
    assignment = _to_assign(world, item)
    due = assignment.reply_due
    request = loop.assignment_request_extension(
        assignment=assignment, by=world.handler, reason="人手不足", requested_due=due + dt.timedelta(days=5)
    )
    _act(
        login(world.admin), item, "decide_extension", {"request": request.pk, "decision": "refuse", "note": "按期办理"}
    )
    assignment.refresh_from_db()
    request.refresh_from_db()
    assert assignment.reply_due == due and request.status == "refused"


def test_other_regions_admin_cannot_decide_an_extension(login, world, item):
    assignment = _to_assign(world, item)
    request = loop.assignment_request_extension(
        assignment=assignment, by=world.handler, reason="人手不足", requested_due=assignment.reply_due + dt.timedelta(5)
    )
    response = _act(login(world.other_admin), item, "decide_extension", {"request": request.pk, "decision": "approve"})
    assert response.status_code == 404
    assert f'id="extension-{request.pk}"' not in _body(
        login(world.other_admin).get(reverse("loop:supervision"), {"tab": "extensions"})
    )


def test_flag_shows_red_in_the_unit_inbox_the_supervision_list_and_the_detail(login, world, item):
    assignment = _to_assign(world, item)
    admin = login(world.admin)
    response = _act(admin, item, "flag", {"flagged": "1", "note": "群众反映强烈"}, follow=True)
    body = _body(response)
    assert 'id="flagged-badge"' in body and "text-bg-danger" in body
    assert 'data-colour="red"' in body
    supervision = _body(admin.get(reverse("loop:supervision"), {"tab": "flagged"}))
    assert f'id="item-{item.tracking_code}"' in supervision and "flagged-badge" in supervision
    unit = _body(login(world.handler).get(reverse("loop:unit_inbox")))
    row = unit.split(f'id="assignment-{assignment.pk}"')[1].split("</tr>")[0]
    assert 'data-colour="red"' in row


def test_unflag_removes_the_red(login, world, item):
    _to_assign(world, item)
    loop.suggestion_flag(suggestion=_reload(item), by=world.admin)
    admin = login(world.admin)
    _act(admin, item, "flag", {"flagged": "0"})
    assert not _reload(item).flagged
    assert 'id="flagged-badge"' not in _body(admin.get(item.get_absolute_url()))


def test_supervision_lists_overdue_assignments_of_the_admins_region_only(login, world, item):
    assignment = _to_assign(world, item)
    late = dt.datetime.combine(assignment.reply_due + dt.timedelta(days=2), dt.time(10), SHANGHAI)
    with time_machine.travel(late, tick=False):
        body = _body(login(world.admin).get(reverse("loop:supervision")))
        assert f'id="assignment-{assignment.pk}"' in body and 'data-colour="red"' in body
        assert 'id="count-overdue">1<' in body
        other = _body(login(world.other_admin).get(reverse("loop:supervision")))
        assert f'id="assignment-{assignment.pk}"' not in other and 'id="empty"' in other


def test_supervision_lists_items_under_committee_supervision(login, world, item):
    _to_assess(world, item)
    Suggestion.objects.filter(pk=item.pk).update(under_committee_supervision=True, redo_count=3)
    body = _body(login(world.city_admin).get(reverse("loop:supervision"), {"tab": "supervised"}))
    assert f'id="item-{item.tracking_code}"' in body and "Reopened 3 times" in body


def test_supervision_warns_when_the_holiday_calendar_is_missing(login, world):
    body = _body(login(world.admin).get(reverse("loop:supervision")))
    assert 'id="calendar-warning"' in body and "The holiday calendar for 2027 is missing" in body


def test_supervision_has_no_calendar_warning_when_the_years_are_known(login, world):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), tick=False):
        body = _body(login(world.admin).get(reverse("loop:supervision")))
    assert 'id="calendar-warning"' not in body


# Two people at once --------------------------------------------------------------------------


def test_second_of_two_handlers_accepting_is_told_who_was_first(login, world, item, second_handler):
    assignment = _to_assign(world, item)
    assert _act(login(world.handler), item, "accept", {"assignment": assignment.pk}).status_code == 302
    response = _act(login(second_handler), item, "accept", {"assignment": assignment.pk})
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
    body = _body(login(second_handler).get(response["Location"]))
    # Workflow messages are written in the portal's language (see core.i18n.in_portal_language).
    assert f"已由{world.handler}" in body
    assignment.refresh_from_db()
    assert assignment.responsible == world.handler
    assert Event.objects.filter(suggestion=item, action="accept").count() == 1


def test_an_assignment_of_another_suggestion_is_404(login, world, item):
    _to_assign(world, item)
    other = f.SuggestionFactory(station=world.station)
    other_assignment = _to_assign(world, other)
    assert _act(login(world.handler), item, "accept", {"assignment": other_assignment.pk}).status_code == 404


# The citizen's rating ------------------------------------------------------------------------


def test_tracking_page_offers_the_rating_only_once_the_answer_is_released(client, world, item):
    _to_feedback(world, item)
    body = _body(client.get(reverse("public:track", args=[item.tracking_code])))
    assert 'id="rating"' not in body and 'id="answer"' not in body and "已修复路灯" not in body
    loop.suggestion_release(suggestion=_reload(item), by=world.rep_user, answer="已修复，谢谢反映。")
    body = _body(client.get(reverse("public:track", args=[item.tracking_code])))
    assert 'id="rating"' in body and "已修复，谢谢反映。" in body and 'name="phone_last4"' in body


def test_rating_with_wrong_digits_is_refused_and_nothing_is_saved(client, world, item):
    _released(world, item)
    response = client.post(
        reverse("loop:rate", args=[item.tracking_code]), {"verdict": "satisfied", "phone_last4": "0000"}
    )
    assert response.status_code == 400
    assert "These are not the last four digits of the mobile number" in _body(response)
    assert not Rating.objects.filter(suggestion=item).exists()
    assert _reload(item).stage == Stage.FEEDBACK


def test_rating_without_a_phone_needs_only_the_code(client, world):
    s = f.SuggestionFactory(station=world.station, title="匿名建议")
    world.station.head = world.rep
    world.station.save()
    _to_assess(world, s)
    loop.suggestion_answer_directly(suggestion=_reload(s), by=world.rep_user, answer="已答复")
    body = _body(client.get(reverse("public:track", args=[s.tracking_code])))
    assert 'id="rating"' in body and 'name="phone_last4"' not in body
    client.post(reverse("loop:rate", args=[s.tracking_code]), {"verdict": "satisfied"})
    assert _reload(s).stage == Stage.CLOSED


def test_rating_twice_is_refused(client, world, item):
    _released(world, item)
    url = reverse("loop:rate", args=[item.tracking_code])
    client.post(url, {"verdict": "satisfied", "phone_last4": "5678"})
    response = client.post(url, {"verdict": "unsatisfied", "phone_last4": "5678"}, follow=True)
    assert "can no longer be rated" in _body(response)
    assert Rating.objects.filter(suggestion=item).count() == 1 and _reload(item).stage == Stage.CLOSED


def test_rating_page_never_shows_internal_notes(client, world, item):
    _to_assign(world, item, instructions="内部批示：优先处理")
    assignment = Assignment.objects.get(suggestion=item)
    loop.assignment_accept(assignment=assignment, by=world.handler)
    loop.assignment_reply(assignment=assignment, by=world.handler, result="solved", text="单位内部答复稿")
    loop.suggestion_release(suggestion=_reload(item), by=world.rep_user, answer="对外答复")
    body = _body(client.get(reverse("public:track", args=[item.tracking_code])))
    assert "对外答复" in body
    for secret in ("内部批示：优先处理", "单位内部答复稿", str(world.handler), "站务甲"):
        assert secret not in body


# Notifications -------------------------------------------------------------------------------


def test_unread_count_in_the_header_and_mark_read(login, world, item, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _to_assign(world, item)
    notification = Notification.objects.get(user=world.handler)
    client = login(world.handler)
    body = _body(client.get(reverse("loop:unit_inbox")))
    assert re.search(r'id="unread-count">.*?1</span>', body)
    listing = _body(client.get(reverse("loop:notifications")))
    assert (
        'class="list-group-item d-flex flex-wrap justify-content-between align-items-center gap-2 notification unread'
        in listing
    )
    response = client.post(reverse("loop:notification_read", args=[notification.pk]), {"open": "1"})
    assert response["Location"] == item.get_absolute_url()
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'id="unread-count"' not in _body(client.get(reverse("loop:notifications")))


def test_mark_all_read(login, world):
    Notification.objects.bulk_create([Notification(user=world.rep_user, text=f"通知{i}") for i in range(3)])
    client = login(world.rep_user)
    assert re.search(r'id="unread-count">.*?3</span>', _body(client.get(reverse("loop:notifications"))))
    client.post(reverse("loop:notifications_read_all"))
    assert not Notification.objects.filter(user=world.rep_user, read_at__isnull=True).exists()


def test_unread_count_is_capped(login, world):
    Notification.objects.bulk_create([Notification(user=world.staff, text=f"通知{i}") for i in range(105)])
    assert re.search(r'id="unread-count">.*?99\+</span>', _body(login(world.staff).get(reverse("loop:notifications"))))


def test_a_user_cannot_read_someone_elses_notification(login, world):
    theirs = Notification.objects.create(user=world.staff, text="别人的通知")
    response = login(world.handler).post(reverse("loop:notification_read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "别人的通知" not in _body(login(world.handler).get(reverse("loop:notifications")))


def test_notification_list_is_newest_first_and_empty_state(login, world):
    client = login(world.admin)
    assert 'id="empty"' in _body(client.get(reverse("loop:notifications")))
    Notification.objects.create(user=world.admin, text="较早的通知")
    Notification.objects.create(user=world.admin, text="最新的通知")
    body = _body(client.get(reverse("loop:notifications")))
    assert body.index("最新的通知") < body.index("较早的通知")


def test_public_pages_do_not_count_notifications(client, world, item, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        client.get(reverse("public:track", args=[item.tracking_code]))


def test_navigation_links_to_the_inboxes_by_role(login, world):
    for persona, link in (
        ("staff", "nav-station-inbox"),
        ("rep_user", "nav-representative-inbox"),
        ("handler", "nav-unit-inbox"),
        ("admin", "nav-supervision"),
    ):
        body = _body(login(getattr(world, persona)).get(reverse("loop:notifications")))
        assert f'id="{link}"' in body
        others = {"nav-station-inbox", "nav-representative-inbox", "nav-unit-inbox", "nav-supervision"} - {link}
        assert not any(f'id="{other}"' in body for other in others)


# Further steps -------------------------------------------------------------------------------


def test_co_unit_accepts_and_gives_an_opinion_while_the_lead_keeps_the_reply(login, world, item):
    co = f.HandlingUnitFactory(name="龙亭区城管局", region=world.county)
    co_handler = f.UserFactory(username="cohandler", full_name="城管经办")
    co.handlers.add(co_handler)
    _to_assign(world, item, co_units=[co])
    co_assignment = Assignment.objects.get(suggestion=item, role="co")
    client = login(co_handler)
    assert _forms(_body(client.get(item.get_absolute_url()))) == {
        "accept",
        "request_extension",
        "decline_co_assignment",
    }
    _act(client, item, "accept", {"assignment": co_assignment.pk})
    assert _forms(_body(client.get(item.get_absolute_url()))) == {
        "opinion",
        "request_extension",
        "decline_co_assignment",
    }
    _act(client, item, "opinion", {"assignment": co_assignment.pk, "text": "城管局配合清理占道"})
    reply = Reply.objects.get(assignment=co_assignment)
    assert reply.result == Reply.Result.OPINION and _reload(item).stage == Stage.ASSIGN
    # The co-unit cannot answer for the lead unit.
    lead = Assignment.objects.get(suggestion=item, role="lead")
    response = _act(client, item, "reply", {"assignment": lead.pk, "result": "solved", "text": "越权答复"})
    assert response.status_code == 403
    assert not Reply.objects.filter(assignment=lead).exists()


def test_lead_reply_carries_a_pdf(login, world, item):
    from django.core.files.uploadedfile import SimpleUploadedFile

    assignment = _to_assign(world, item)
    loop.assignment_accept(assignment=assignment, by=world.handler)
    pdf = SimpleUploadedFile("答复函.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    _act(
        login(world.handler),
        item,
        "reply",
        {"assignment": assignment.pk, "result": "explained", "text": "已书面答复", "file": pdf},
    )
    reply = Reply.objects.get(assignment=assignment)
    assert reply.result == "explained" and reply.file.name.endswith(".pdf")

    # The representative opens it from the detail page; someone who may not see the item cannot.
    url = reverse("loop:reply_file", args=[item.tracking_code, reply.pk])
    assert url in _body(login(world.rep_user).get(item.get_absolute_url()))
    response = login(world.rep_user).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert login(world.other_staff).get(url).status_code == 404


def test_a_reply_with_a_picture_over_the_pixel_limit_is_refused_and_the_reply_kept(login, world, item):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from devtools.testing.pictures import streamed_png

    assignment = _to_assign(world, item)
    loop.assignment_accept(assignment=assignment, by=world.handler)
    scan = SimpleUploadedFile("答复函.png", streamed_png(12000, 12000, mode="1"), content_type="image/png")
    response = _act(
        login(world.handler),
        item,
        "reply",
        {"assignment": assignment.pk, "result": "explained", "text": "已书面答复，附扫描件", "file": scan},
    )
    assert response.status_code == 400
    body = _body(response)
    assert "“答复函.png” has 12000×12000 pixels; photos may have at most 40 million." in body
    assert "已书面答复，附扫描件</textarea>" in body
    assert not Reply.objects.filter(assignment=assignment).exists()


def test_staff_mark_an_item_urgent_when_handing_it_over_and_it_gets_the_urgent_deadlines(login, world, item):
    from suggestions.models import DeadlinePolicy

    DeadlinePolicy.objects.create(category=None, urgency="urgent", accept_days=1, reply_days=5, rating_days=5)
    _act(login(world.staff), item, "hand_to_representative", {"representative": world.rep.pk, "urgency": "urgent"})
    assert _reload(item).urgency == "urgent"
    loop.suggestion_assign(suggestion=_reload(item), by=world.rep_user, lead_unit=world.unit)
    assignment = item.assignments.get()
    from core import workdays

    assert workdays.workdays_between(timezone.localdate(assignment.created_at), assignment.reply_due) == 5


def test_representative_declines_with_a_reason_the_citizen_reads(login, client, world, item):
    _to_assess(world, item)
    _act(login(world.rep_user), item, "decline", {"reason": "该事项属于司法程序，请依法向法院起诉。"})
    s = _reload(item)
    assert s.stage == Stage.FEEDBACK and s.answer_released_at is not None
    client.logout()
    body = _body(client.get(reverse("public:track", args=[item.tracking_code])))
    assert "该事项属于司法程序" in body and 'id="rating"' in body


def test_hand_back_needs_a_note(login, world, item):
    _to_assess(world, item)
    response = _act(login(world.rep_user), item, "hand_back", {"note": ""})
    assert response.status_code == 400 and _reload(item).stage == Stage.ASSESS
    _act(login(world.rep_user), item, "hand_back", {"note": "请补充群众联系方式"})
    assert _reload(item).stage == Stage.COLLECT


def test_marking_for_a_proposal_is_offered_once(login, world, item):
    _to_assess(world, item)
    client = login(world.rep_user)
    _act(client, item, "mark_proposal", {"note": ""})
    assert _reload(item).marked_for_proposal
    assert "mark_proposal" not in _forms(_body(client.get(item.get_absolute_url())))


def test_unit_handler_is_led_back_to_their_inbox_not_to_a_list_they_may_not_open(login, world, item):
    _to_assign(world, item)
    body = _body(login(world.handler).get(item.get_absolute_url()))
    assert reverse("loop:unit_inbox") in body
    assert f'href="{reverse("suggestions:list")}"' not in body
