"""履职量化考评: points per representative per quarter, traceable to the records that earned them.

Scores are never stored: they are computed from the records (reception-day duties,
suggestions, activities, timeline events) and the committee's :class:`ScoringRule`
rows, so recomputing a period always gives the same result and a corrected record
corrects the score. A rule's cap applies per quarter; a year's score is the sum
of its four quarters.

What each rule counts, for one representative:

- *duty*: a reception day in the quarter, up to today, on whose roster they were, not
  cancelled and not flagged as missed;
- *triage*: a suggestion they assigned to units, answered directly or declined within
  the rule's working days of its receipt (counted on the day they acted);
- *satisfied*: a suggestion they assessed, closed 满意 (on the day it closed);
- *activity*: an activity of the rule's kind they took part in;
- *proposal*: a suggestion they marked for a formal proposal (on the day they marked it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, IntegerField, Min, Value
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import workdays
from stations.models import ReceptionDay
from suggestions.models import Event, Outcome, Suggestion
from suggestions.workflow import Action

from .models import Activity, ScoringRule

TRIAGE_ACTIONS = (Action.ASSIGN, Action.ANSWER_DIRECTLY, Action.DECLINE)
PERIOD_RE = re.compile(r"^(\d{4})(?:Q([1-4]))?$")


@dataclass(frozen=True)
class Period:
    key: str  # "2026" or "2026Q3"
    start: dt.date
    end: dt.date  # inclusive

    @property
    def label(self) -> str:
        year, _sep, quarter = self.key.partition("Q")
        if quarter:
            return _("%(year)s, quarter %(quarter)s") % {"year": year, "quarter": quarter}
        return _("%(year)s, whole year") % {"year": year}

    def quarters(self) -> list[Period]:
        year = self.start.year
        if "Q" in self.key:
            return [self]
        return [quarter_of(dt.date(year, 3 * q - 2, 1)) for q in range(1, 5)]


def quarter_of(day: dt.date) -> Period:
    q = (day.month - 1) // 3 + 1
    start = dt.date(day.year, 3 * q - 2, 1)
    end = (dt.date(day.year + (q == 4), (3 * q) % 12 + 1, 1)) - dt.timedelta(days=1)
    return Period(f"{day.year}Q{q}", start, end)


def parse_period(value: str, today: dt.date | None = None) -> Period:
    """``2026`` or ``2026Q3``; anything else means the current quarter."""
    today = today or timezone.localdate()
    match = PERIOD_RE.match((value or "").strip().upper())
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        return quarter_of(today)
    year, quarter = int(match.group(1)), match.group(2)
    if quarter:
        return quarter_of(dt.date(year, 3 * int(quarter) - 2, 1))
    return Period(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))


def period_choices(today: dt.date | None = None, years: int = 3) -> list[tuple[str, str]]:
    today = today or timezone.localdate()
    choices = []
    for year in range(today.year, today.year - years, -1):
        last_quarter = (today.month - 1) // 3 + 1 if year == today.year else 4
        choices.append((str(year), parse_period(str(year)).label))
        choices += [(f"{year}Q{q}", parse_period(f"{year}Q{q}").label) for q in range(last_quarter, 0, -1)]
    return choices


@dataclass
class Record:
    """One thing a representative did that a rule counts."""

    date: dt.date
    text: str
    url: str = ""
    counted: bool = True


@dataclass
class RuleScore:
    rule: ScoringRule
    records: list[Record] = field(default_factory=list)
    points: Decimal = Decimal("0")

    @property
    def capped(self) -> bool:
        return any(not r.counted for r in self.records)


def _aware(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _simple_records(basis: str, reps, start: dt.date, end: dt.date, today: dt.date):
    """Duties, closures and activities in [start, end] with ``rep``, ``kind``, ``day``, ``ref`` and ``text``.

    The one definition of what these rules count, read record by record for a
    representative's page and grouped by quarter for the ranking. ``None`` for the
    rules that need each item's first step (triage, proposals).
    """
    if basis == ScoringRule.Basis.DUTY:
        return ReceptionDay.on_duty.through.objects.filter(
            representative__in=reps,
            receptionday__date__gte=start,
            receptionday__date__lte=min(end, today),
            receptionday__is_cancelled=False,
            receptionday__missed_flagged_at__isnull=True,
        ).annotate(
            rep=F("representative_id"),
            kind=Value(None, IntegerField()),
            day=F("receptionday__date"),
            ref=F("receptionday_id"),
            text=F("receptionday__station__name"),
        )
    if basis == ScoringRule.Basis.SATISFIED:
        return Suggestion.objects.filter(
            assessor__in=reps,
            outcome=Outcome.SATISFIED,
            closed_at__gte=_aware(start),
            closed_at__lt=_aware(end + dt.timedelta(days=1)),
        ).annotate(
            rep=F("assessor_id"), kind=Value(None, IntegerField()), day=F("closed_at"), ref=F("tracking_code"),
            text=F("title"),
        )  # fmt: skip
    if basis == ScoringRule.Basis.ACTIVITY:
        return Activity.representatives.through.objects.filter(
            representative__in=reps, activity__date__gte=start, activity__date__lte=end
        ).annotate(
            rep=F("representative_id"), kind=F("activity__kind_id"), day=F("activity__date"), ref=F("activity_id"),
            text=F("activity__title"),
        )  # fmt: skip
    return None


def _label(basis: str, ref, text: str) -> tuple[str, str]:
    if basis == ScoringRule.Basis.DUTY:
        return _("Reception day at %(station)s") % {"station": text}, reverse("reception:day", args=[ref])
    if basis == ScoringRule.Basis.SATISFIED:
        return text, reverse("suggestions:detail", args=[ref])
    return text, reverse("activities:detail", args=[ref])


def _rows(basis: str, reps, start: dt.date, end: dt.date, today: dt.date, labels: bool, within_days: int = 0):
    """(representative id, date, activity kind id, text, url) for every record of ``basis`` in [start, end]."""
    since, until = _aware(start), _aware(end + dt.timedelta(days=1))
    records = _simple_records(basis, reps, start, end, today)
    if records is not None:
        for rep, day, kind, ref, text in records.values_list("rep", "day", "kind", "ref", "text").order_by("day", "pk"):
            if isinstance(day, dt.datetime):
                day = timezone.localdate(day)
            yield (rep, day, kind, *(_label(basis, ref, text) if labels else ("", "")))
    elif basis in (ScoringRule.Basis.PROPOSAL, ScoringRule.Basis.TRIAGE):
        actions = (Action.MARK_PROPOSAL,) if basis == ScoringRule.Basis.PROPOSAL else TRIAGE_ACTIONS
        # The first such step on each item, wherever it falls, counts in the period it falls in: an item
        # handed back and assigned again next quarter is not counted twice.
        first = (
            # Events after the period cannot be anyone's first within it: only the lower bound must stay open.
            Event.objects.filter(action__in=actions, actor__representative__in=reps, created_at__lt=until)
            .values("actor__representative", "suggestion_id", "suggestion__received_at")
            .annotate(at=Min("created_at"))
            .filter(at__gte=since, at__lt=until)
            .order_by("at")
        )
        rows = list(first)
        titles = {}
        if labels:  # for one representative's page: a second, small query for what the rows are called
            titles = {
                pk: (code, title)
                for pk, code, title in Suggestion.objects.filter(pk__in=[r["suggestion_id"] for r in rows]).values_list(
                    "pk", "tracking_code", "title"
                )
            }
        deadlines: dict[dt.date, dt.date] = {}
        for row in rows:
            acted = timezone.localdate(row["at"])
            if basis == ScoringRule.Basis.TRIAGE:
                received = timezone.localdate(row["suggestion__received_at"])
                if received not in deadlines:
                    deadlines[received] = workdays.add_workdays(received, within_days)
                if acted > deadlines[received]:
                    continue
            code, title = titles.get(row["suggestion_id"], ("", ""))
            url = reverse("suggestions:detail", args=[code]) if labels and code else ""
            yield row["actor__representative"], acted, None, title, url


def _records_by_rule(rules, reps, period: Period, today: dt.date, labels: bool):
    """{rule id: {(rep, quarter key): [Record]}} with one query per kind of record, whatever the period."""
    by_basis: dict[str, list[ScoringRule]] = defaultdict(list)
    for rule in rules:
        by_basis[rule.basis].append(rule)
    result: dict[int, dict] = {rule.pk: defaultdict(list) for rule in rules}
    for basis, basis_rules in by_basis.items():
        within = next((r.within_days for r in basis_rules if r.within_days is not None), 0)
        by_kind = {r.activity_kind_id: r for r in basis_rules}
        for rep, day, kind, text, url in _rows(basis, reps, period.start, period.end, today, labels, within):
            rule = by_kind.get(kind) if basis == ScoringRule.Basis.ACTIVITY else basis_rules[0]
            if rule is not None:
                result[rule.pk][(rep, quarter_of(day).key)].append(Record(day, text, url))
    return result


def _apply(rule: ScoringRule, records: list[Record]) -> Decimal:
    """Points of one rule for one representative in one quarter; records past the cap are marked uncounted."""
    total = Decimal("0")
    for record in records:
        if rule.cap is not None and total + rule.points > rule.cap:
            gained = max(Decimal("0"), rule.cap - total)
            record.counted = gained > 0
            total += gained
        else:
            total += rule.points
    return total


def active_rules() -> list[ScoringRule]:
    return list(ScoringRule.objects.filter(is_active=True).select_related("activity_kind"))


def breakdown(representative, period: Period, today: dt.date | None = None) -> tuple[Decimal, list[RuleScore]]:
    """One representative's score in ``period`` with, for each rule, the records that earned it."""
    today = today or timezone.localdate()
    rules = active_rules()
    records = _records_by_rule(rules, [representative.pk], period, today, labels=True)
    result, total = [], Decimal("0")
    for rule in rules:
        score = RuleScore(rule)
        for quarter in period.quarters():
            quarter_records = records[rule.pk].get((representative.pk, quarter.key), [])
            score.points += _apply(rule, quarter_records)
            score.records += quarter_records
        total += score.points
        result.append(score)
    return total, result


def _quarter_key(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _counts(basis: str, reps, period: Period, today: dt.date, within_days: int) -> Counter:
    """Records per (representative, activity kind, quarter) for many representatives at once.

    Duties, closures and activities are counted by the database (grouped by quarter);
    triage and proposals need each item's first step, so their rows come back and are
    counted here.
    """
    grouped = _simple_records(basis, reps, period.start, period.end, today)
    counts: Counter = Counter()
    if grouped is not None:
        rows = (
            grouped.annotate(y=ExtractYear("day"), q=ExtractQuarter("day"))
            .values("rep", "kind", "y", "q")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            counts[(row["rep"], row["kind"], f"{row['y']}Q{row['q']}")] += row["n"]
        return counts
    for rep, day, kind, _text, _url in _rows(basis, reps, period.start, period.end, today, False, within_days):
        counts[(rep, kind, _quarter_key(day))] += 1
    return counts


def scores(reps, period: Period, today: dt.date | None = None) -> dict[int, dict]:
    """Totals for many representatives (``reps``: ids or a subquery): {id: {"total", "by_rule": {rule_id: points}}}.

    The same points as :func:`breakdown`, counted without fetching each record: one query per kind of record.
    """
    today = today or timezone.localdate()
    rules = active_rules()
    by_basis: dict[str, list[ScoringRule]] = defaultdict(list)
    for rule in rules:
        by_basis[rule.basis].append(rule)
    result: dict[int, dict] = defaultdict(lambda: {"total": Decimal("0"), "by_rule": {}})
    for basis, basis_rules in by_basis.items():
        within = next((r.within_days for r in basis_rules if r.within_days is not None), 0)
        by_kind = {r.activity_kind_id: r for r in basis_rules}
        for (rep, kind, _quarter), n in _counts(basis, reps, period, today, within).items():
            rule = by_kind.get(kind) if basis == ScoringRule.Basis.ACTIVITY else basis_rules[0]
            if rule is None:
                continue
            points = rule.points * n
            if rule.cap is not None:
                points = min(points, rule.cap)
            entry = result[rep]
            entry["total"] += points
            entry["by_rule"][rule.pk] = entry["by_rule"].get(rule.pk, Decimal("0")) + points
    return dict(result)
