"""The closed loop end to end, through the services, for each path."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from devtools.testing import factories as f
from suggestions.loop import actions as loop
from suggestions.models import Assignment, Event, Notification, Rating, Reply, Stage, Suggestion
from suggestions.workflow import ACTORS, TRANSITIONS, Action

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday with no holiday near: deadlines are easy to read.
MONDAY = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def item(world):
    world.station.head = world.rep
    world.station.save()
    return f.SuggestionFactory(station=world.station, submitter_phone="13812345678", title="路灯不亮")


def _reload(s):
    return Suggestion.objects.select_related("station", "region").get(pk=s.pk)


def _to_assign(world, item, co_units=()):
    loop.suggestion_hand_to_representative(suggestion=item, by=world.staff)
    loop.suggestion_assign(
        suggestion=_reload(item),
        by=world.rep_user,
        lead_unit=world.unit,
        co_units=co_units,
        instructions="请核实后答复",
    )
    return Assignment.objects.get(suggestion=item, role="lead")


@time_machine.travel(MONDAY, tick=False)
def test_assign_reply_satisfied_closes(world, item, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assignment = _to_assign(world, item)
    assert assignment.accept_due == dt.date(2026, 11, 4)  # 2 working days
    assert assignment.reply_due == dt.date(2026, 11, 23)  # 15 working days
    assert Notification.objects.filter(user=world.handler).exists()

    loop.assignment_accept(assignment=assignment, by=world.handler)
    assignment.refresh_from_db()
    assert assignment.responsible == world.handler and assignment.status == "accepted"

    loop.assignment_reply(assignment=assignment, by=world.handler, result=Reply.Result.SOLVED, text="已修复路灯")
    assert _reload(item).stage == Stage.FEEDBACK
    loop.suggestion_release(suggestion=_reload(item), by=world.rep_user, answer="路灯已于11月5日修复。")
    s = _reload(item)
    assert s.answer_released_at is not None and s.rating_due == dt.date(2026, 11, 16)

    loop.suggestion_rate(suggestion=s, verdict="satisfied", phone_last4="5678")
    s = _reload(item)
    assert s.stage == Stage.CLOSED and s.outcome == "satisfied"
    actions = list(s.events.filter(kind=Event.Kind.ACTION).values_list("action", flat=True))
    assert actions == ["hand_to_representative", "assign", "accept", "reply", "release", "rate_accept"]


def test_answer_directly_then_basically_satisfied(world, item):
    loop.suggestion_hand_to_representative(suggestion=item, by=world.staff)
    loop.suggestion_answer_directly(suggestion=_reload(item), by=world.rep_user, answer="已向群众解释政策。")
    loop.suggestion_rate(suggestion=_reload(item), verdict="basically", phone_last4="5678")
    assert _reload(item).outcome == "basically"


def test_misrouted_returns_to_the_representative_and_can_be_reassigned(world, item, django_capture_on_commit_callbacks):
    assignment = _to_assign(world, item)
    with django_capture_on_commit_callbacks(execute=True):
        loop.assignment_return(assignment=assignment, by=world.handler, reason="不属于本单位职责")
    assert _reload(item).stage == Stage.ASSESS
    assert Notification.objects.filter(user=world.rep_user, text__contains="路灯不亮").exists()
    loop.suggestion_assign(suggestion=_reload(item), by=world.rep_user, lead_unit=world.other_unit)
    assert list(item.assignments.values_list("unit__name", "status")) == [
        ("龙亭区住建局", "returned"),
        ("林州市水利局", "pending"),
    ]


def test_unsatisfied_reopens_and_third_time_goes_under_committee_supervision(world, item):
    loop.suggestion_hand_to_representative(suggestion=item, by=world.staff)
    for n in range(1, 4):
        loop.suggestion_answer_directly(suggestion=_reload(item), by=world.rep_user, answer=f"第{n}次答复")
        loop.suggestion_rate(suggestion=_reload(item), verdict="unsatisfied", comment="还没解决", phone_last4="5678")
        s = _reload(item)
        assert s.stage == Stage.ASSESS and s.redo_count == n
        assert s.under_committee_supervision is (n >= 3)
    assert Rating.objects.filter(suggestion=item, verdict="unsatisfied").count() == 3


def test_extension_approved_moves_the_deadline(world, item):
    assignment = _to_assign(world, item)
    loop.assignment_accept(assignment=assignment, by=world.handler)
    request = loop.assignment_request_extension(
        assignment=assignment,
        by=world.handler,
        reason="需协调多个部门",
        requested_due=assignment.reply_due + dt.timedelta(days=10),
    )
    loop.extension_decide(request=request, by=world.admin, approve=True)
    assignment.refresh_from_db()
    assert assignment.reply_due == request.requested_due
    with pytest.raises(loop.WorkflowError):
        loop.extension_decide(request=request, by=world.admin, approve=True)


def test_no_rating_closes_as_unrated_never_satisfied(world, item):
    loop.suggestion_hand_to_representative(suggestion=item, by=world.staff)
    loop.suggestion_answer_directly(suggestion=_reload(item), by=world.rep_user, answer="答复")
    due = _reload(item).rating_due
    assert loop.close_unrated(today=due) == 0
    assert loop.close_unrated(today=due + dt.timedelta(days=1)) == 1
    s = _reload(item)
    assert s.stage == Stage.CLOSED and s.outcome == "unrated"
    assert loop.close_unrated(today=due + dt.timedelta(days=2)) == 0


def test_only_the_submitter_rates(world, item):
    loop.suggestion_hand_to_representative(suggestion=item, by=world.staff)
    loop.suggestion_answer_directly(suggestion=_reload(item), by=world.rep_user, answer="答复")
    with pytest.raises(PermissionDenied):
        loop.suggestion_rate(suggestion=_reload(item), verdict="satisfied", phone_last4="0000")


def test_second_of_two_simultaneous_accepts_is_told_who_was_first(world, item):
    assignment = _to_assign(world, item)
    second_handler = f.UserFactory(username="handler2", full_name="经办乙")
    world.unit.handlers.add(second_handler)
    stale = Assignment.objects.get(pk=assignment.pk)
    loop.assignment_accept(assignment=assignment, by=world.handler)
    with pytest.raises(loop.WorkflowError) as exc:
        loop.assignment_accept(assignment=stale, by=second_handler)
    assert "Already handled" in str(exc.value) or "已由" in str(exc.value)
    assert Event.objects.filter(suggestion=item, action="accept").count() == 1


def test_second_of_two_simultaneous_stage_moves_is_refused(world, item):
    stale = _reload(item)
    loop.suggestion_hand_to_representative(suggestion=item, by=world.staff)
    with pytest.raises(loop.WorkflowError):
        loop.suggestion_hand_to_representative(suggestion=stale, by=world.admin)
    assert Event.objects.filter(suggestion=item, action="hand_to_representative").count() == 1


ALL_ACTIONS = sorted({action for _stage, action in TRANSITIONS})


@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_every_action_is_refused_in_every_stage_the_table_does_not_list(action):
    stages = [s for s in Stage.values if (s, action) not in TRANSITIONS]
    for stage in stages:
        suggestion = Suggestion(stage=stage, tracking_code="X")
        with pytest.raises(loop.WorkflowError):
            loop._transition(suggestion, action, by=None, actor_kind="system")


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("staff", False),
        ("other_staff", False),
        ("rep_user", True),
        ("other_rep_user", False),
        ("handler", False),
        ("admin", False),
        ("other_admin", False),
    ],
)
def test_who_may_assign(world, item, persona, allowed):
    loop.suggestion_hand_to_representative(suggestion=item, by=world.staff)

    def call():
        loop.suggestion_assign(suggestion=_reload(item), by=getattr(world, persona), lead_unit=world.unit)

    if allowed:
        call()
        assert _reload(item).stage == Stage.ASSIGN
    else:
        with pytest.raises(PermissionDenied):
            call()
        assert _reload(item).stage == Stage.ASSESS


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("handler", True), ("admin", True), ("other_handler", False), ("staff", False), ("rep_user", False)],
)
def test_who_may_accept(world, item, persona, allowed):
    assignment = _to_assign(world, item)
    if allowed:
        loop.assignment_accept(assignment=assignment, by=getattr(world, persona))
    else:
        with pytest.raises(PermissionDenied):
            loop.assignment_accept(assignment=assignment, by=getattr(world, persona))


def test_table_names_an_actor_for_every_action():
    assert {action for _s, action in TRANSITIONS} <= set(ACTORS)
    assert Action.CLOSE_UNRATED in ACTORS


def test_stored_texts_are_in_the_portal_language_whatever_the_actor_reads(world, item):
    from django.utils import translation

    with translation.override("en"):
        loop.suggestion_hand_to_representative(suggestion=item, by=world.staff)
    event = item.events.get(action="hand_to_representative")
    assert "代表甲" in event.public_text and "handed" not in event.public_text
