"""Reads of suggestions and handling units: joins, scoping and similarity decided once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, Func, OuterRef, Prefetch, Q, QuerySet, TextField, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from accounts import permissions
from core.codes import TRACKING_CODE_LENGTH, is_well_formed
from core.crypto import phone_digest
from core.sms import MOBILE_RE, normalize_phone
from stations.models import Region
from suggestions.deadlines import colour_conditions, late_q
from suggestions.models import (
    OPEN_STAGES,
    Assignment,
    Category,
    Event,
    ExtensionRequest,
    HandlingUnit,
    Outcome,
    Reply,
    Suggestion,
)


def units_for_user(user, *, query: str = "") -> QuerySet:
    units = (
        HandlingUnit.objects.filter(permissions.listed_units_q(user))
        .select_related("region", "region__parent")
        .annotate(handler_count=Count("handlers", distinct=True))
        .order_by("region__path", "name")
    )
    if query:
        units = units.filter(Q(name__icontains=query) | Q(short_name__icontains=query))
    return units


def active_categories() -> QuerySet:
    return Category.objects.filter(is_active=True)


class SearchText(Func):
    """A suggestion's title and content as one text: what the list's search looks in.

    On PostgreSQL one trigram index on ``UPPER()`` of this very expression
    serves the search (migration 0006; a test checks that the plan uses it).
    One index instead of one per column: a citizen's title is the start of
    their text, so its trigrams cost the index nothing more on every
    submission. The line break between the two keeps a match from spanning
    them.
    """

    template = "(%(expressions)s)"
    arg_joiner = " || E'\\n' || "
    output_field = TextField()

    def __init__(self):
        super().__init__("title", "content")

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, arg_joiner=" || char(10) || ", **extra_context)


def search(suggestions: QuerySet, query: str, *, user=None) -> QuerySet:
    """Suggestions whose title or content contains ``query`` (case-insensitive for Latin letters).

    A query that is a whole mobile number also finds the suggestions given with
    that number, among those whose numbers ``user`` may see in full: by the
    keyed hash stored beside the encrypted number, so only the whole number
    matches. Names and parts of numbers cannot be searched (they are stored
    encrypted).
    """
    matches = Q(search_text__icontains=query)
    phone = normalize_phone(query)
    if user is not None and MOBILE_RE.match(phone):
        matches |= Q(submitter_phone_hash=phone_digest(phone)) & permissions.full_phone_q(user)
    return suggestions.alias(search_text=SearchText()).filter(matches)


@dataclass
class SuggestionFilters:
    stage: str = ""
    channel: str = ""
    station: object = None
    category: object = None
    enterprise: str = ""  # "yes" / "no" / ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    query: str = ""
    include_merged: bool = False
    # Drill-downs from the dashboards.
    region: object = None
    station_kind: str = ""
    colour: str = ""  # red / yellow / green: the item's worst open assignment
    overdue: bool = False
    unit: object = None
    outcome: str = ""  # an Outcome value, or "ok" for 满意 or 基本满意
    replied: bool = False  # the lead unit has replied (what the on-time rate and reply days count)


def visible_suggestions(user) -> QuerySet:
    """Everything the user may see, with no filter applied (no joins: see permissions._committee_q)."""
    return Suggestion.objects.filter(permissions.visible_suggestions_q(user))


def suggestion_list(user, filters: SuggestionFilters | None = None) -> QuerySet:
    """The one suggestion list: scoped, filtered, searched, newest received first.

    The search matches title and content by substring, which works for Chinese
    without word segmentation (a trigram index serves it on PostgreSQL, see
    ``SearchText``).
    Merged duplicates are left out unless asked for, so counts are not inflated.
    """
    filters = filters or SuggestionFilters()
    suggestions = visible_suggestions(user)
    if not filters.include_merged:
        suggestions = suggestions.filter(duplicate_of__isnull=True)
    if filters.stage:
        suggestions = suggestions.filter(stage=filters.stage)
    if filters.channel:
        suggestions = suggestions.filter(channel=filters.channel)
    if filters.station is not None:
        suggestions = suggestions.filter(station=filters.station)
    if filters.category is not None:
        suggestions = suggestions.filter(category=filters.category)
    if filters.enterprise in ("yes", "no"):
        suggestions = suggestions.filter(is_enterprise=filters.enterprise == "yes")
    if filters.received_from:
        suggestions = suggestions.filter(received_at__date__gte=filters.received_from)
    if filters.received_to:
        suggestions = suggestions.filter(received_at__date__lte=filters.received_to)
    if filters.query:
        suggestions = search(suggestions, filters.query, user=user)
    suggestions = _drill_down(suggestions, filters)
    return suggestions.select_related("station", "category", "representative").order_by("-received_at", "-id")


def _drill_down(suggestions: QuerySet, filters: SuggestionFilters) -> QuerySet:
    """The dashboard's own definitions, so that a figure and the list behind it always agree."""
    if filters.region is not None:
        suggestions = suggestions.filter(
            region__in=Region.objects.filter(path__startswith=filters.region.path).values("pk")
        )
    if filters.station_kind:
        suggestions = suggestions.filter(station__kind=filters.station_kind)
    if filters.outcome == "ok":
        suggestions = suggestions.filter(outcome__in=(Outcome.SATISFIED, Outcome.BASICALLY_SATISFIED))
    elif filters.outcome:
        suggestions = suggestions.filter(outcome=filters.outcome)
    if filters.replied:
        suggestions = suggestions.filter(
            Exists(
                Assignment.objects.filter(
                    suggestion=OuterRef("pk"), role=Assignment.Role.LEAD, status=Assignment.Status.REPLIED
                )
            )
        )
    if not (filters.colour or filters.overdue or filters.unit is not None):
        return suggestions
    today = timezone.localdate()
    open_q, red, warm = colour_conditions(today)
    mine = Q(suggestion=OuterRef("pk"))
    if filters.unit is not None:
        mine &= Q(unit=filters.unit) & ~Q(status=Assignment.Status.WITHDRAWN)
    assignments = Assignment.objects.filter(mine)
    if filters.overdue:
        suggestions = suggestions.filter(Exists(assignments.filter(open_q & late_q(today))))
    if filters.colour == "red":
        suggestions = suggestions.filter(Exists(assignments.filter(red)))
    elif filters.colour == "yellow":
        suggestions = suggestions.filter(Exists(assignments.filter(warm))).exclude(Exists(assignments.filter(red)))
    elif filters.colour == "green":
        suggestions = suggestions.filter(Exists(assignments.filter(open_q))).exclude(Exists(assignments.filter(warm)))
    elif filters.unit is not None and not filters.overdue:
        suggestions = suggestions.filter(Exists(assignments))
    return suggestions


def assignments_prefetch() -> Prefetch:
    """An item's assignments with their units, responsible people, replies and extension requests."""
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.select_related("unit", "responsible")
        .prefetch_related(
            Prefetch("replies", queryset=Reply.objects.select_related("by").order_by("created_at", "id")),
            Prefetch(
                "extension_requests",
                queryset=ExtensionRequest.objects.select_related("requested_by", "decided_by").order_by(
                    "created_at", "id"
                ),
            ),
        )
        .order_by("created_at", "id"),
    )


def suggestion_for_user(user, code: str, *, with_assignments: bool = False) -> Suggestion:
    """Fetch and authorize in one step: the suggestion behind ``code`` if the user may see it, else 404.

    ``with_assignments`` also fetches what the detail page and its steps need of the assignments
    (:func:`assignments_prefetch`). Handlers of an assigned unit are admitted by the permissions module.
    """
    if not is_well_formed(code, TRACKING_CODE_LENGTH):
        raise Http404("unknown tracking code")
    try:
        suggestion = (
            Suggestion.objects.select_related(
                "station",
                "station__region",
                "region",
                "category",
                "representative",
                "duplicate_of",
                "visit",
                "created_by",
            )
            .prefetch_related(
                "attachments",
                Prefetch("events", queryset=Event.objects.select_related("actor").order_by("created_at", "id")),
                Prefetch("duplicates", queryset=Suggestion.objects.order_by("received_at")),
            )
            .get(tracking_code=code)
        )
    except Suggestion.DoesNotExist:
        raise Http404("unknown tracking code") from None
    if not permissions.can_see_suggestion(user, suggestion):
        raise Http404("suggestion not visible to this user")
    if with_assignments:
        prefetch_related_objects([suggestion], assignments_prefetch())
    return suggestion


def suggestion_by_tracking_code(code: str) -> Suggestion | None:
    """For the citizen's public page: the suggestion or None (never an error that reveals anything)."""
    if not is_well_formed(code, TRACKING_CODE_LENGTH):
        return None
    return (
        Suggestion.objects.select_related("station", "representative", "category", "duplicate_of")
        .filter(tracking_code=code)
        .first()
    )


def _bigrams(text: str) -> set[str]:
    """Character bigrams: a similarity measure for Chinese without a word segmenter."""
    chars = [c for c in text.lower() if not c.isspace() and c not in "，。、；：！？,.;:!?（）()“”\"'"]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def similarity(a: str, b: str) -> float:
    left, right = _bigrams(a), _bigrams(b)
    if not left or not right:
        return 0.0
    # Overlap coefficient: a short complaint contained in a long one still scores high.
    return len(left & right) / min(len(left), len(right))


SIMILAR_THRESHOLD = 0.15
SIMILAR_CANDIDATES = 300


def similar_open_suggestions(suggestion: Suggestion, *, limit: int = 5) -> list[tuple[Suggestion, float]]:
    """Open suggestions of the same region and category that read alike, most similar first.

    Looks at the most recent candidates only (a bounded, indexed query), then
    scores them in Python by character-bigram overlap of title and content.
    """
    candidates = (
        Suggestion.objects.filter(region_id=suggestion.region_id, stage__in=OPEN_STAGES, duplicate_of__isnull=True)
        .exclude(pk=suggestion.pk)
        .select_related("station")
        .order_by("-received_at")
    )
    if suggestion.category_id:
        candidates = candidates.filter(category_id=suggestion.category_id)
    own = f"{suggestion.title} {suggestion.content}"
    scored = []
    for candidate in candidates[:SIMILAR_CANDIDATES]:
        score = similarity(own, f"{candidate.title} {candidate.content}")
        if score >= SIMILAR_THRESHOLD:
            scored.append((candidate, score))
    scored.sort(key=lambda pair: pair[1], reverse=True)
    return scored[:limit]
