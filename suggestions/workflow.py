"""The closed loop as data: stages, actions, who may take each, and where it leads.

汇总梳理 → 分析研判 → 交办督办 → 反馈评价 → 办结 (群众点单 → 代表派单 → 政府接单 → 群众评单).

``TRANSITIONS[(stage, action)]`` is the resulting stage; anything not in the
table is refused. ``ACTORS[action]`` names who may take it: the check itself is
``may_act`` (roles come from :mod:`accounts.permissions`). The one gate that
applies an action is :func:`suggestions.intake.services.apply_action`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts import permissions
from suggestions.models import Stage


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


LABELS = {
    Action.HAND_TO_REPRESENTATIVE: _("Hand to a representative"),
    Action.ANSWER_DIRECTLY: _("Answer directly"),
    Action.ASSIGN: _("Assign to units"),
    Action.MARK_PROPOSAL: _("Mark for a formal proposal"),
    Action.DECLINE: _("Decline with a reason"),
    Action.HAND_BACK: _("Hand back to station staff"),
    Action.ACCEPT: _("Accept the assignment"),
    Action.RETURN_MISROUTED: _("Return as misrouted"),
    Action.DECLINE_CO_ASSIGNMENT: _("Return the co-assignment"),
    Action.REPLY: _("Reply with the result"),
    Action.OPINION: _("Add a co-unit opinion"),
    Action.REQUEST_EXTENSION: _("Ask for an extension"),
    Action.DECIDE_EXTENSION: _("Decide on an extension"),
    Action.FLAG: _("Flag for supervision (挂牌督办)"),
    Action.RELEASE: _("Release the answer to the citizen"),
    Action.RATE_ACCEPT: _("Rate the answer: satisfied"),
    Action.RATE_REJECT: _("Rate the answer: unsatisfied"),
    Action.CLOSE_UNRATED: _("Close as not rated"),
    Action.LOCK_RATING: _("Rating locked after wrong phone digits"),
    Action.UNLOCK_RATING: _("Rating unlocked"),
}

# Who takes each action.
STAFF = "staff"  # the station's staff, or a committee admin of its region
REPRESENTATIVE = "representative"  # the assessing or addressed representative, or one resident at the station
UNIT = "unit"  # a handler of a unit the item is assigned to (or a committee admin of the region)
COMMITTEE = "committee"  # a committee admin of the item's region
CITIZEN = "citizen"  # the submitter, proved by the tracking code (and the phone's last four digits)
SYSTEM = "system"  # the deadline sweep

ACTORS = {
    Action.HAND_TO_REPRESENTATIVE: {STAFF},
    Action.ANSWER_DIRECTLY: {REPRESENTATIVE},
    Action.ASSIGN: {REPRESENTATIVE},
    Action.MARK_PROPOSAL: {REPRESENTATIVE},
    Action.DECLINE: {REPRESENTATIVE},
    Action.HAND_BACK: {REPRESENTATIVE},
    Action.ACCEPT: {UNIT},
    Action.RETURN_MISROUTED: {UNIT},
    Action.DECLINE_CO_ASSIGNMENT: {UNIT},
    Action.REPLY: {UNIT},
    Action.OPINION: {UNIT},
    Action.REQUEST_EXTENSION: {UNIT},
    Action.DECIDE_EXTENSION: {COMMITTEE},
    Action.FLAG: {COMMITTEE},
    Action.RELEASE: {REPRESENTATIVE, STAFF},
    Action.RATE_ACCEPT: {CITIZEN},
    Action.RATE_REJECT: {CITIZEN},
    Action.CLOSE_UNRATED: {SYSTEM},
    Action.LOCK_RATING: {SYSTEM},
    # The station that takes the citizen's call (or the committee above it) checks who calls and unlocks.
    Action.UNLOCK_RATING: {STAFF},
}

TRANSITIONS = {
    (Stage.COLLECT, Action.HAND_TO_REPRESENTATIVE): Stage.ASSESS,
    (Stage.COLLECT, Action.FLAG): Stage.COLLECT,
    (Stage.ASSESS, Action.ANSWER_DIRECTLY): Stage.FEEDBACK,
    (Stage.ASSESS, Action.ASSIGN): Stage.ASSIGN,
    (Stage.ASSESS, Action.MARK_PROPOSAL): Stage.ASSESS,
    (Stage.ASSESS, Action.DECLINE): Stage.FEEDBACK,
    (Stage.ASSESS, Action.HAND_BACK): Stage.COLLECT,
    (Stage.ASSESS, Action.FLAG): Stage.ASSESS,
    (Stage.ASSIGN, Action.ACCEPT): Stage.ASSIGN,
    # The lead unit returns a misrouted item to the representative; a co-unit only leaves.
    (Stage.ASSIGN, Action.RETURN_MISROUTED): Stage.ASSESS,
    (Stage.ASSIGN, Action.DECLINE_CO_ASSIGNMENT): Stage.ASSIGN,
    (Stage.ASSIGN, Action.REPLY): Stage.FEEDBACK,
    (Stage.ASSIGN, Action.OPINION): Stage.ASSIGN,
    (Stage.ASSIGN, Action.REQUEST_EXTENSION): Stage.ASSIGN,
    (Stage.ASSIGN, Action.DECIDE_EXTENSION): Stage.ASSIGN,
    (Stage.ASSIGN, Action.MARK_PROPOSAL): Stage.ASSIGN,
    (Stage.ASSIGN, Action.FLAG): Stage.ASSIGN,
    (Stage.FEEDBACK, Action.RELEASE): Stage.FEEDBACK,
    # 满意 / 基本满意 close it; 不满意 sends it back to the representative.
    (Stage.FEEDBACK, Action.RATE_ACCEPT): Stage.CLOSED,
    (Stage.FEEDBACK, Action.RATE_REJECT): Stage.ASSESS,
    (Stage.FEEDBACK, Action.CLOSE_UNRATED): Stage.CLOSED,
    (Stage.FEEDBACK, Action.FLAG): Stage.FEEDBACK,
}


def actor_kinds(user, suggestion) -> set[str]:
    """Which of the actor kinds ``user`` is for this suggestion."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    kinds = set()
    staff = suggestion.station_id in permissions.staff_station_ids(user)
    committee = permissions.has_role(user, "committee_admin") and permissions.region_in_scope(user, suggestion.region)
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
