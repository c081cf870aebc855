"""Working days (工作日): the statutory calendar, the weekday fallback and the committee's overrides.

The 2026 facts below were read from chinese-calendar 1.11.0 itself: National
Day is 1–7 October with Sunday 20 September and Saturday 10 October worked;
Mid-Autumn takes 25–27 September (so Sunday 27 September is a holiday, not a
make-up day); Spring Festival is 15–23 February with Saturdays 14 and 28
February worked. The package knows nothing of 2027.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core import workdays
from devtools.testing.factories import UserFactory
from suggestions.models import CalendarOverride

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date


@pytest.fixture(autouse=True)
def fresh_calendar():
    """The overrides are cached per process for a minute: never let one test's rows leak into the next."""
    workdays.clear_cache()
    yield
    workdays.clear_cache()


# The package's 2026 calendar ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "day, working",
    [
        (D(2026, 9, 20), True),  # Sunday, make-up day for National Day
        (D(2026, 9, 25), False),  # Mid-Autumn
        (D(2026, 9, 27), False),  # Sunday inside the Mid-Autumn break: not a make-up day
        (D(2026, 9, 30), True),
        (D(2026, 10, 1), False),
        (D(2026, 10, 5), False),  # a Monday
        (D(2026, 10, 7), False),
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # Saturday, make-up day
        (D(2026, 10, 11), False),
        (D(2026, 2, 14), True),  # Saturday, make-up day for Spring Festival
        (D(2026, 2, 16), False),  # Monday, 除夕
        (D(2026, 2, 23), False),  # Monday, last day of the break
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday, make-up day
        (D(2026, 3, 1), False),
    ],
)
def test_2026_holidays_and_make_up_days_come_from_the_package(day, working):
    assert workdays.is_workday(day) is working


@pytest.mark.django_db
def test_add_workdays_jumps_the_national_day_break_and_counts_the_make_up_saturday():
    assert workdays.add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert workdays.add_workdays(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert workdays.add_workdays(D(2026, 9, 30), 4) == D(2026, 10, 12)
    # Zero days: the day itself when worked, else the next working day.
    assert workdays.add_workdays(D(2026, 9, 30), 0) == D(2026, 9, 30)
    assert workdays.add_workdays(D(2026, 10, 3), 0) == D(2026, 10, 8)


@pytest.mark.django_db
def test_add_workdays_across_spring_festival():
    assert workdays.add_workdays(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert workdays.add_workdays(D(2026, 2, 14), 1) == D(2026, 2, 24)
    # The default 15 working days to reply, assigned the Friday before the break:
    # 14 February, 24–28 February (the 28th a Saturday), 2–6 and 9–12 March.
    assert workdays.add_workdays(D(2026, 2, 13), 15) == D(2026, 3, 12)


@pytest.mark.django_db
def test_workdays_between_counts_only_working_days_and_is_signed():
    assert workdays.workdays_between(D(2026, 9, 30), D(2026, 10, 12)) == 4  # 8, 9, 10 (Sat) and 12 October
    assert workdays.workdays_between(D(2026, 10, 12), D(2026, 9, 30)) == -4
    assert workdays.workdays_between(D(2026, 2, 13), D(2026, 2, 24)) == 2  # 14 and 24 February
    assert workdays.workdays_between(D(2026, 10, 3), D(2026, 10, 3)) == 0


@pytest.mark.django_db
def test_subtract_workdays_steps_back_over_holidays():
    assert workdays.subtract_workdays(D(2026, 10, 8), 1) == D(2026, 9, 30)
    assert workdays.subtract_workdays(D(2026, 10, 12), 3) == D(2026, 10, 8)
    assert workdays.subtract_workdays(D(2026, 2, 24), 1) == D(2026, 2, 14)
    assert workdays.subtract_workdays(D(2026, 2, 24), 2) == D(2026, 2, 13)
    for start, n in [(D(2026, 9, 30), 3), (D(2026, 2, 13), 15), (D(2026, 11, 20), 10)]:
        assert workdays.subtract_workdays(workdays.add_workdays(start, n), n) == start


# Beyond the package: 2027 -----------------------------------------------------------


@pytest.mark.django_db
def test_2027_falls_back_to_monday_to_friday_and_is_named_missing():
    assert workdays.is_workday(D(2027, 1, 1)) is True  # a Friday; the package would raise here
    assert workdays.is_workday(D(2027, 1, 9)) is False  # a Saturday
    assert workdays.add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 1)
    assert workdays.missing_years(D(2026, 12, 31), D(2027, 1, 1)) == [2027]
    assert workdays.missing_years(D(2025, 5, 1), D(2026, 10, 1)) == []


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 12, 21, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_a_deadline_set_in_late_december_reaches_into_2027_and_the_dashboard_can_warn():
    today = timezone.localdate()
    due = workdays.add_workdays(today, 15)
    # 8 working days left in 2026, then 1 January (a Friday, unknown) and 4–11 January.
    assert due == D(2027, 1, 11)
    assert workdays.missing_years(today, due) == [2027]


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 12, 21, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_overrides_for_2027_win_after_clear_cache_and_the_year_is_no_longer_missing():
    today = timezone.localdate()
    assert workdays.missing_years(D(2027, 1, 1)) == [2027]  # loads the (empty) override cache
    CalendarOverride.objects.create(date=D(2027, 1, 1), is_workday=False, note="2027年元旦")
    CalendarOverride.objects.create(date=D(2027, 1, 9), is_workday=True, note="2027年调休")
    # Still cached: this is why the admin must clear the cache when it saves.
    assert workdays.is_workday(D(2027, 1, 1)) is True

    workdays.clear_cache()

    assert workdays.is_workday(D(2027, 1, 1)) is False
    assert workdays.is_workday(D(2027, 1, 9)) is True
    assert workdays.add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert workdays.add_workdays(D(2027, 1, 8), 1) == D(2027, 1, 9)
    assert workdays.subtract_workdays(D(2027, 1, 4), 1) == D(2026, 12, 31)
    assert workdays.workdays_between(D(2026, 12, 31), D(2027, 1, 11)) == 7  # 4–9 (Sat worked) and 11 January
    assert workdays.add_workdays(today, 15) == D(2027, 1, 11)  # one day lost, one gained
    assert workdays.missing_years(today, D(2027, 1, 11)) == []


@pytest.mark.django_db
def test_an_override_inside_2026_wins_over_the_package():
    CalendarOverride.objects.create(date=D(2026, 10, 8), is_workday=False, note="本地延长假期")
    CalendarOverride.objects.create(date=D(2026, 10, 3), is_workday=True, note="本地调休")
    workdays.clear_cache()
    assert workdays.is_workday(D(2026, 10, 8)) is False
    assert workdays.is_workday(D(2026, 10, 3)) is True
    assert workdays.add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 3)
    assert workdays.add_workdays(D(2026, 10, 3), 1) == D(2026, 10, 9)
    assert workdays.workdays_between(D(2026, 9, 30), D(2026, 10, 9)) == 2


@pytest.mark.django_db
def test_a_holiday_saved_in_the_admin_takes_effect_at_once(login):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = login(root)
    assert workdays.is_workday(D(2027, 2, 5)) is True  # a Friday, cached as such

    response = client.post(
        reverse("admin:suggestions_calendaroverride_add"), {"date": "2027-02-05", "note": "2027年春节"}
    )

    assert response.status_code == 302
    assert workdays.is_workday(D(2027, 2, 5)) is False
    override = CalendarOverride.objects.get(date=D(2027, 2, 5))
    response = client.post(reverse("admin:suggestions_calendaroverride_delete", args=[override.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert workdays.is_workday(D(2027, 2, 5)) is True
