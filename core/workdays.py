"""Working-day arithmetic (工作日), the one place that knows the statutory calendar.

Backed by the ``chinese-calendar`` package, which includes the weekend days
made working days (调休). The package only knows the years it was released
for; committee admins enter holidays and make-up days for other years as
``CalendarOverride`` rows (the State Council announces next year's schedule
each autumn), and those take precedence everywhere. For a year neither knows,
Monday to Friday count as working days and :func:`missing_years` names the year
so that dashboards can warn.

All functions take and return ``datetime.date`` in Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time

import chinese_calendar
from django.apps import apps

_KNOWN = sorted({day.year for day in chinese_calendar.holidays} | {day.year for day in chinese_calendar.workdays})
PACKAGE_YEARS = range(_KNOWN[0], _KNOWN[-1] + 1)

_lock = threading.Lock()
_cache: dict = {"loaded_at": 0.0, "overrides": {}, "years": set()}
CACHE_SECONDS = 60


def clear_cache() -> None:
    """Forget the overrides read from the database (called when an admin changes them)."""
    with _lock:
        _cache["loaded_at"] = 0.0


def _overrides() -> tuple[dict[dt.date, bool], set[int]]:
    with _lock:
        if time.monotonic() - _cache["loaded_at"] > CACHE_SECONDS:
            model = apps.get_model("suggestions", "CalendarOverride")
            rows = dict(model.objects.values_list("date", "is_workday"))
            _cache.update(loaded_at=time.monotonic(), overrides=rows, years={d.year for d in rows})
        return _cache["overrides"], _cache["years"]


@functools.lru_cache(maxsize=8192)
def _package_is_workday(day: dt.date) -> bool:
    # chinese_calendar re-validates its tables on every call (~80 µs); the answer for a date never changes.
    if day.year in PACKAGE_YEARS:
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def is_workday(day: dt.date) -> bool:
    overrides, _years = _overrides()
    if day in overrides:
        return overrides[day]
    return _package_is_workday(day)


def add_workdays(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted).

    ``add_workdays(d, 0)`` is ``d`` when it is a working day, else the next working day.
    """
    day = start
    if days == 0:
        while not is_workday(day):
            day += dt.timedelta(days=1)
        return day
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day


def subtract_workdays(end: dt.date, days: int) -> dt.date:
    """The date ``days`` working days before ``end``."""
    day = end
    remaining = days
    while remaining > 0:
        day -= dt.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
    if end < start:
        return -workdays_between(end, start)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_workday(day):
            count += 1
    return count


def missing_years(*days: dt.date) -> list[int]:
    """Years among ``days`` for which neither the package nor an override gives the calendar."""
    _overrides_, override_years = _overrides()
    return sorted({d.year for d in days if d.year not in PACKAGE_YEARS and d.year not in override_years})
