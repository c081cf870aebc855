"""``manage.py bench_data``: the facts the dashboard benchmark relies on, and a reset that removes only its city."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from activities.models import Activity, ActivityKind, ScoringRule
from core import workdays
from devtools.management.commands.bench_data import CITY
from devtools.testing import factories as f
from representatives.models import CongressMembership, Representative, Residency
from stations.models import IndustryChain, ReceptionDay, ReceptionRule, Region, Station, Visit
from suggestions.models import Assignment, Event, HandlingUnit, Outcome, Rating, Reply, Stage, Suggestion
from suggestions.workflow import Action

pytestmark = pytest.mark.django_db

SIZES = {"suggestions": 300, "stations": 6, "representatives": 24, "units": 4}
ASSIGNED = (Stage.ASSIGN, Stage.FEEDBACK, Stage.CLOSED)
RATED = (Outcome.SATISFIED, Outcome.BASICALLY_SATISFIED)
ON_DUTY = ReceptionDay.on_duty.through
RECEIVED_BY = Visit.received_by.through
PARTICIPANTS = Activity.representatives.through
EVERY_MODEL = [
    Region,
    Station,
    IndustryChain,
    ReceptionRule,
    ReceptionDay,
    ON_DUTY,
    Visit,
    RECEIVED_BY,
    Station.standard_items_met.through,
    Representative,
    Residency,
    CongressMembership,
    HandlingUnit,
    Suggestion,
    Event,
    Assignment,
    Reply,
    Rating,
    Activity,
    PARTICIPANTS,
    get_user_model(),
]


def build(**options) -> str:
    out = io.StringIO()
    call_command("bench_data", stdout=out, **SIZES, **options)
    return out.getvalue()


def counts() -> dict:
    return {model._meta.label: model.objects.count() for model in EVERY_MODEL}


@pytest.fixture
def other_data():
    """Someone else's city, station, representative and suggestion: the generator must never touch them."""
    station = f.StationFactory(name="别人的联络站")
    rep = f.RepresentativeFactory(name="别人的代表")
    f.ResidencyFactory(representative=rep, station=station)
    f.SuggestionFactory(station=station, assessor=rep)
    f.UserFactory(username="bench_sweep_city_admin")  # what ``bench sweep --keep`` leaves
    return counts()


def city_suggestions():
    return Suggestion.objects.filter(region__path__startswith=Region.objects.get(name=CITY, parent=None).path)


def test_the_benchmark_data_holds_together(other_data):
    output = build()

    assert "Built in" in output
    city = Region.objects.get(name=CITY, parent=None)
    stations = Station.objects.filter(region__path__startswith=city.path)
    suggestions = Suggestion.objects.filter(station__in=stations)
    assert stations.count() == 6
    assert suggestions.count() == 300
    assert set(suggestions.values_list("stage", flat=True)) == set(Stage.values)

    # Every item past assessment has exactly one live lead assignment; no item before it has any.
    leads = Assignment.objects.filter(suggestion=OuterRef("pk"), role=Assignment.Role.LEAD).exclude(
        status=Assignment.Status.RETURNED
    )
    assigned = suggestions.filter(stage__in=ASSIGNED)
    assert assigned.exists() and not assigned.filter(~Exists(leads)).exists()
    live = Q(assignments__role=Assignment.Role.LEAD) & ~Q(assignments__status=Assignment.Status.RETURNED)
    assert not assigned.annotate(n=Count("assignments", filter=live)).filter(n__gt=1).exists()
    assert not Assignment.objects.filter(suggestion__in=suggestions.exclude(stage__in=ASSIGNED)).exists()

    # Answered items: the lead replied, with a reply and the working days it took.
    for suggestion in suggestions.filter(stage__in=(Stage.FEEDBACK, Stage.CLOSED)).prefetch_related(
        "assignments__replies"
    ):
        lead = next(
            a
            for a in suggestion.assignments.all()
            if a.role == Assignment.Role.LEAD and a.status != Assignment.Status.RETURNED
        )
        assert lead.status == Assignment.Status.REPLIED
        assert [r.result for r in lead.replies.all()] != [] and suggestion.answer
        assert lead.reply_workdays == workdays.workdays_between(
            timezone.localdate(lead.created_at), timezone.localdate(lead.replied_at)
        )
        assert suggestion.received_at < lead.created_at <= lead.replied_at <= suggestion.stage_changed_at

    # Closed items: satisfied or basically satisfied ones carry the matching rating of their last round.
    closed = suggestions.filter(stage=Stage.CLOSED)
    assert not closed.filter(Q(closed_at=None) | Q(answer_released_at=None) | Q(outcome="")).exists()
    for suggestion in closed.filter(outcome__in=RATED):
        rating = suggestion.ratings.get(round=suggestion.redo_count)
        assert rating.verdict == suggestion.outcome
    assert not Rating.objects.filter(suggestion__in=closed.filter(outcome=Outcome.UNRATED), verdict__in=RATED).exists()
    reopened = Rating.objects.filter(suggestion__in=suggestions, verdict=Rating.Verdict.UNSATISFIED)
    assert set(reopened.values_list("suggestion", flat=True)) == set(
        suggestions.filter(redo_count=1).values_list("pk", flat=True)
    )

    # Timelines: nothing in the future, each stage entered after the item arrived.
    now = timezone.now()
    assert not suggestions.filter(Q(received_at__gt=now) | Q(stage_changed_at__gt=now) | Q(closed_at__gt=now)).exists()
    assert not suggestions.filter(stage_changed_at__lt=F("received_at")).exists()
    assert not suggestions.filter(stage=Stage.FEEDBACK, rating_due__lt=timezone.localdate()).exists()
    assert Event.objects.filter(suggestion__in=suggestions, kind=Event.Kind.RECEIVED).count() == 300

    # The assessor's portal account took the representative's steps: the scoring reads it from the events.
    steps = Event.objects.filter(suggestion__in=suggestions, action__in=(Action.ASSIGN, Action.MARK_PROPOSAL))
    assert steps.filter(actor__isnull=False).exists()
    assert (
        not steps.exclude(suggestion__assessor=None).exclude(actor__representative=F("suggestion__assessor")).exists()
    )

    # Assessors are resident at the item's station.
    resident = Residency.objects.filter(station=OuterRef("station"), representative=OuterRef("assessor"))
    assert suggestions.exclude(assessor=None).exists()
    assert not suggestions.exclude(assessor=None).filter(~Exists(resident)).exists()

    # Activities have 1–5 participants.
    activities = Activity.objects.filter(station__in=stations).annotate(n=Count("representatives"))
    assert activities.count() == 6 * 40
    assert not activities.filter(Q(n=0) | Q(n__gt=5)).exists()
    assert ActivityKind.objects.filter(name="立法调研").exists()
    assert ScoringRule.objects.filter(basis=ScoringRule.Basis.TRIAGE, within_days=3).exists()

    # Reception days have a roster of residents; held days without a visit are flagged as missed.
    days = ReceptionDay.objects.filter(station__in=stations)
    assert days.count() >= 6 * 24
    assert not days.annotate(n=Count("on_duty")).filter(n=0).exists()
    on_duty_resident = Residency.objects.filter(
        station=OuterRef("receptionday__station"), representative=OuterRef("representative")
    )
    assert not ON_DUTY.objects.filter(receptionday__in=days).filter(~Exists(on_duty_resident)).exists()
    held = days.filter(is_cancelled=False, date__lt=timezone.localdate()).annotate(n=Count("visits"))
    assert held.filter(n__gt=0).exists()
    assert set(held.filter(n=0).values_list("pk", flat=True)) == set(
        days.exclude(missed_flagged_at=None).values_list("pk", flat=True)
    )
    visits = Visit.objects.filter(reception_day__in=days).annotate(n=Count("received_by"))
    assert visits.exists() and not visits.filter(n=0).exists()


def fingerprint():
    return list(
        city_suggestions()
        .order_by("pk")
        .values_list("title", "stage", "outcome", "redo_count", "flagged", "assessor__name", "category__name")
    )


def test_reset_rebuilds_the_same_data_and_remove_leaves_only_the_rest(other_data):
    build()
    first = fingerprint()
    build(reset=True)
    assert fingerprint() == first  # the seed decides everything but the codes and the day it runs

    call_command("bench_data", remove=True, stdout=io.StringIO())

    assert not Region.objects.filter(name=CITY).exists()
    assert counts() == other_data
