"""Reception-day schedule: rules, generated days and rosters, the missed-day sweep, and the public station page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from devtools.testing import factories as f
from stations import reception, tasks
from stations.models import ReceptionDay, ReceptionRule, Visit

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Friday: the next Wednesday is 2 December, the next 20th is 20 December.
FRIDAY_MORNING = dt.datetime(2026, 11, 27, 10, tzinfo=SHANGHAI)
TODAY = dt.date(2026, 11, 27)
WEDNESDAY = 2


def _rule_data(**overrides):
    data = {
        "kind": ReceptionRule.Kind.WEEKLY,
        "weekday": WEDNESDAY,
        "day_of_month": None,
        "start_time": dt.time(9, 0),
        "end_time": dt.time(11, 30),
        "duty_min": 3,
        "duty_max": 5,
        "starts_on": TODAY,
    }
    return {**data, **overrides}


def _residents(station, count):
    """``count`` more residents of ``station``, in order of creation (so of id)."""
    return [f.ResidencyFactory(station=station).representative for _ in range(count)]


def _day(station, date, **extra):
    defaults = {"start_time": dt.time(9, 0), "end_time": dt.time(11, 30)}
    return ReceptionDay.objects.create(station=station, date=date, **{**defaults, **extra})


# Rules ---------------------------------------------------------------------


@time_machine.travel(FRIDAY_MORNING)
def test_monthly_rule_on_the_29th_is_refused_because_february_lacks_it(world):
    data = _rule_data(kind=ReceptionRule.Kind.MONTHLY, weekday=None, day_of_month=29)
    with pytest.raises(ValidationError) as caught:
        reception.reception_rule_save(station=world.station, by=world.staff, data=data)
    assert "day_of_month" in caught.value.message_dict
    assert not ReceptionRule.objects.exists()


@time_machine.travel(FRIDAY_MORNING)
def test_rule_ending_before_it_starts_is_refused(world):
    data = _rule_data(start_time=dt.time(15, 0), end_time=dt.time(9, 0))
    with pytest.raises(ValidationError) as caught:
        reception.reception_rule_save(station=world.station, by=world.staff, data=data)
    assert "end_time" in caught.value.message_dict
    assert not ReceptionDay.objects.exists()


@time_machine.travel(FRIDAY_MORNING)
def test_rule_with_fewer_at_most_than_at_least_on_duty_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        reception.reception_rule_save(station=world.station, by=world.staff, data=_rule_data(duty_min=5, duty_max=3))
    assert "duty_max" in caught.value.message_dict


@time_machine.travel(FRIDAY_MORNING)
@pytest.mark.parametrize("persona", ["other_staff", "other_admin", "rep_user", "handler"])
def test_only_the_stations_staff_and_committee_may_save_a_rule(world, persona):
    with pytest.raises(PermissionDenied):
        reception.reception_rule_save(station=world.station, by=getattr(world, persona), data=_rule_data())
    assert not ReceptionRule.objects.exists()


@time_machine.travel(FRIDAY_MORNING)
def test_weekly_rule_schedules_every_wednesday_of_the_next_eight_weeks(world):
    rule = reception.reception_rule_save(station=world.station, by=world.admin, data=_rule_data())
    dates = list(ReceptionDay.objects.filter(station=world.station).values_list("date", flat=True))
    assert dates == [dt.date(2026, 12, 2) + dt.timedelta(weeks=n) for n in range(8)]
    assert all(d.weekday() == WEDNESDAY for d in dates)
    day = ReceptionDay.objects.first()
    assert (day.rule, day.start_time, day.end_time) == (rule, dt.time(9, 0), dt.time(11, 30))


@time_machine.travel(FRIDAY_MORNING)
def test_monthly_rule_schedules_the_20th_of_every_month_from_today_on(world):
    rule = ReceptionRule.objects.create(
        station=world.station,
        kind=ReceptionRule.Kind.MONTHLY,
        day_of_month=20,
        start_time=dt.time(8, 30),
        end_time=dt.time(12, 0),
        starts_on=dt.date(2026, 1, 1),
    )
    created = reception.reception_days_generate(rule=rule, until=dt.date(2027, 3, 1))
    assert created == 3
    assert list(ReceptionDay.objects.values_list("date", flat=True)) == [
        dt.date(2026, 12, 20),
        dt.date(2027, 1, 20),
        dt.date(2027, 2, 20),
    ]


@time_machine.travel(FRIDAY_MORNING)
def test_rule_starting_later_schedules_nothing_before_its_first_day(world):
    rule = ReceptionRule.objects.create(
        station=world.station,
        weekday=WEDNESDAY,
        start_time=dt.time(9, 0),
        end_time=dt.time(11, 0),
        starts_on=dt.date(2026, 12, 10),
    )
    reception.reception_days_generate(rule=rule, until=dt.date(2026, 12, 31))
    assert list(ReceptionDay.objects.values_list("date", flat=True)) == [
        dt.date(2026, 12, 16),
        dt.date(2026, 12, 23),
        dt.date(2026, 12, 30),
    ]


@time_machine.travel(FRIDAY_MORNING)
def test_generating_twice_creates_nothing_new_and_keeps_days_already_there(world):
    one_off = _day(world.station, dt.date(2026, 12, 9), start_time=dt.time(14, 0), end_time=dt.time(16, 0))
    one_off.on_duty.set([world.rep])
    rule = ReceptionRule.objects.create(
        station=world.station, weekday=WEDNESDAY, start_time=dt.time(9, 0), end_time=dt.time(11, 0), starts_on=TODAY
    )
    assert reception.reception_days_generate(rule=rule, until=dt.date(2026, 12, 31)) == 4  # 2, 16, 23, 30 Dec
    assert reception.reception_days_generate(rule=rule, until=dt.date(2026, 12, 31)) == 0
    assert ReceptionDay.objects.count() == 5
    one_off.refresh_from_db()
    assert (one_off.rule, one_off.start_time) == (None, dt.time(14, 0))
    assert list(one_off.on_duty.all()) == [world.rep]


@time_machine.travel(FRIDAY_MORNING)
def test_roster_rotates_among_residents_in_order_of_id(world):
    residents = [world.rep, *_residents(world.station, 4)]  # five residents, world.rep first by id
    rule = ReceptionRule.objects.create(
        station=world.station,
        weekday=WEDNESDAY,
        start_time=dt.time(9, 0),
        end_time=dt.time(11, 0),
        duty_min=2,
        duty_max=3,
        starts_on=TODAY,
    )
    reception.reception_days_generate(rule=rule, until=dt.date(2026, 12, 20))
    rosters = [sorted(rep.pk for rep in day.on_duty.all()) for day in ReceptionDay.objects.order_by("date")]
    ids = [rep.pk for rep in residents]
    assert rosters == [sorted(ids[0:3]), sorted([ids[3], ids[4], ids[0]]), sorted(ids[1:4])]


@time_machine.travel(FRIDAY_MORNING)
def test_roster_takes_every_resident_when_there_are_fewer_than_the_minimum(world):
    second = _residents(world.station, 1)[0]
    rule = ReceptionRule.objects.create(
        station=world.station, weekday=WEDNESDAY, start_time=dt.time(9, 0), end_time=dt.time(11, 0), starts_on=TODAY
    )
    reception.reception_days_generate(rule=rule, until=dt.date(2026, 12, 2))
    assert set(ReceptionDay.objects.get().on_duty.all()) == {world.rep, second}


@time_machine.travel(FRIDAY_MORNING)
def test_stopping_a_rule_cancels_its_coming_days_without_visits(world):
    rule = reception.reception_rule_save(station=world.station, by=world.staff, data=_rule_data())
    visited = ReceptionDay.objects.get(date=dt.date(2026, 12, 9))
    Visit.objects.create(reception_day=visited, summary="提前来访")
    reception.reception_rule_save(station=world.station, by=world.staff, data={"is_active": False}, rule=rule)
    assert not rule.is_active
    assert ReceptionDay.objects.filter(is_cancelled=False).get() == visited
    assert reception.reception_days_generate(rule=rule, until=dt.date(2027, 6, 1)) == 0


# Single days and rosters -----------------------------------------------------


@time_machine.travel(FRIDAY_MORNING)
def test_single_day_is_scheduled_with_its_roster(world):
    day = reception.reception_day_create(
        station=world.station,
        by=world.staff,
        date=dt.date(2026, 12, 5),
        start_time=dt.time(14, 0),
        end_time=dt.time(17, 0),
        on_duty=[world.rep],
        note="周六特别接待",
    )
    assert (day.rule, day.note) == (None, "周六特别接待")
    assert list(day.on_duty.all()) == [world.rep]


@time_machine.travel(FRIDAY_MORNING)
def test_single_day_refuses_a_taken_date_a_bad_time_and_a_stranger_on_duty(world):
    _day(world.station, dt.date(2026, 12, 5))
    base = {"station": world.station, "by": world.staff, "start_time": dt.time(9, 0), "end_time": dt.time(11, 0)}
    with pytest.raises(ValidationError) as taken:
        reception.reception_day_create(**base, date=dt.date(2026, 12, 5))
    assert "date" in taken.value.message_dict
    with pytest.raises(ValidationError) as backwards:
        reception.reception_day_create(**{**base, "end_time": dt.time(8, 0)}, date=dt.date(2026, 12, 6))
    assert "end_time" in backwards.value.message_dict
    with pytest.raises(ValidationError) as stranger:
        reception.reception_day_create(**base, date=dt.date(2026, 12, 6), on_duty=[world.other_rep])
    assert "on_duty" in stranger.value.message_dict
    assert ReceptionDay.objects.count() == 1


@time_machine.travel(FRIDAY_MORNING)
def test_roster_is_set_by_managers_only_and_only_with_residents(world):
    day = _day(world.station, dt.date(2026, 12, 2))
    reception.reception_day_set_roster(day=day, by=world.staff, representatives=[world.rep])
    assert list(day.on_duty.all()) == [world.rep]
    with pytest.raises(PermissionDenied):
        reception.reception_day_set_roster(day=day, by=world.other_staff, representatives=[])
    with pytest.raises(ValidationError):
        reception.reception_day_set_roster(day=day, by=world.staff, representatives=[world.other_rep])
    assert list(day.on_duty.all()) == [world.rep]


# Missed days -----------------------------------------------------------------


@time_machine.travel(FRIDAY_MORNING)
def test_days_that_ended_without_a_visit_are_flagged_once(world):
    now = dt.datetime(2026, 11, 27, 10, tzinfo=SHANGHAI)
    yesterday_empty = _day(world.station, dt.date(2026, 11, 26))
    yesterday_visited = _day(world.other_station, dt.date(2026, 11, 26))
    Visit.objects.create(reception_day=yesterday_visited, summary="反映路灯不亮")
    this_morning_over = _day(world.station, TODAY, start_time=dt.time(8, 0), end_time=dt.time(9, 30))
    still_running = _day(world.other_station, TODAY, start_time=dt.time(9, 0), end_time=dt.time(11, 30))
    cancelled = _day(world.station, dt.date(2026, 11, 25), is_cancelled=True)

    assert reception.reception_days_flag_missed(now=now) == 2
    flagged = set(ReceptionDay.objects.filter(missed_flagged_at__isnull=False))
    assert flagged == {yesterday_empty, this_morning_over}
    assert ReceptionDay.objects.get(pk=yesterday_empty.pk).missed_flagged_at == now
    assert still_running not in flagged and cancelled not in flagged and yesterday_visited not in flagged

    assert reception.reception_days_flag_missed(now=now + dt.timedelta(minutes=15)) == 0
    assert ReceptionDay.objects.get(pk=yesterday_empty.pk).missed_flagged_at == now


def test_flagging_uses_the_stations_local_time(world):
    # 02:30 UTC on 27 November is 10:30 in Shanghai: a reception that ended at 10:00 local time is over.
    day = _day(world.station, TODAY, start_time=dt.time(8, 0), end_time=dt.time(10, 0))
    assert reception.reception_days_flag_missed(now=dt.datetime(2026, 11, 27, 1, 30, tzinfo=dt.UTC)) == 0
    assert reception.reception_days_flag_missed(now=dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)) == 1
    day.refresh_from_db()
    assert day.missed_flagged_at is not None


# Tasks -------------------------------------------------------------------------


@time_machine.travel(FRIDAY_MORNING)
def test_generate_task_schedules_eight_weeks_for_active_rules_only(world):
    ReceptionRule.objects.create(
        station=world.station, weekday=WEDNESDAY, start_time=dt.time(9, 0), end_time=dt.time(11, 0), starts_on=TODAY
    )
    ReceptionRule.objects.create(
        station=world.other_station,
        kind=ReceptionRule.Kind.MONTHLY,
        day_of_month=20,
        start_time=dt.time(9, 0),
        end_time=dt.time(11, 0),
        starts_on=TODAY,
        is_active=False,
    )
    assert tasks.generate_reception_days() == 8
    assert not ReceptionDay.objects.filter(station=world.other_station).exists()
    assert tasks.generate_reception_days() == 0


@time_machine.travel(FRIDAY_MORNING)
def test_flag_task_flags_yesterdays_empty_day(world):
    day = _day(world.station, dt.date(2026, 11, 26))
    assert tasks.flag_missed_reception_days() == 1
    day.refresh_from_db()
    assert day.missed_flagged_at is not None


def test_beat_runs_both_reception_tasks():
    from django.conf import settings

    tasks_scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks_scheduled["stations.tasks.generate_reception_days"] == 6 * 3600
    assert tasks_scheduled["stations.tasks.flag_missed_reception_days"] == 15 * 60


# The public station page ---------------------------------------------------------


@time_machine.travel(FRIDAY_MORNING)
def test_station_page_lists_the_next_five_reception_days_with_who_is_on_duty(client, world):
    second = _residents(world.station, 1)[0]
    _day(world.station, dt.date(2026, 11, 20))  # past
    _day(world.station, dt.date(2026, 11, 28), is_cancelled=True)
    days = [_day(world.station, dt.date(2026, 12, 1) + dt.timedelta(days=n)) for n in range(7)]
    days[0].on_duty.set([world.rep, second])
    body = client.get(world.station.get_absolute_url()).content.decode()
    shown = [d.date.isoformat() for d in days if d.date.isoformat() in body]
    assert shown == ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05"]
    assert "2026-11-20" not in body and "2026-11-28" not in body
    on_duty_line = body.split("2026-12-01", 1)[1].split("2026-12-02", 1)[0]
    assert world.rep.name in on_duty_line and second.name in on_duty_line


@time_machine.travel(FRIDAY_MORNING)
def test_station_page_links_managers_to_the_reception_days(client, login, world):
    url = f"/stations/{world.station.code}/reception/"
    assert url not in client.get(world.station.get_absolute_url()).content.decode()
    assert url in login(world.staff).get(world.station.get_absolute_url()).content.decode()


@time_machine.travel(FRIDAY_MORNING)
def test_station_page_query_count_stays_fixed_with_reception_days(client, world, django_assert_max_num_queries):
    residents = _residents(world.station, 8)
    for n in range(10):
        day = _day(world.station, TODAY + dt.timedelta(days=n + 1))
        day.on_duty.set(residents[n % 4 : n % 4 + 4])
    # The page's own ceiling (see test_pages): the days and their rosters are two queries, whatever their number.
    with django_assert_max_num_queries(10):
        response = client.get(world.station.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["reception_days"]) == 5
