"""Reads of the closed loop's pages: the inboxes, the supervision list and the detail page's panels.

Joins and prefetches are decided here, once, so that every list costs a fixed
number of queries whatever its length. Scoping follows :mod:`accounts.permissions`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from accounts import permissions
from representatives.models import Representative
from stations.models import ReceptionDay, Region
from suggestions.deadlines import GREEN, RED, YELLOW, colour
from suggestions.models import (
    Assignment,
    Event,
    ExtensionRequest,
    HandlingUnit,
    Notification,
    Reply,
    Stage,
    Suggestion,
)
from suggestions.workflow import (
    ACTIONS,
    ASSIGNMENT_ACTIONS,
    ASSIGNMENT_TRANSITIONS,
    LABELS,
    SUGGESTION_ACTIONS,
    Action,
    available_actions,
    pick_assessor,
)
from suggestions.workflow import OPEN_ASSIGNMENT as OPEN

COLOUR_CSS = {GREEN: "text-bg-success", YELLOW: "text-bg-warning", RED: "text-bg-danger"}


# Fetch and authorize -------------------------------------------------------------------------


def notification_for_user(user, pk: int) -> Notification:
    notification = Notification.objects.filter(pk=pk, user=user).first()
    if notification is None:
        raise Http404("no such notification")
    return notification


# Choices for the action forms ----------------------------------------------------------------


def representative_choices(suggestion: Suggestion) -> list[Representative]:
    """Who may be handed the item: the station's residents and today's duty roster, the addressed
    representative, the head. Each carries ``on_duty_today`` (for :func:`default_assessor_among`)."""
    today = timezone.localdate()
    on_duty = ReceptionDay.on_duty.through.objects.filter(
        representative_id=OuterRef("pk"),
        receptionday__station_id=suggestion.station_id,
        receptionday__date=today,
        receptionday__is_cancelled=False,
    )
    query = Q(residencies__station=suggestion.station_id) | Q(Exists(on_duty))
    if suggestion.representative_id:
        query |= Q(pk=suggestion.representative_id)
    if suggestion.station.head_id:
        query |= Q(pk=suggestion.station.head_id)
    return list(
        Representative.objects.filter(query).annotate(on_duty_today=Exists(on_duty)).distinct().order_by("name", "id")
    )


def default_assessor_among(suggestion: Suggestion, representatives: list[Representative]):
    """The default assessor (:func:`suggestions.workflow.pick_assessor`) read from :func:`representative_choices`,
    with no query."""
    by_pk = {r.pk: r for r in representatives}
    on_duty = sorted((r for r in representatives if r.on_duty_today), key=lambda r: r.pk)
    return pick_assessor(
        addressed=by_pk.get(suggestion.representative_id),
        first_on_duty=on_duty[0] if on_duty else None,
        head=by_pk.get(suggestion.station.head_id),
    )


def unit_choices(suggestion: Suggestion) -> list[HandlingUnit]:
    """Active units of the suggestion's region, its ancestors (the county's bureaus) or inside it."""
    region = suggestion.region
    return list(
        HandlingUnit.objects.filter(is_active=True)
        .filter(Q(region_id__in=region.ancestor_ids()) | Q(region__path__startswith=region.path))
        .select_related("region")
        .order_by("region__path", "name")
    )


def default_assessors(suggestions) -> dict[int, Representative | None]:
    """The default assessor (:func:`suggestions.workflow.pick_assessor`) of each item, in at most one query."""
    result: dict[int, Representative | None] = {}
    need_duty = [s for s in suggestions if not s.representative_id]
    duty: dict[int, Representative] = {}
    if need_duty:
        days = ReceptionDay.objects.filter(
            station_id__in={s.station_id for s in need_duty}, date=timezone.localdate(), is_cancelled=False
        ).prefetch_related(Prefetch("on_duty", queryset=Representative.objects.order_by("id")))
        for day in days:
            first = next(iter(day.on_duty.all()), None)
            if first is not None:
                duty[day.station_id] = first
    for s in suggestions:
        addressed = s.representative if s.representative_id else None
        result[s.pk] = pick_assessor(addressed=addressed, first_on_duty=duty.get(s.station_id), head=s.station.head)
    return result


# Colours -------------------------------------------------------------------------------------


def assignment_colour(assignment: Assignment, today: dt.date) -> str:
    """Red when flagged or late (to accept or to reply), yellow when the reply is due soon, else green."""
    if assignment.status == Assignment.Status.PENDING and assignment.accept_due < today:
        return RED
    return colour(assignment.reply_due, today, flagged=assignment.flagged)


def _paint(assignments, today):
    for a in assignments:
        a.colour = assignment_colour(a, today) if a.status in OPEN else ""
        a.colour_css = COLOUR_CSS.get(a.colour, "text-bg-light border")
    return assignments


# Inboxes -------------------------------------------------------------------------------------


def station_inbox(user) -> QuerySet:
    """Items at collect at the user's stations, and answers from the units awaiting release there."""
    stations = permissions.staff_station_ids(user)
    awaiting_release = Q(stage=Stage.FEEDBACK, answer_released_at__isnull=True)
    return (
        Suggestion.objects.filter(station__in=stations, duplicate_of__isnull=True)
        .filter(Q(stage=Stage.COLLECT) | awaiting_release)
        .select_related("station", "station__head", "category", "representative")
        .annotate(todo=Case(When(stage=Stage.COLLECT, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("todo", "received_at", "id")
    )


def station_inbox_rows(page) -> list[Suggestion]:
    """Attach the default assessor to the page's items at collect (one query for today's rosters)."""
    rows = list(page)
    collect = [s for s in rows if s.stage == Stage.COLLECT]
    defaults = default_assessors(collect)
    for s in rows:
        s.default_assessor = defaults.get(s.pk)
    return rows


def residents_by_station(station_ids) -> dict[int, list[Representative]]:
    """The residents of each station, for the inbox's hand-over selects (one query)."""
    mapping: dict[int, list[Representative]] = {pk: [] for pk in station_ids}
    residents = (
        Representative.objects.filter(residencies__station__in=station_ids)
        .annotate(station_pk=F("residencies__station"))
        .order_by("name", "id")
    )
    for rep in residents:
        mapping.setdefault(rep.station_pk, []).append(rep)
    return mapping


def representative_inbox(user) -> QuerySet:
    """Items at assess for this representative, and answers awaiting their release."""
    rep = permissions.representative_id(user)
    if not rep:
        return Suggestion.objects.none()
    to_assess = Q(stage=Stage.ASSESS) & (Q(assessor=rep) | Q(representative=rep))
    to_release = Q(stage=Stage.FEEDBACK, answer_released_at__isnull=True, assessor=rep)
    return (
        Suggestion.objects.filter(duplicate_of__isnull=True)
        .filter(to_assess | to_release)
        .select_related("station", "category")
        .annotate(todo=Case(When(stage=Stage.ASSESS, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("todo", "-flagged", "-under_committee_supervision", "stage_changed_at", "received_at", "id")
    )


def unit_inbox(user) -> QuerySet:
    """Open assignments of the user's units: to accept first, then by reply deadline."""
    return (
        Assignment.objects.filter(
            unit__in=permissions.handling_unit_ids(user), status__in=OPEN, suggestion__stage=Stage.ASSIGN
        )
        .select_related("suggestion", "suggestion__station", "unit", "responsible")
        .annotate(
            todo=Case(
                When(status=Assignment.Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("todo", "reply_due", "id")
    )


def paint_page(page, today: dt.date | None = None) -> list:
    return _paint(list(page), today or timezone.localdate())


# Supervision -----------------------------------------------------------------------------------


def _regions(user):
    return Region.objects.filter(permissions.visible_regions_q(user)).values("pk")


def overdue_assignments(user, today: dt.date) -> QuerySet:
    late = Q(reply_due__lt=today) | Q(status=Assignment.Status.PENDING, accept_due__lt=today)
    return (
        Assignment.objects.filter(
            status__in=OPEN, suggestion__stage=Stage.ASSIGN, suggestion__region__in=_regions(user)
        )
        .filter(late)
        .select_related("suggestion", "suggestion__station", "unit", "responsible")
        .order_by("reply_due", "id")
    )


def flagged_suggestions(user) -> QuerySet:
    return (
        Suggestion.objects.filter(flagged=True, region__in=_regions(user), duplicate_of__isnull=True)
        .exclude(stage=Stage.CLOSED)
        .select_related("station", "assessor")
        .order_by("received_at", "id")
    )


def supervised_suggestions(user) -> QuerySet:
    return (
        Suggestion.objects.filter(
            under_committee_supervision=True, region__in=_regions(user), duplicate_of__isnull=True
        )
        .exclude(stage=Stage.CLOSED)
        .select_related("station", "assessor")
        .order_by("received_at", "id")
    )


def pending_extensions(user) -> QuerySet:
    return (
        ExtensionRequest.objects.filter(
            status=ExtensionRequest.Status.PENDING,
            assignment__suggestion__region__in=_regions(user),
            assignment__suggestion__stage=Stage.ASSIGN,
        )
        .select_related("assignment", "assignment__unit", "assignment__suggestion", "requested_by")
        .order_by("created_at", "id")
    )


SUPERVISION_TABS = ("overdue", "extensions", "flagged", "supervised")


def supervision_list(user, tab: str, today: dt.date) -> QuerySet:
    """The rows of one tab of the supervision page, scoped to the admin's region subtree."""
    if tab == "overdue":
        return overdue_assignments(user, today)
    if tab == "extensions":
        return pending_extensions(user)
    if tab == "flagged":
        return flagged_suggestions(user)
    return supervised_suggestions(user)


def supervision_counts(user, today: dt.date) -> dict[str, int]:
    """How many rows each tab holds, in one query per tab."""
    return {tab: supervision_list(user, tab, today).count() for tab in SUPERVISION_TABS}


# Notifications -------------------------------------------------------------------------------


def notifications_for(user) -> QuerySet:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


# The detail page -----------------------------------------------------------------------------

def assignment_actions_for(assignment: Assignment, available: set[str], my_units: set[int]) -> list[str]:
    """Which of the units' steps this assignment offers the user now: those its status allows (the
    assignment-status table), for its role (lead or co-unit), less those with nothing left to do."""
    if assignment.unit_id not in my_units:
        return []
    lead = assignment.role == Assignment.Role.LEAD
    return [
        action
        for action in ASSIGNMENT_ACTIONS
        if action in available
        and (assignment.status, action) in ASSIGNMENT_TRANSITIONS
        and ACTIONS[action].lead in (None, lead)
        and (ACTIONS[action].offered is None or ACTIONS[action].offered(assignment))
    ]


def suggestion_actions_for(suggestion: Suggestion, available: set[str]) -> list[str]:
    """Which of the item-wide steps to offer: the table's, less those with nothing left to do."""
    return [
        action
        for action in SUGGESTION_ACTIONS
        if action in available and (ACTIONS[action].offered is None or ACTIONS[action].offered(suggestion))
    ]


def lead_reply_text(suggestion: Suggestion) -> str:
    """The latest reply of the lead unit: what the release form starts from."""
    replies = [
        r
        for a in suggestion.assignments.all()
        if a.role == Assignment.Role.LEAD
        for r in a.replies.all()
        if r.result != Reply.Result.OPINION
    ]
    return max(replies, key=lambda r: (r.created_at, r.pk)).text if replies else ""


@dataclass
class TimelineEntry:
    event: Event
    label: str
    who: str


def timeline(suggestion: Suggestion) -> list[TimelineEntry]:
    from django.utils.translation import gettext as _

    entries = []
    for e in suggestion.events.all():
        label = str(LABELS[e.action]) if e.action in LABELS else e.get_kind_display()
        if e.actor_id:
            who = str(e.actor)
        elif e.action in (Action.RATE_ACCEPT, Action.RATE_REJECT) or e.kind == Event.Kind.RECEIVED:
            who = _("Citizen")
        else:
            who = _("System")
        entries.append(TimelineEntry(event=e, label=label, who=who))
    return entries


@dataclass
class DetailPanels:
    available: set[str]
    suggestion_actions: list[str]
    assignments: list[Assignment]
    assignment_actions: dict[int, list[str]] = field(default_factory=dict)
    pending_extensions: list[ExtensionRequest] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)


def detail_panels(user, suggestion: Suggestion, today: dt.date | None = None) -> DetailPanels:
    """What the detail page's loop panels show this user: the 三知 of each assignment and their actions."""
    today = today or timezone.localdate()
    available = set(available_actions(user, suggestion))
    my_units = set(permissions.handling_unit_ids(user)) if available else set()
    assignments = _paint(list(suggestion.assignments.all()), today)
    extensions = []
    if Action.DECIDE_EXTENSION in available:
        extensions = [
            r for a in assignments for r in a.extension_requests.all() if r.status == ExtensionRequest.Status.PENDING
        ]
    return DetailPanels(
        available=available,
        suggestion_actions=suggestion_actions_for(suggestion, available),
        assignments=assignments,
        assignment_actions={a.pk: assignment_actions_for(a, available, my_units) for a in assignments},
        pending_extensions=extensions,
        timeline=timeline(suggestion),
    )
