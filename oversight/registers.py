"""The station's books (台账) as views over the records: never hand-kept copies.

- 接待登记簿 (``reception``): one line per visit on a reception day;
- 意见建议办理簿 (``suggestions``): one line per suggestion with its routing, deadlines,
  reply and rating;
- 活动记录簿 (``activities``): one line per activity.

Rows are produced in batches (``BATCH`` records, then one query per related table
for the batch), so the page, the immediate download and the background export
all read the same way and memory stays flat whatever the size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from types import SimpleNamespace

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import permissions
from activities.models import Activity, ActivityPhoto
from stations.models import ReceptionDay, Station, Visit
from suggestions.models import Assignment, Channel, Rating, Reply, Stage, Suggestion

BATCH = 2000


@dataclass
class Scope:
    """Which records a register covers: one station or every station the user manages, and a date range."""

    stations: QuerySet
    station: Station | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def params(self) -> dict:
        params = {}
        if self.station is not None:
            params["station"] = self.station.code
        if self.date_from:
            params["from"] = self.date_from.isoformat()
        if self.date_to:
            params["to"] = self.date_to.isoformat()
        return params


def register_scope(user, *, station_code: str = "", date_from=None, date_to=None) -> Scope:
    """Stations the user keeps the books of (staff: theirs; committee: their region's); 404 outside them."""
    stations = Station.objects.filter(permissions.managed_stations_q(user))
    station = None
    if station_code:
        station = stations.filter(code=station_code).first()
        if station is None:
            raise Http404("no such station")
        stations = stations.filter(pk=station.pk)
    return Scope(stations=stations, station=station, date_from=date_from, date_to=date_to)


def _within(queryset, field: str, scope):
    """The rows whose date ``field`` falls within the scope's dates (either end may be left open)."""
    if scope.date_from:
        queryset = queryset.filter(**{f"{field}__gte": scope.date_from})
    if scope.date_to:
        queryset = queryset.filter(**{f"{field}__lte": scope.date_to})
    return queryset


def _batched(iterable, size: int = BATCH):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _aware(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _local(value: dt.datetime | None, fmt: str = "%Y-%m-%d") -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""


def _labels(choices) -> dict[str, str]:
    """Choice labels as plain text in the active language (spreadsheet cells take no lazy strings)."""
    return {value: str(label) for value, label in choices.choices}


class Register:
    key = ""
    title = ""
    columns: list = []

    def queryset(self, scope: Scope) -> QuerySet:
        raise NotImplementedError

    def count(self, scope: Scope) -> int:
        return self.queryset(scope).count()

    def rows(self, user, scope: Scope, queryset: QuerySet | None = None) -> Iterator[list]:
        raise NotImplementedError

    def headers(self) -> list[str]:
        return [str(c) for c in self.columns]


class SuggestionRegister(Register):
    key = "suggestions"
    title = gettext_lazy("Register of suggestions and their handling (意见建议办理簿)")
    columns = [
        gettext_lazy("Tracking code"),
        gettext_lazy("Received"),
        gettext_lazy("Station"),
        gettext_lazy("Channel"),
        gettext_lazy("Category"),
        gettext_lazy("Title"),
        gettext_lazy("Content"),
        gettext_lazy("Enterprise"),
        gettext_lazy("Citizen"),
        gettext_lazy("Mobile number"),
        gettext_lazy("Assessing representative"),
        gettext_lazy("Lead unit"),
        gettext_lazy("Co-units"),
        gettext_lazy("Accept by"),
        gettext_lazy("Reply by"),
        gettext_lazy("Replied"),
        gettext_lazy("Result"),
        gettext_lazy("Answer to the citizen"),
        gettext_lazy("Rating"),
        gettext_lazy("Stage"),
        gettext_lazy("Closed"),
    ]

    def queryset(self, scope):
        items = Suggestion.objects.filter(station__in=scope.stations.values("pk"), duplicate_of__isnull=True)
        if scope.date_from:
            items = items.filter(received_at__gte=_aware(scope.date_from))
        if scope.date_to:
            items = items.filter(received_at__lt=_aware(scope.date_to + dt.timedelta(days=1)))
        return items.order_by("received_at", "id")

    def rows(self, user, scope, queryset=None):
        channels, stages = _labels(Channel), _labels(Stage)
        results, verdicts = _labels(Reply.Result), _labels(Rating.Verdict)
        fields = (
            "id", "tracking_code", "received_at", "station_id", "station__name", "channel", "category__name",
            "title", "content", "is_enterprise", "enterprise_name", "submitter_name", "submitter_phone",
            "assessor__name", "answer", "stage", "closed_at",
        )  # fmt: skip
        items = (queryset if queryset is not None else self.queryset(scope)).values_list(*fields)
        for batch in _batched(items.iterator(chunk_size=BATCH)):
            ids = [row[0] for row in batch]
            leads, cos = {}, defaultdict(list)
            for sid, role, unit, accept_due, reply_due, replied_at in (
                Assignment.objects.filter(suggestion_id__in=ids)
                .exclude(status__in=(Assignment.Status.WITHDRAWN, Assignment.Status.RETURNED))
                .values_list("suggestion_id", "role", "unit__name", "accept_due", "reply_due", "replied_at")
                .order_by("created_at", "id")
            ):
                if role == Assignment.Role.LEAD:
                    leads[sid] = (unit, accept_due, reply_due, replied_at)
                else:
                    cos[sid].append(unit)
            replies = dict(
                Reply.objects.filter(assignment__suggestion_id__in=ids, assignment__role=Assignment.Role.LEAD)
                .values_list("assignment__suggestion_id", "result")
                .order_by("created_at", "id")
            )
            ratings = dict(
                Rating.objects.filter(suggestion_id__in=ids)
                .values_list("suggestion_id", "verdict")
                .order_by("round", "id")
            )
            for row in batch:
                (sid, code, received, station_id, station, channel, category, title, content, enterprise,
                 enterprise_name, name, phone, assessor, answer, stage, closed) = row  # fmt: skip
                unit, accept_due, reply_due, replied_at = leads.get(sid, ("", None, None, None))
                shown = permissions.phone_shown_to(user, SimpleNamespace(station_id=station_id), phone)
                yield [
                    code,
                    _local(received, "%Y-%m-%d %H:%M"),
                    station,
                    channels.get(channel, channel),
                    category or "",
                    title,
                    content,
                    enterprise_name or (_("Yes") if enterprise else ""),
                    name,
                    shown,
                    assessor or "",
                    unit,
                    "、".join(cos.get(sid, [])),
                    accept_due.isoformat() if accept_due else "",
                    reply_due.isoformat() if reply_due else "",
                    _local(replied_at),
                    results.get(replies.get(sid), ""),
                    answer,
                    verdicts.get(ratings.get(sid), ""),
                    stages.get(stage, stage),
                    _local(closed),
                ]


class ReceptionRegister(Register):
    key = "reception"
    title = gettext_lazy("Register of reception days and visitors (接待登记簿)")
    columns = [
        gettext_lazy("Date"),
        gettext_lazy("Time"),
        gettext_lazy("Station"),
        gettext_lazy("Representatives on duty"),
        gettext_lazy("Visitor"),
        gettext_lazy("Mobile number"),
        gettext_lazy("Received by"),
        gettext_lazy("What was raised"),
        gettext_lazy("Answered on the spot"),
        gettext_lazy("Suggestions made"),
    ]

    def queryset(self, scope):
        visits = Visit.objects.filter(reception_day__station__in=scope.stations.values("pk"))
        return _within(visits, "reception_day__date", scope).order_by("reception_day__date", "created_at", "id")

    def rows(self, user, scope, queryset=None):
        fields = (
            "id", "reception_day_id", "reception_day__date", "reception_day__start_time", "reception_day__end_time",
            "reception_day__station_id", "reception_day__station__name", "visitor_name", "visitor_phone", "summary",
            "answered_on_spot", "spot_answer",
        )  # fmt: skip
        visits = (queryset if queryset is not None else self.queryset(scope)).values_list(*fields)
        for batch in _batched(visits.iterator(chunk_size=BATCH)):
            ids = [row[0] for row in batch]
            day_ids = {row[1] for row in batch}
            duty, received, made = defaultdict(list), defaultdict(list), defaultdict(list)
            for day, name in ReceptionDay.on_duty.through.objects.filter(receptionday_id__in=day_ids).values_list(
                "receptionday_id", "representative__name"
            ):
                duty[day].append(name)
            for visit, name in Visit.received_by.through.objects.filter(visit_id__in=ids).values_list(
                "visit_id", "representative__name"
            ):
                received[visit].append(name)
            for visit, code in Suggestion.objects.filter(visit_id__in=ids).values_list("visit_id", "tracking_code"):
                made[visit].append(code)
            for vid, day_id, date, start, end, station_id, station, visitor, phone, summary, spot, answer in batch:
                yield [
                    date.isoformat(),
                    f"{start:%H:%M}–{end:%H:%M}",
                    station,
                    "、".join(duty.get(day_id, [])),
                    visitor or _("(not given)"),
                    permissions.phone_shown_to(user, SimpleNamespace(station_id=station_id), phone),
                    "、".join(received.get(vid, [])),
                    summary,
                    answer if spot else "",
                    " ".join(made.get(vid, [])),
                ]


class ActivityRegister(Register):
    key = "activities"
    title = gettext_lazy("Register of activities (活动记录簿)")
    columns = [
        gettext_lazy("Date"),
        gettext_lazy("Kind"),
        gettext_lazy("Station"),
        gettext_lazy("Title"),
        gettext_lazy("Participating representatives"),
        gettext_lazy("Summary"),
        gettext_lazy("Photos"),
    ]

    def queryset(self, scope):
        activities = Activity.objects.filter(station__in=scope.stations.values("pk"))
        return _within(activities, "date", scope).order_by("date", "id")

    def rows(self, user, scope, queryset=None):
        activities = (queryset if queryset is not None else self.queryset(scope)).values_list(
            "id", "date", "kind__name", "station__name", "title", "summary"
        )
        for batch in _batched(activities.iterator(chunk_size=BATCH)):
            ids = [row[0] for row in batch]
            people, photos = defaultdict(list), defaultdict(int)
            for activity, name in Activity.representatives.through.objects.filter(activity_id__in=ids).values_list(
                "activity_id", "representative__name"
            ):
                people[activity].append(name)
            for activity in ActivityPhoto.objects.filter(activity_id__in=ids).values_list("activity_id", flat=True):
                photos[activity] += 1
            for aid, date, kind, station, title, summary in batch:
                yield [date.isoformat(), kind, station, title, "、".join(people.get(aid, [])), summary, photos[aid]]


REGISTERS: dict[str, Register] = {r.key: r for r in (ReceptionRegister(), SuggestionRegister(), ActivityRegister())}


def get_register(key: str) -> Register:
    try:
        return REGISTERS[key]
    except KeyError:
        raise Http404("no such register") from None
