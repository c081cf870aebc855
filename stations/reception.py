"""Writes of the reception-day schedule (代表接待日): rules, generated days, rosters and the missed-day sweep.

The stations app sits below representatives and suggestions, so representatives
are reached through relation names (``station.residents``, ``on_duty``) and
never imported. Logging visits and turning them into suggestions lives in
``suggestions.reception.services``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions

from .models import ReceptionDay, ReceptionRule, Station, Visit

# Rules keep eight weeks of days scheduled ahead: enough for a representative
# to plan, short enough that a changed roster does not leave months of stale days.
HORIZON_DAYS = 56

RULE_FIELDS = (
    "kind",
    "weekday",
    "day_of_month",
    "start_time",
    "end_time",
    "duty_min",
    "duty_max",
    "starts_on",
    "is_active",
)
MAX_ON_DUTY = 30


def _check_manager(by, station: Station) -> None:
    if by is None or not permissions.can_manage_station(by, station):
        raise PermissionDenied(_("You may not manage the reception days of this station."))


def _check_times(start_time, end_time) -> None:
    if start_time and end_time and end_time <= start_time:
        raise ValidationError({"end_time": _("The reception must end after it starts.")})


def _resident_ids(station: Station) -> set[int]:
    return set(station.residencies.values_list("representative_id", flat=True))


def _check_residents(station: Station, representatives: Iterable, field: str) -> list:
    representatives = list(representatives)
    strangers = {rep.pk for rep in representatives} - _resident_ids(station)
    if strangers:
        raise ValidationError({field: _("Only representatives resident at this station can be on duty here.")})
    return representatives


@transaction.atomic
def reception_rule_save(*, station: Station, by, data: dict, rule: ReceptionRule | None = None) -> ReceptionRule:
    """Create a rule (or change ``rule``) from ``data`` and schedule its days for the coming weeks.

    ``data`` holds any of :data:`RULE_FIELDS`. A weekly rule forgets its day of
    the month and a monthly rule its weekday. Stopping a rule cancels its
    upcoming days that have no visit yet. Raises ``PermissionDenied`` when
    ``by`` may not manage the station and ``ValidationError`` for a monthly day
    outside 1–28, an end not after the start, or more on duty at least than at most.
    """
    _check_manager(by, station)
    if rule is not None and rule.station_id != station.pk:
        raise PermissionDenied(_("This rule belongs to another station."))
    rule = rule or ReceptionRule(station=station)
    was_active = rule.pk is not None and rule.is_active
    for field in RULE_FIELDS:
        if field in data:
            setattr(rule, field, data[field])
    if rule.kind == ReceptionRule.Kind.WEEKLY:
        rule.day_of_month = None
    elif rule.kind == ReceptionRule.Kind.MONTHLY:
        rule.weekday = None
    errors = {}
    if rule.duty_max is not None and not 1 <= rule.duty_max <= MAX_ON_DUTY:
        errors["duty_max"] = _("Between 1 and %(max)s representatives can be on duty.") % {"max": MAX_ON_DUTY}
    if errors:
        raise ValidationError(errors)
    rule.full_clean()
    rule.save()
    today = timezone.localdate()
    if rule.is_active:
        reception_days_generate(rule=rule, until=today + dt.timedelta(days=HORIZON_DAYS))
    elif was_active:
        rule.days.filter(date__gt=today, is_cancelled=False).exclude(
            Exists(Visit.objects.filter(reception_day=OuterRef("pk")))
        ).update(is_cancelled=True)
    return rule


def _rule_dates(rule: ReceptionRule, start: dt.date, until: dt.date) -> Iterator[tuple[dt.date, int]]:
    """The rule's dates from ``start`` to ``until`` with their occurrence number counted from ``starts_on``.

    The number makes the roster rotation depend on the date only, never on when
    the sweep happened to run.
    """
    if rule.kind == ReceptionRule.Kind.WEEKLY:
        first = rule.starts_on + dt.timedelta(days=(rule.weekday - rule.starts_on.weekday()) % 7)
        index = max(0, -(-(start - first).days // 7))  # ceiling division: first occurrence on or after start
        day = first + dt.timedelta(weeks=index)
        while day <= until:
            yield day, index
            index += 1
            day += dt.timedelta(weeks=1)
        return
    first_month = (rule.starts_on.year, rule.starts_on.month)
    if rule.starts_on.day > rule.day_of_month:
        first_month = (first_month[0] + first_month[1] // 12, first_month[1] % 12 + 1)
    year, month = first_month
    while True:
        day = dt.date(year, month, rule.day_of_month)
        if day > until:
            return
        if day >= start:
            yield day, (year - first_month[0]) * 12 + (month - first_month[1])
        year, month = year + month // 12, month % 12 + 1


def _rotation(residents: list, index: int, duty_min: int, duty_max: int) -> list:
    """The ``index``-th roster: ``duty_max`` residents in turn, or everyone when there are no more than that.

    With fewer residents than ``duty_min`` everyone is on duty; the station has
    to recruit, which the roster page makes visible.
    """
    if not residents:
        return []
    size = min(max(duty_max, duty_min), len(residents))
    start = (index * size) % len(residents)
    return [residents[(start + offset) % len(residents)] for offset in range(size)]


@transaction.atomic
def reception_days_generate(*, rule: ReceptionRule, until: dt.date) -> int:
    """Schedule the rule's days from today (or its first day) up to ``until``; returns how many were new.

    Idempotent: a date that already has a day at the station (from this rule,
    another rule or a one-off) is left alone, and the unique (station, date)
    constraint settles a race between two workers. New days get a roster by
    rotation among the station's residents in order of id.
    """
    if not rule.is_active:
        return 0
    start = max(rule.starts_on, timezone.localdate())
    dates = list(_rule_dates(rule, start, until))
    if not dates:
        return 0
    taken = set(
        ReceptionDay.objects.filter(station_id=rule.station_id, date__range=(dates[0][0], dates[-1][0])).values_list(
            "date", flat=True
        )
    )
    residents = None
    created_rosters = []
    for day_date, index in dates:
        if day_date in taken:
            continue
        try:
            with transaction.atomic():
                day, created = ReceptionDay.objects.get_or_create(
                    station_id=rule.station_id,
                    date=day_date,
                    defaults={"start_time": rule.start_time, "end_time": rule.end_time, "rule": rule},
                )
        except IntegrityError:
            continue  # another worker created it between our get and create
        if not created:
            continue
        if residents is None:
            residents = list(rule.station.residents.order_by("id").values_list("pk", flat=True))
        created_rosters.append((day, _rotation(residents, index, rule.duty_min, rule.duty_max)))
    through = ReceptionDay.on_duty.through
    through.objects.bulk_create(
        [
            through(receptionday_id=day.pk, representative_id=rep_id)
            for day, roster in created_rosters
            for rep_id in roster
        ],
        ignore_conflicts=True,
    )
    return len(created_rosters)


@transaction.atomic
def reception_day_create(
    *,
    station: Station,
    by,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    on_duty: Iterable = (),
    note: str = "",
) -> ReceptionDay:
    """Schedule a single reception day outside any rule.

    A past date is allowed, so that a reception held before it was entered can
    still be recorded. Raises ``PermissionDenied`` when ``by`` may not manage
    the station and ``ValidationError`` when the station already has a day on
    that date, the end is not after the start, or someone on duty is not
    resident at the station.
    """
    _check_manager(by, station)
    _check_times(start_time, end_time)
    on_duty = _check_residents(station, on_duty, "on_duty")
    if ReceptionDay.objects.filter(station=station, date=date).exists():
        raise ValidationError({"date": _("This station already has a reception day on that date.")})
    try:
        with transaction.atomic():
            day = ReceptionDay.objects.create(
                station=station, date=date, start_time=start_time, end_time=end_time, note=note.strip()
            )
    except IntegrityError:
        raise ValidationError({"date": _("This station already has a reception day on that date.")}) from None
    day.on_duty.set(on_duty)
    return day


@transaction.atomic
def reception_day_set_roster(*, day: ReceptionDay, by, representatives: Iterable) -> ReceptionDay:
    """Name the representatives on duty. Raises ``PermissionDenied`` or ``ValidationError`` for non-residents."""
    _check_manager(by, day.station)
    representatives = _check_residents(day.station, representatives, "representatives")
    day.on_duty.set(representatives)
    return day


def reception_days_flag_missed(*, now: dt.datetime) -> int:
    """Flag the days that ended with no visit logged; returns how many were flagged now.

    One conditional ``UPDATE``: a day already flagged, cancelled, or with a
    visit is never touched, so a repeated or concurrent sweep does nothing.
    Times are the stations' local time (Asia/Shanghai).
    """
    local = timezone.localtime(now)
    ended = Q(date__lt=local.date()) | Q(date=local.date(), end_time__lte=local.time())
    return (
        ReceptionDay.objects.filter(ended, is_cancelled=False, missed_flagged_at__isnull=True)
        .exclude(Exists(Visit.objects.filter(reception_day=OuterRef("pk"))))
        .update(missed_flagged_at=now)
    )
