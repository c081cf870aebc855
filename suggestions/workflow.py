"""The closed loop as data: stages, actions, who may take each, and where it leads.

汇总梳理 → 分析研判 → 交办督办 → 反馈评价 → 办结 (群众点单 → 代表派单 → 政府接单 → 群众评单).

``ACTIONS[action]`` is one entry per step (:class:`Step`): its label, who may
take it, the stage it may be taken at and where it leads, what it acts on, the
detail page's form and the service that runs it. Everything else is derived from
it: the transition table ``TRANSITIONS[(stage, action)]`` (anything not in it is
refused), ``ACTORS``, ``LABELS``, the assignment-status table, the forms the
detail page offers and the view's dispatch. Who may act is ``may_act`` (roles
come from :mod:`accounts.permissions`); the one gate that applies a step is
``_transition`` in :mod:`suggestions.loop.actions`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from suggestions.models import Assignment, ExtensionRequest, Stage


class Action:
    HAND_TO_REPRESENTATIVE = "hand_to_representative"
    ANSWER_DIRECTLY = "answer_directly"
    ASSIGN = "assign"
    MARK_PROPOSAL = "mark_proposal"
    DECLINE = "decline"
    HAND_BACK = "hand_back"
    ACCEPT = "accept"
    RETURN_MISROUTED = "return_misrouted"
    DECLINE_CO_ASSIGNMENT = "decline_co_assignment"
    REPLY = "reply"
    OPINION = "opinion"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    FLAG = "flag"
    RELEASE = "release"
    RATE_ACCEPT = "rate_accept"
    RATE_REJECT = "rate_reject"
    CLOSE_UNRATED = "close_unrated"
    # Beside the stages (no transition): rating by the phone's digits locked after wrong tries, and unlocked.
    LOCK_RATING = "lock_rating"
    UNLOCK_RATING = "unlock_rating"


# Who takes each action.
STAFF = "staff"  # the station's staff, or a committee admin of its region
REPRESENTATIVE = "representative"  # the assessing or addressed representative, or one resident at the station
UNIT = "unit"  # a handler of a unit the item is assigned to (or a committee admin of the region)
COMMITTEE = "committee"  # a committee admin of the item's region
CITIZEN = "citizen"  # the submitter, proved by the tracking code (and the phone's last four digits)
SYSTEM = "system"  # the deadline sweep

# What a step acts on: the item as a whole, one of its assignments, or one extension request.
SUGGESTION, ASSIGNMENT, EXTENSION = "suggestion", "assignment", "extension"

_LOOP = "suggestions.loop"
_ASSIGNMENT_OPEN = (Assignment.Status.PENDING, Assignment.Status.ACCEPTED)


def _stays(*stages) -> dict:
    return {stage: stage for stage in stages}


def _open_stays() -> dict:
    return {status: status for status in _ASSIGNMENT_OPEN}


@dataclass(frozen=True)
class Step:
    """One step of the loop: everything the portal derives about it comes from here.

    ``moves`` maps each stage the step may be taken at to the stage it leads to
    (the transition table); ``assignment_moves`` does the same for the status of
    the assignment a unit's step acts on. ``form`` and ``run`` name (dotted paths,
    resolved when first used, since both modules sit above this one) the detail
    page's form and the service the page calls with the form's keywords; a step
    without a form is not offered on the page (the citizen's, the system's).
    ``lead`` limits a unit's step to the lead unit (True) or a co-unit (False);
    ``offered`` is a further condition on the item or assignment before the
    page offers the step.
    """

    label: Promise
    actors: frozenset
    moves: Mapping[str, str] = field(default_factory=dict)
    on: str = SUGGESTION
    form: str = ""
    run: str = ""
    assignment_moves: Mapping[str, str] = field(default_factory=dict)
    lead: bool | None = None
    offered: Callable[[object], bool] | None = None

    def form_class(self):
        return import_string(f"{_LOOP}.forms.{self.form}")

    def service(self):
        return import_string(f"{_LOOP}.actions.{self.run}")


def _no_pending_extension(assignment) -> bool:
    return not any(r.status == ExtensionRequest.Status.PENDING for r in assignment.extension_requests.all())


# The loop, one entry per step. The item's steps come in the order the detail page offers them, then each
# assignment's, then the rest. Adding a step: one entry here (and its name in Action), one service function.
ACTIONS: dict[str, Step] = {
    Action.HAND_TO_REPRESENTATIVE: Step(
        _("Hand to a representative"),
        frozenset({STAFF}),
        moves={Stage.COLLECT: Stage.ASSESS},
        form="HandToRepresentativeForm",
        run="suggestion_hand_to_representative",
    ),
    Action.ANSWER_DIRECTLY: Step(
        _("Answer directly"),
        frozenset({REPRESENTATIVE}),
        moves={Stage.ASSESS: Stage.FEEDBACK},
        form="AnswerForm",
        run="suggestion_answer_directly",
    ),
    Action.ASSIGN: Step(
        _("Assign to units"),
        frozenset({REPRESENTATIVE}),
        moves={Stage.ASSESS: Stage.ASSIGN},
        form="AssignForm",
        run="suggestion_assign",
    ),
    Action.RELEASE: Step(
        _("Release the answer to the citizen"),
        frozenset({REPRESENTATIVE, STAFF}),
        moves=_stays(Stage.FEEDBACK),
        form="ReleaseForm",
        run="suggestion_release",
        offered=lambda suggestion: suggestion.answer_released_at is None,
    ),
    Action.MARK_PROPOSAL: Step(
        _("Mark for a formal proposal"),
        frozenset({REPRESENTATIVE}),
        moves=_stays(Stage.ASSESS, Stage.ASSIGN),
        form="ProposalForm",
        run="suggestion_mark_proposal",
        offered=lambda suggestion: not suggestion.marked_for_proposal,
    ),
    Action.DECLINE: Step(
        _("Decline with a reason"),
        frozenset({REPRESENTATIVE}),
        moves={Stage.ASSESS: Stage.FEEDBACK},
        form="DeclineForm",
        run="suggestion_decline",
    ),
    Action.HAND_BACK: Step(
        _("Hand back to station staff"),
        frozenset({REPRESENTATIVE}),
        moves={Stage.ASSESS: Stage.COLLECT},
        form="HandBackForm",
        run="suggestion_hand_back",
    ),
    Action.FLAG: Step(
        _("Flag for supervision (挂牌督办)"),
        frozenset({COMMITTEE}),
        moves=_stays(Stage.COLLECT, Stage.ASSESS, Stage.ASSIGN, Stage.FEEDBACK),
        form="FlagForm",
        run="suggestion_flag",
    ),
    Action.ACCEPT: Step(
        _("Accept the assignment"),
        frozenset({UNIT}),
        moves=_stays(Stage.ASSIGN),
        on=ASSIGNMENT,
        form="AcceptForm",
        run="assignment_accept",
        assignment_moves={Assignment.Status.PENDING: Assignment.Status.ACCEPTED},
    ),
    Action.REPLY: Step(
        _("Reply with the result"),
        frozenset({UNIT}),
        moves={Stage.ASSIGN: Stage.FEEDBACK},
        on=ASSIGNMENT,
        form="ReplyForm",
        run="assignment_reply",
        assignment_moves={Assignment.Status.ACCEPTED: Assignment.Status.REPLIED},
        lead=True,
    ),
    Action.OPINION: Step(
        _("Add a co-unit opinion"),
        frozenset({UNIT}),
        moves=_stays(Stage.ASSIGN),
        on=ASSIGNMENT,
        form="OpinionForm",
        run="assignment_reply",
        assignment_moves={Assignment.Status.ACCEPTED: Assignment.Status.REPLIED},
        lead=False,
    ),
    Action.REQUEST_EXTENSION: Step(
        _("Ask for an extension"),
        frozenset({UNIT}),
        moves=_stays(Stage.ASSIGN),
        on=ASSIGNMENT,
        form="ExtensionRequestForm",
        run="assignment_request_extension",
        assignment_moves=_open_stays(),
        offered=_no_pending_extension,
    ),
    # The lead unit returns a misrouted item to the representative; a co-unit only leaves.
    Action.RETURN_MISROUTED: Step(
        _("Return as misrouted"),
        frozenset({UNIT}),
        moves={Stage.ASSIGN: Stage.ASSESS},
        on=ASSIGNMENT,
        form="AssignmentReasonForm",
        run="assignment_return",
        assignment_moves=dict.fromkeys(_ASSIGNMENT_OPEN, Assignment.Status.RETURNED),
        lead=True,
    ),
    Action.DECLINE_CO_ASSIGNMENT: Step(
        _("Return the co-assignment"),
        frozenset({UNIT}),
        moves=_stays(Stage.ASSIGN),
        on=ASSIGNMENT,
        form="AssignmentReasonForm",
        run="assignment_return",
        assignment_moves=dict.fromkeys(_ASSIGNMENT_OPEN, Assignment.Status.RETURNED),
        lead=False,
    ),
    Action.DECIDE_EXTENSION: Step(
        _("Decide on an extension"),
        frozenset({COMMITTEE}),
        moves=_stays(Stage.ASSIGN),
        on=EXTENSION,
        form="DecideExtensionForm",
        run="extension_decide",
    ),
    # 满意 / 基本满意 close it; 不满意 sends it back to the representative.
    Action.RATE_ACCEPT: Step(
        _("Rate the answer: satisfied"), frozenset({CITIZEN}), moves={Stage.FEEDBACK: Stage.CLOSED}
    ),
    Action.RATE_REJECT: Step(
        _("Rate the answer: unsatisfied"), frozenset({CITIZEN}), moves={Stage.FEEDBACK: Stage.ASSESS}
    ),
    Action.CLOSE_UNRATED: Step(_("Close as not rated"), frozenset({SYSTEM}), moves={Stage.FEEDBACK: Stage.CLOSED}),
    # Beside the stages (no move): rating by the phone's digits locked after wrong tries, and unlocked by the
    # station that takes the citizen's call (or the committee above it), which checks who calls.
    Action.LOCK_RATING: Step(_("Rating locked after wrong phone digits"), frozenset({SYSTEM})),
    Action.UNLOCK_RATING: Step(_("Rating unlocked"), frozenset({STAFF})),
}

# Derived from ACTIONS, never written by hand.
LABELS = {action: step.label for action, step in ACTIONS.items()}
ACTORS = {action: step.actors for action, step in ACTIONS.items()}
TRANSITIONS = {(before, action): after for action, step in ACTIONS.items() for before, after in step.moves.items()}
# The assignment-status table: (status before, a unit's step) -> status after.
ASSIGNMENT_TRANSITIONS = {
    (before, action): after for action, step in ACTIONS.items() for before, after in step.assignment_moves.items()
}
# An assignment is open while a unit may still act on it.
OPEN_ASSIGNMENT = tuple(sorted({before for before, _action in ASSIGNMENT_TRANSITIONS}))
# The detail page's forms, in order: on the item, and on each of its assignments.
SUGGESTION_ACTIONS = tuple(a for a, step in ACTIONS.items() if step.form and step.on == SUGGESTION)
ASSIGNMENT_ACTIONS = tuple(a for a, step in ACTIONS.items() if step.form and step.on == ASSIGNMENT)


def pick_assessor(*, addressed, first_on_duty, head):
    """The representative who assesses an item unless staff choose another: the one it was addressed to (a
    representative's QR code), else the first on duty at the station today, else the station's head."""
    return addressed or first_on_duty or head


def actor_kinds(user, suggestion) -> set[str]:
    """Which of the actor kinds ``user`` is for this suggestion."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    kinds = set()
    staff = suggestion.station_id in permissions.staff_station_ids(user)
    committee = permissions.may_supervise(user) and permissions.region_in_scope(user, suggestion.region)
    if staff or committee:
        kinds.add(STAFF)
    if committee:
        kinds.update({COMMITTEE, UNIT})
    rep = permissions.representative_id(user)
    if rep and (
        rep in (suggestion.assessor_id, suggestion.representative_id)
        or suggestion.station.residencies.filter(representative_id=rep).exists()
    ):
        kinds.add(REPRESENTATIVE)
    units = set(permissions.handling_unit_ids(user))
    if units and any(a.unit_id in units for a in suggestion.assignments.all()):
        kinds.add(UNIT)
    return kinds


def allowed(stage: str, action: str) -> bool:
    return (stage, action) in TRANSITIONS


def may_act(user, suggestion, action: str) -> bool:
    return bool(ACTORS.get(action, set()) & actor_kinds(user, suggestion))


def available_actions(user, suggestion) -> list[str]:
    """The actions this user may take on this suggestion now: what the detail page offers, nothing else."""
    kinds = actor_kinds(user, suggestion)
    return [
        action
        for (stage, action) in TRANSITIONS
        if stage == suggestion.stage and ACTORS[action] & kinds and suggestion.duplicate_of_id is None
    ]
