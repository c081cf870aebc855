"""督办 / 催办: the deadline sweep, its notifications and the traffic-light colours.

The dates sit in a quiet stretch of November 2026 unless a test is about a
holiday: the reply deadline is Wednesday 18 November, so the reminder three
working days before falls on Friday 13 November, across a weekend.
"""

import datetime as dt
import re
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import workdays
from devtools.testing import factories as f
from suggestions import deadlines
from suggestions.loop import supervision, tasks
from suggestions.models import Assignment, Event, Notification, Stage, Suggestion, Supervision

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date
DUE = D(2026, 11, 18)  # Wednesday
Kind = Supervision.Kind
Status = Assignment.Status


def at(day: dt.date, hour: int = 9):
    """Travel to ``day`` in Shanghai (the sweep's "today" is the local date)."""
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, 5, tzinfo=SHANGHAI), tick=False)


@pytest.fixture(autouse=True)
def fresh_calendar():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def _assignment(world, *, reply_due=DUE, accept_due=None, status=Status.ACCEPTED, title="路灯不亮", unit=None):
    suggestion = f.SuggestionFactory(station=world.station, title=title, stage=Stage.ASSIGN)
    return Assignment.objects.create(
        suggestion=suggestion,
        unit=unit or world.unit,
        accept_due=accept_due or reply_due - dt.timedelta(days=14),
        reply_due=reply_due,
        status=status,
    )


def _kinds(assignment) -> list[str]:
    return sorted(assignment.supervisions.values_list("kind", flat=True))


def _recipients(text_contains: str) -> set[str]:
    return set(Notification.objects.filter(text__contains=text_contains).values_list("user__username", flat=True))


# Reminders and escalations -------------------------------------------------------------


@pytest.mark.django_db
def test_no_reminder_four_working_days_before_the_deadline(world):
    assignment = _assignment(world)
    with at(D(2026, 11, 12)):  # Thursday: 13, 16, 17, 18 November are four working days
        supervision.deadline_sweep()
    assert _kinds(assignment) == []
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_reminder_three_working_days_before_the_deadline_goes_to_the_units_handlers(world):
    assignment = _assignment(world, title="井盖缺失")
    with at(D(2026, 11, 13)):  # Friday: 16, 17, 18 November are three working days
        result = supervision.deadline_sweep()
    assert result[Kind.REMIND_BEFORE] == 1 and result["notified"] == 1
    assert _kinds(assignment) == [Kind.REMIND_BEFORE]
    assert _recipients("井盖缺失") == {"handler"}
    assert "2026-11-18" in Notification.objects.get(user=world.handler).text
    assert assignment.suggestion.events.filter(kind=Event.Kind.REMINDER).count() == 1


@pytest.mark.django_db
def test_reminder_before_counts_working_days_across_national_day(world):
    # Due Monday 12 October: 8, 9 and 10 October (a make-up Saturday) are the three working days before.
    assignment = _assignment(world, reply_due=D(2026, 10, 12))
    with at(D(2026, 9, 30)):
        supervision.deadline_sweep()
    assert _kinds(assignment) == []
    with at(D(2026, 10, 8)):
        supervision.deadline_sweep()
    assert _kinds(assignment) == [Kind.REMIND_BEFORE]


@pytest.mark.django_db
def test_reminder_on_the_day_of_the_deadline(world):
    assignment = _assignment(world, title="路面塌陷")
    with at(DUE):
        result = supervision.deadline_sweep()
    assert result[Kind.REMIND_DUE] == 1
    assert _kinds(assignment) == [Kind.REMIND_DUE]
    assert _recipients("路面塌陷") == {"handler"}


@pytest.mark.django_db
def test_escalation_the_day_after_reaches_committee_admins_of_the_region_and_above_and_the_handlers(world):
    assignment = _assignment(world, title="污水外溢")
    with at(DUE + dt.timedelta(days=1)):
        result = supervision.deadline_sweep()
    assert result[Kind.ESCALATION] == 1
    assert _kinds(assignment) == [Kind.ESCALATION]
    # The unit's handler is told about the item itself ...
    assert _recipients("污水外溢") == {"handler"}
    # ... and the county and city admins above the station's township get one digest each, pointing at
    # the supervision page; the other county's admin gets nothing.
    digests = Notification.objects.filter(url="/supervision/")
    assert set(digests.values_list("user__username", flat=True)) == {"admin_county", "admin_city"}
    assert all("1" in n.text for n in digests)
    assert assignment.suggestion.events.filter(kind=Event.Kind.ESCALATION).count() == 1


@pytest.mark.django_db
def test_committee_admins_get_one_digest_per_sweep_however_many_items_escalate(world):
    for n in range(4):
        _assignment(world, title=f"逾期{n}")
    with at(DUE + dt.timedelta(days=1)):
        supervision.deadline_sweep()
    digest = Notification.objects.get(user=world.admin, url="/supervision/")
    assert "4" in digest.text
    assert Notification.objects.filter(user=world.admin).count() == 1


@pytest.mark.django_db
def test_accept_overdue_for_an_assignment_still_pending_past_its_accept_date(world):
    pending = _assignment(world, status=Status.PENDING, accept_due=D(2026, 11, 4), title="待接单")
    accepted = _assignment(world, status=Status.ACCEPTED, accept_due=D(2026, 11, 4), title="已接单")
    with at(D(2026, 11, 4)):
        supervision.deadline_sweep()
    assert _kinds(pending) == []  # the accept date itself is still in time
    with at(D(2026, 11, 5)):
        result = supervision.deadline_sweep()
    assert result[Kind.ACCEPT_OVERDUE] == 1
    assert _kinds(pending) == [Kind.ACCEPT_OVERDUE]
    assert pending.supervisions.get().deadline == D(2026, 11, 4)
    assert _kinds(accepted) == []
    assert _recipients("待接单") == {"handler"}


@pytest.mark.django_db
def test_each_reminder_is_made_once_as_the_days_go_by(world):
    assignment = _assignment(world)
    seen = []
    for day in [D(2026, 11, 13), D(2026, 11, 16), D(2026, 11, 17), DUE, D(2026, 11, 19), D(2026, 11, 20)]:
        with at(day):
            supervision.deadline_sweep()
            supervision.deadline_sweep()  # beat runs every few minutes: the same day, again
        seen.append(_kinds(assignment))
    assert seen == [
        [Kind.REMIND_BEFORE],
        [Kind.REMIND_BEFORE],
        [Kind.REMIND_BEFORE],
        [Kind.REMIND_BEFORE, Kind.REMIND_DUE],
        [Kind.ESCALATION, Kind.REMIND_BEFORE, Kind.REMIND_DUE],
        [Kind.ESCALATION, Kind.REMIND_BEFORE, Kind.REMIND_DUE],
    ]
    # One notification to the handler per reminder, and one escalation each to two admins and the handler.
    assert Notification.objects.filter(user=world.handler).count() == 3
    assert Notification.objects.filter(user__in=[world.admin, world.city_admin]).count() == 2


@pytest.mark.django_db
def test_running_the_sweep_twice_creates_nothing_twice(world, django_capture_on_commit_callbacks):
    _assignment(world, reply_due=D(2026, 11, 17), title="逾期")
    _assignment(world, reply_due=D(2026, 11, 20), title="将到期")
    _assignment(world, reply_due=D(2026, 11, 18), title="今天到期")
    _assignment(world, status=Status.PENDING, accept_due=D(2026, 11, 16), reply_due=D(2026, 12, 7), title="未接单")
    with at(DUE), django_capture_on_commit_callbacks(execute=True):
        first = supervision.deadline_sweep()
    counts = (Supervision.objects.count(), Notification.objects.count(), Event.objects.count(), len(mail.outbox))
    with at(DUE), django_capture_on_commit_callbacks(execute=True):
        second = supervision.deadline_sweep()

    assert first == {
        Kind.REMIND_BEFORE: 1,
        Kind.REMIND_DUE: 1,
        Kind.ESCALATION: 1,
        Kind.ACCEPT_OVERDUE: 1,
        "notified": 4,
    }
    assert second == dict.fromkeys(first, 0)
    assert counts == (4, 6, 4, 6)  # the escalation went to three people
    assert (Supervision.objects.count(), Notification.objects.count(), Event.objects.count(), len(mail.outbox)) == (
        counts
    )
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_missed_day_is_caught_up(world):
    assignment = _assignment(world)
    # Nothing ran on the deadline or the day after (worker down): two days late, the escalation is still made.
    with at(D(2026, 11, 20)):
        result = supervision.deadline_sweep()
    assert result[Kind.ESCALATION] == 1
    assert _kinds(assignment) == [Kind.ESCALATION]
    assert Notification.objects.filter(user=world.admin).count() == 1
    # A reminder-before missed on its first day is made on the next.
    later = _assignment(world, reply_due=D(2026, 11, 25))
    with at(D(2026, 11, 23)):  # 25 November is two working days away; the third-day run was missed
        supervision.deadline_sweep()
    assert _kinds(later) == [Kind.REMIND_BEFORE]


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.REPLIED, Status.WITHDRAWN, Status.RETURNED])
def test_closed_assignments_are_left_alone(world, status):
    _assignment(world, status=status, accept_due=D(2026, 11, 2), reply_due=D(2026, 11, 10))
    _assignment(world, status=status, reply_due=DUE)
    _assignment(world, status=status, reply_due=D(2026, 11, 20))
    with at(DUE):
        result = supervision.deadline_sweep()
    assert result == {**dict.fromkeys(Kind.values, 0), "notified": 0}
    assert not Supervision.objects.exists() and not Notification.objects.exists()


@pytest.mark.django_db
def test_an_extended_deadline_is_reminded_again(world):
    assignment = _assignment(world)
    with at(DUE):
        supervision.deadline_sweep()
    Assignment.objects.filter(pk=assignment.pk).update(reply_due=D(2026, 11, 30))
    with at(D(2026, 11, 25)):  # 26, 27 and 30 November
        supervision.deadline_sweep()
    assert sorted(assignment.supervisions.values_list("kind", "deadline")) == [
        (Kind.REMIND_BEFORE, D(2026, 11, 30)),
        (Kind.REMIND_DUE, DUE),
    ]


# The traffic light -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "due, flagged, expected",
    [
        (None, False, deadlines.GREEN),
        (D(2026, 11, 20), False, deadlines.GREEN),  # four working days away
        (D(2026, 11, 19), False, deadlines.YELLOW),  # three
        (D(2026, 11, 16), False, deadlines.YELLOW),  # due today
        (D(2026, 11, 13), False, deadlines.RED),
        (D(2026, 12, 31), True, deadlines.RED),  # 挂牌督办 is always red
        (None, True, deadlines.RED),
    ],
)
def test_colour(due, flagged, expected):
    with at(D(2026, 11, 16)):  # Monday
        assert deadlines.colour(due, flagged=flagged) == expected


@pytest.mark.django_db
def test_colour_counts_working_days_across_a_holiday():
    today = D(2026, 9, 30)
    # Nine calendar days away, but only three working days: 8, 9 and 10 October.
    assert deadlines.colour(D(2026, 10, 9), today) == deadlines.YELLOW
    assert deadlines.colour(D(2026, 10, 10), today) == deadlines.YELLOW
    assert deadlines.colour(D(2026, 10, 12), today) == deadlines.GREEN


# Cost ------------------------------------------------------------------------------------------


def _due_set(world, n: int, base: dt.date) -> None:
    """``n`` assignments needing every kind of supervision on ``base`` (a Wednesday)."""
    for i in range(n):
        kind = i % 4
        if kind == 0:
            _assignment(world, reply_due=base - dt.timedelta(days=1 + i % 3))
        elif kind == 1:
            _assignment(world, reply_due=base)
        elif kind == 2:
            _assignment(world, reply_due=base + dt.timedelta(days=1 + i % 2))
        else:
            _assignment(
                world,
                status=Status.PENDING,
                accept_due=base - dt.timedelta(days=1),
                reply_due=base + dt.timedelta(days=20),
            )


@pytest.mark.django_db
def test_the_sweep_runs_a_fixed_number_of_queries_whatever_is_due(world):
    def measure(n, day):
        Assignment.objects.update(status=Status.REPLIED)  # only the new set is due
        _due_set(world, n, day)
        workdays.clear_cache()  # both runs read the calendar overrides once
        with at(day), CaptureQueriesContext(connection) as captured:
            result = supervision.deadline_sweep()
        assert result["notified"] == n
        return len(captured)

    few = measure(5, DUE)
    many = measure(50, D(2026, 12, 9))
    assert few == many
    assert few <= 15


# The beat task -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_beat_task_also_closes_answers_nobody_rated_as_unrated(world):
    def released(rating_due):
        return f.SuggestionFactory(
            station=world.station,
            stage=Stage.FEEDBACK,
            answer="已修复",
            answer_released_at=timezone.now() - dt.timedelta(days=20),
            rating_due=rating_due,
        )

    late, today = released(D(2026, 11, 17)), released(DUE)
    overdue = _assignment(world, reply_due=D(2026, 11, 17))
    with at(DUE):
        result = tasks.sweep_deadlines()
    assert result["closed_unrated"] == 1
    assert result[Kind.ESCALATION] == 1 and _kinds(overdue) == [Kind.ESCALATION]
    late = Suggestion.objects.get(pk=late.pk)
    assert (late.stage, late.outcome) == (Stage.CLOSED, "unrated")
    assert late.events.filter(action="close_unrated").count() == 1
    assert Suggestion.objects.get(pk=today.pk).stage == Stage.FEEDBACK
    with at(DUE):
        assert tasks.sweep_deadlines()["closed_unrated"] == 0


# Two sweeps at once (PostgreSQL) ---------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and SKIP LOCKED need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_make_and_announce_each_supervision_once(world):
    _due_set(world, 40, DUE)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait(timeout=10)
            results.append(supervision.deadline_sweep(today=DUE))
        except Exception as exc:  # reported below; a thread must not die silently
            errors.append(exc)
        finally:
            connection.close()

    with at(DUE):
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    assert len(results) == 2
    assert Supervision.objects.count() == 40
    assert sum(r["notified"] for r in results) == 40  # each claimed by exactly one of the two
    assert not Supervision.objects.filter(notified_at__isnull=True).exists()
    # The handler's digests add up to the 40 once; the two admins' digests add up to the 10 escalations.
    handler_texts = Notification.objects.filter(user=world.handler).values_list("text", flat=True)
    assert sum(int(re.search(r"\d+", text).group()) for text in handler_texts) == 40
    for admin in (world.admin, world.city_admin):
        texts = Notification.objects.filter(user=admin, url="/supervision/").values_list("text", flat=True)
        assert sum(int(re.search(r"\d+", text).group()) for text in texts) == 10
    assert Event.objects.filter(kind__in=[Event.Kind.REMINDER, Event.Kind.ESCALATION]).count() == 40
    assert len(mail.outbox) == Notification.objects.count()


@pytest.mark.django_db
def test_a_sweep_that_dies_half_way_leaves_nothing_and_the_next_one_does_it_all(world, monkeypatch):
    for n in range(3):
        _assignment(world, reply_due=DUE, title=f"中断{n}")

    def crash(ids):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(supervision, "_announce", crash)
    with at(DUE), pytest.raises(RuntimeError):
        supervision.deadline_sweep()
    assert not Supervision.objects.exists()  # made and announced in one transaction: all or nothing
    monkeypatch.undo()
    with at(DUE):
        assert supervision.deadline_sweep()["notified"] == 3
    assert Supervision.objects.count() == 3
    assert Notification.objects.filter(user=world.handler).count() == 1  # one digest for the three
