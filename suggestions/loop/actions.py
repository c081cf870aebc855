"""The closed loop's writes: one gate and one function per action.

Every action goes through :func:`_transition`, which refuses what the table in
:mod:`suggestions.workflow` does not allow, re-checks the actor's right, moves
the stage with one conditional ``UPDATE … WHERE stage = <expected>`` (so of two
people acting at once the second is told who was first, and nothing moves
twice), and writes the timeline ``Event``. Notifications go out after commit and
never undo a step. Functions raise :class:`WorkflowError` (a ``ValidationError``)
with a message for the user, or ``PermissionDenied``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from audit import services as audit
from core import workdays
from core.i18n import in_portal_language
from core.sms import send_sms
from suggestions.loop import notifications
from suggestions.loop import selectors as loop_selectors
from suggestions.models import (
    Assignment,
    DeadlinePolicy,
    Event,
    ExtensionRequest,
    Outcome,
    Rating,
    Reply,
    Stage,
    Suggestion,
)
from suggestions.workflow import (
    ASSIGNMENT_TRANSITIONS,
    CITIZEN,
    LABELS,
    OPEN_ASSIGNMENT,
    SYSTEM,
    TRANSITIONS,
    Action,
    allowed,
    may_act,
)

logger = logging.getLogger(__name__)

DEFAULT_DAYS = {"accept_days": 2, "reply_days": 15, "rating_days": 10}
REDO_LIMIT = 3  # the third 不满意 puts the item under committee supervision


class WorkflowError(ValidationError):
    pass


# The gate --------------------------------------------------------------------


def _transition(
    suggestion: Suggestion,
    action: str,
    *,
    by,
    note: str = "",
    public_text: str = "",
    actor_kind: str | None = None,
    guard: tuple[Q, Exception] | None = None,
    **changes,
) -> Suggestion:
    """Apply ``action``: check table and right, move the stage conditionally, write the Event.

    Must run inside ``transaction.atomic()``. ``changes`` are further fields set
    in the same UPDATE. ``guard`` is a further condition of that UPDATE and the
    error raised when it alone keeps the row from moving.
    """
    from_stage = suggestion.stage
    if suggestion.duplicate_of_id:
        raise WorkflowError(_("This suggestion was merged into another; act on that one."))
    if not allowed(from_stage, action):
        raise WorkflowError(
            _("“%(action)s” is not possible while the suggestion is at stage “%(stage)s”.")
            % {"action": _action_label(action), "stage": suggestion.get_stage_display()}
        )
    if actor_kind not in (SYSTEM, CITIZEN) and not may_act(by, suggestion, action):
        raise PermissionDenied(_("You may not take this step on this suggestion."))
    to_stage = TRANSITIONS[(from_stage, action)]
    now = timezone.now()
    values = {"stage": to_stage, "updated_at": now, **changes}
    if to_stage != from_stage:
        values["stage_changed_at"] = now
    condition = Q(pk=suggestion.pk, stage=from_stage, duplicate_of__isnull=True)
    moved = Suggestion.objects.filter(condition & guard[0] if guard else condition).update(**values)
    if not moved:
        if guard and Suggestion.objects.filter(condition).exists():
            raise guard[1]
        raise _already_handled(suggestion)
    for field, value in values.items():
        setattr(suggestion, field, value)
    Event.objects.create(
        suggestion=suggestion,
        kind=Event.Kind.ACTION,
        action=action,
        from_stage=from_stage,
        to_stage=to_stage,
        actor=by if getattr(by, "is_authenticated", False) else None,
        note=note,
        public_text=public_text,
    )
    # In the step's transaction: the trail has the step if and only if the step happened.
    audit.record(
        audit.AuditAction.LOOP_ACTION,
        actor=by if getattr(by, "is_authenticated", False) else None,
        obj=suggestion,
        detail=loop_audit_detail(suggestion, action, from_stage=from_stage, to_stage=to_stage, actor_kind=actor_kind),
    )
    return suggestion


@in_portal_language
def loop_audit_detail(suggestion, action: str, *, from_stage: str = "", to_stage: str = "", **extra) -> dict:
    """What the audit trail keeps of a step: codes for machines, labels for the reader, never the texts."""
    detail = {
        "code": suggestion.tracking_code,
        "step_code": action,
        "step": _action_label(action),
        **{k: v for k, v in extra.items() if v},
    }
    if from_stage:
        detail.update(from_code=from_stage, from_stage=str(Stage(from_stage).label))
    if to_stage:
        detail.update(to_code=to_stage, to_stage=str(Stage(to_stage).label))
    return detail


def _already_handled(suggestion: Suggestion) -> WorkflowError:
    current = Suggestion.objects.get(pk=suggestion.pk)
    last = current.events.select_related("actor").order_by("-created_at", "-id").first()
    who = str(last.actor) if last and last.actor else _("someone else")
    when = timezone.localtime(last.created_at).strftime("%Y-%m-%d %H:%M") if last else ""
    return WorkflowError(
        _("Already handled by %(who)s at %(when)s: the suggestion is now at stage “%(stage)s”. Reload the page.")
        % {"who": who, "when": when, "stage": current.get_stage_display()}
    )


def _action_label(action: str) -> str:
    return str(LABELS.get(action, action))


def _on_commit(func, *args, **kwargs):
    """Run a side effect after commit; a failure is logged, never raised into the step."""

    def run():
        try:
            func(*args, **kwargs)
        except Exception:
            logger.exception("side effect %s failed", getattr(func, "__name__", func))

    transaction.on_commit(run)


# Deadlines -------------------------------------------------------------------


def policy_for(suggestion: Suggestion) -> dict:
    """Working days allowed for this item: its category's policy, else the default row, else 2/15/10."""
    policies = {
        p.category_id: p
        for p in DeadlinePolicy.objects.filter(
            Q(category_id=suggestion.category_id) | Q(category__isnull=True), urgency=suggestion.urgency
        )
    }
    policy = policies.get(suggestion.category_id) or policies.get(None)
    if policy is None:
        return dict(DEFAULT_DAYS)
    return {"accept_days": policy.accept_days, "reply_days": policy.reply_days, "rating_days": policy.rating_days}


def _release_fields(suggestion: Suggestion, answer: str) -> dict:
    today = timezone.localdate()
    return {
        "answer": answer,
        "answer_released_at": timezone.now(),
        "rating_due": workdays.add_workdays(today, policy_for(suggestion)["rating_days"]),
    }


def _tell_citizen(suggestion: Suggestion, text: str) -> None:
    if suggestion.submitter_phone:
        _on_commit(send_sms, suggestion.submitter_phone, text)


# collect ------------------------------------------------------------------------


@in_portal_language
@transaction.atomic
def suggestion_hand_to_representative(
    *, suggestion, by, representative=None, category=None, urgency: str | None = None, note: str = ""
):
    representative = representative or loop_selectors.default_assessors([suggestion])[suggestion.pk]
    if representative is None:
        raise WorkflowError(_("Choose the representative who will assess this suggestion."))
    changes = {"assessor": representative}
    if category is not None:
        changes["category"] = category
    if urgency:
        changes["urgency"] = urgency
    _transition(
        suggestion,
        Action.HAND_TO_REPRESENTATIVE,
        by=by,
        note=note,
        public_text=_("Checked and handed to representative %(name)s.") % {"name": representative.name},
        **changes,
    )
    notifications.notify_representative(
        representative, suggestion, _("A suggestion is waiting for your assessment: %(title)s")
    )
    return suggestion


# assess -------------------------------------------------------------------------


def _answer_citizen(suggestion, action: str, *, by, text: str, public_text: str):
    """A step that gives the citizen an answer now: released at once, the rating window opens, SMS after commit."""
    _transition(suggestion, action, by=by, note=text, public_text=public_text, **_release_fields(suggestion, text))
    _tell_citizen(
        suggestion,
        _("Your suggestion %(code)s has an answer. Please rate it on the tracking page.")
        % {"code": suggestion.tracking_code},
    )
    return suggestion


@in_portal_language
@transaction.atomic
def suggestion_answer_directly(*, suggestion, by, answer: str):
    answer = answer.strip()
    if not answer:
        raise WorkflowError(_("Write the answer the citizen will read."))
    public_text = _("A representative answered: %(answer)s") % {"answer": answer[:250]}
    return _answer_citizen(suggestion, Action.ANSWER_DIRECTLY, by=by, text=answer, public_text=public_text)


@in_portal_language
@transaction.atomic
def suggestion_decline(*, suggestion, by, reason: str):
    reason = reason.strip()
    if not reason:
        raise WorkflowError(_("Give the reason the citizen will read."))
    public_text = _("Not taken up: %(reason)s") % {"reason": reason[:250]}
    return _answer_citizen(suggestion, Action.DECLINE, by=by, text=reason, public_text=public_text)


@in_portal_language
@transaction.atomic
def suggestion_mark_proposal(*, suggestion, by, note: str = ""):
    _transition(
        suggestion,
        Action.MARK_PROPOSAL,
        by=by,
        note=note,
        public_text=_("Taken up for a formal proposal to the congress."),
        marked_for_proposal=True,
    )
    return suggestion


@in_portal_language
@transaction.atomic
def suggestion_hand_back(*, suggestion, by, note: str):
    if not note.strip():
        raise WorkflowError(_("Say why it goes back to the station staff."))
    _transition(suggestion, Action.HAND_BACK, by=by, note=note)
    notifications.notify_station_staff(suggestion, _("A representative handed a suggestion back: %(title)s"))
    return suggestion


@in_portal_language
@transaction.atomic
def suggestion_assign(*, suggestion, by, lead_unit, co_units=(), instructions: str = ""):
    """交办: one lead unit (主办) and optional co-units (协办), with working-day deadlines from the policy."""
    co_units = [u for u in co_units if u.pk != lead_unit.pk]
    units = [lead_unit, *co_units]
    if any(not u.is_active for u in units):
        raise WorkflowError(_("A chosen unit is no longer active."))
    _transition(
        suggestion,
        Action.ASSIGN,
        by=by,
        note=instructions,
        public_text=_("Assigned to %(units)s.") % {"units": "、".join(u.name for u in units)},
    )
    days = policy_for(suggestion)
    today = timezone.localdate()
    accept_due = workdays.add_workdays(today, days["accept_days"])
    reply_due = workdays.add_workdays(today, days["reply_days"])
    Assignment.objects.filter(suggestion=suggestion, status__in=OPEN_ASSIGNMENT).update(
        status=Assignment.Status.WITHDRAWN
    )
    Assignment.objects.bulk_create(
        [
            Assignment(
                suggestion=suggestion,
                unit=unit,
                role=Assignment.Role.LEAD if i == 0 else Assignment.Role.CO,
                instructions=instructions,
                accept_due=accept_due,
                reply_due=reply_due,
                assigned_by=by,
                flagged=suggestion.flagged,
            )
            for i, unit in enumerate(units)
        ]
    )
    notifications.notify_units(units, suggestion, _("New assignment: %(title)s"))
    return suggestion


# assign -------------------------------------------------------------------------


def _unit_step(assignment: Assignment, action: str, *, by, note="", public_text="", **changes):
    suggestion = Suggestion.objects.select_related("station", "region").get(pk=assignment.suggestion_id)
    _require_handler(by, assignment)
    return _transition(suggestion, action, by=by, note=note, public_text=public_text, **changes)


def _require_handler(by, assignment: Assignment) -> None:
    if assignment.unit_id in permissions.handling_unit_ids(by):
        return
    if permissions.may_supervise(by) and permissions.region_in_scope(by, assignment.suggestion.region):
        return
    raise PermissionDenied(_("Only a handler of %(unit)s may do this.") % {"unit": assignment.unit.name})


def _claim(assignment: Assignment, action: str, **values) -> None:
    """Move the assignment as the status table says for ``action``, only from a status it allows there:
    the second of two clicks is refused."""
    moves = {before: after for (before, step), after in ASSIGNMENT_TRANSITIONS.items() if step == action}
    values["status"] = Case(*(When(status=before, then=Value(after)) for before, after in moves.items()))
    if not Assignment.objects.filter(pk=assignment.pk, status__in=list(moves)).update(**values):
        current = Assignment.objects.select_related("responsible").get(pk=assignment.pk)
        who = current.responsible or _("someone else")
        raise WorkflowError(
            _("Already handled by %(who)s: the assignment is now “%(status)s”. Reload the page.")
            % {"who": who, "status": current.get_status_display()}
        )
    values["status"] = moves[assignment.status] if assignment.status in moves else assignment.status
    for field, value in values.items():
        setattr(assignment, field, value)


@in_portal_language
@transaction.atomic
def assignment_accept(*, assignment, by):
    """接单: the handler becomes the responsible person (知责任人员)."""
    _unit_step(
        assignment,
        Action.ACCEPT,
        by=by,
        public_text=_("%(unit)s accepted the assignment.") % {"unit": assignment.unit.name},
    )
    _claim(assignment, Action.ACCEPT, responsible=by, accepted_at=timezone.now())
    return assignment


@in_portal_language
@transaction.atomic
def assignment_return(*, assignment, by, reason: str):
    """A misrouted item: the lead unit sends it back to the representative; a co-unit just leaves."""
    if not reason.strip():
        raise WorkflowError(_("Say why the assignment is misrouted."))
    action = Action.RETURN_MISROUTED if assignment.role == Assignment.Role.LEAD else Action.DECLINE_CO_ASSIGNMENT
    suggestion = _unit_step(assignment, action, by=by, note=reason)
    _claim(assignment, action, return_reason=reason)
    if action == Action.RETURN_MISROUTED:
        Assignment.objects.filter(suggestion=suggestion, status__in=OPEN_ASSIGNMENT).update(
            status=Assignment.Status.WITHDRAWN
        )
        notifications.notify_assessor(
            suggestion, _("%(unit)s returned an assignment as misrouted: %(title)s"), unit=assignment.unit.name
        )
    return assignment


@in_portal_language
@transaction.atomic
def assignment_reply(*, assignment, by, result: str, text: str, file=None):
    """The lead unit's answer moves the item to feedback; a co-unit's reply is an opinion."""
    if not text.strip():
        raise WorkflowError(_("Write the reply."))
    if assignment.role == Assignment.Role.LEAD:
        if result not in (Reply.Result.SOLVED, Reply.Result.PARTLY, Reply.Result.EXPLAINED):
            raise WorkflowError(_("Choose the result: solved, partly solved or explained."))
        suggestion = _unit_step(
            assignment,
            Action.REPLY,
            by=by,
            note=text,
            public_text=_("%(unit)s replied; the answer is being reviewed.") % {"unit": assignment.unit.name},
        )
    else:
        result = Reply.Result.OPINION
        suggestion = _unit_step(assignment, Action.OPINION, by=by, note=text)
    now = timezone.now()
    _claim(
        assignment,
        Action.REPLY if assignment.role == Assignment.Role.LEAD else Action.OPINION,
        replied_at=now,
        reply_workdays=workdays.workdays_between(timezone.localdate(assignment.created_at), timezone.localdate(now)),
    )
    reply = Reply(assignment=assignment, result=result, text=text.strip(), by=by)
    if file:
        reply.file.save(file.name, file, save=False)
    reply.save()
    if assignment.role == Assignment.Role.LEAD:
        notifications.notify_assessor(suggestion, _("The unit replied; review and release the answer: %(title)s"))
        notifications.notify_station_staff(suggestion, _("The unit replied; review and release the answer: %(title)s"))
    return reply


@in_portal_language
@transaction.atomic
def assignment_request_extension(*, assignment, by, reason: str, requested_due: dt.date):
    if not reason.strip():
        raise WorkflowError(_("Give the reason for the extension."))
    if requested_due <= assignment.reply_due:
        raise WorkflowError(
            _("The new deadline must be later than the current one (%(due)s).") % {"due": assignment.reply_due}
        )
    suggestion = _unit_step(assignment, Action.REQUEST_EXTENSION, by=by, note=reason)
    if assignment.status not in OPEN_ASSIGNMENT:
        raise WorkflowError(_("Only an open assignment can be extended."))
    _claim(assignment, Action.REQUEST_EXTENSION)
    if assignment.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise WorkflowError(_("An extension request is already awaiting a decision."))
    request = ExtensionRequest.objects.create(
        assignment=assignment, reason=reason.strip(), requested_due=requested_due, requested_by=by
    )
    notifications.notify_committee(
        suggestion, _("%(unit)s asks for an extension: %(title)s"), unit=assignment.unit.name
    )
    return request


@in_portal_language
@transaction.atomic
def extension_decide(*, request, by, approve: bool, granted_due: dt.date | None = None, note: str = ""):
    assignment = request.assignment
    suggestion = Suggestion.objects.select_related("station", "region").get(pk=assignment.suggestion_id)
    if approve:
        granted_due = granted_due or request.requested_due
        if granted_due <= assignment.reply_due:
            raise WorkflowError(
                _("The new deadline must be later than the current one (%(due)s).") % {"due": assignment.reply_due}
            )
    _transition(
        suggestion,
        Action.DECIDE_EXTENSION,
        by=by,
        note=note,
        public_text=_("The handling deadline was extended.") if approve else "",
    )
    status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED
    if not ExtensionRequest.objects.filter(pk=request.pk, status=ExtensionRequest.Status.PENDING).update(
        status=status,
        granted_due=granted_due if approve else None,
        decided_by=by,
        decided_at=timezone.now(),
        decision_note=note,
    ):
        raise WorkflowError(_("This request has already been decided."))
    if approve:
        Assignment.objects.filter(pk=assignment.pk).update(reply_due=granted_due)
    notifications.notify_units(
        [assignment.unit],
        suggestion,
        _("Extension approved: %(title)s") if approve else _("Extension refused: %(title)s"),
    )
    request.refresh_from_db()
    return request


@in_portal_language
@transaction.atomic
def suggestion_flag(*, suggestion, by, flagged: bool = True, note: str = ""):
    """挂牌督办: a committee admin puts the item (and its open assignments) under flagged supervision."""
    _transition(suggestion, Action.FLAG, by=by, note=note, flagged=flagged)
    Assignment.objects.filter(suggestion=suggestion, status__in=OPEN_ASSIGNMENT).update(flagged=flagged)
    if flagged:
        units = [a.unit for a in suggestion.assignments.filter(status__in=OPEN_ASSIGNMENT).select_related("unit")]
        notifications.notify_units(units, suggestion, _("Flagged for supervision by the committee: %(title)s"))
    return suggestion


# feedback -----------------------------------------------------------------------


@in_portal_language
@transaction.atomic
def suggestion_release(*, suggestion, by, answer: str):
    """The representative or staff review the unit's reply and release it to the citizen."""
    answer = answer.strip()
    if not answer:
        raise WorkflowError(_("Write the answer the citizen will read."))
    if suggestion.answer_released_at and suggestion.answer == answer:
        raise WorkflowError(_("This answer has already been released."))
    public_text = _("Answer: %(answer)s") % {"answer": answer[:250]}
    return _answer_citizen(suggestion, Action.RELEASE, by=by, text=answer, public_text=public_text)


# Wrong phone digits an item takes in all, from anyone, before rating by digits is locked (see suggestion_rate).
RATING_TRIES = 5


class WrongDigits(PermissionDenied):
    """The last four digits given do not match; ``tries_left`` more may be given before the lock."""

    def __init__(self, message, tries_left: int):
        super().__init__(message)
        self.tries_left = tries_left


class RatingLocked(PermissionDenied):
    """Rating by digits is locked after RATING_TRIES wrong tries: the citizen calls the station, which unlocks it."""


def rating_open(suggestion: Suggestion) -> bool:
    """A released answer waiting for its rating."""
    return suggestion.stage == Stage.FEEDBACK and suggestion.answer_released_at is not None


def rating_locked(suggestion: Suggestion) -> bool:
    """Rating by the phone's digits is locked (items given without a number have nothing to lock)."""
    return bool(suggestion.submitter_phone) and suggestion.rating_failures >= RATING_TRIES


@in_portal_language
def suggestion_rate(*, suggestion, verdict: str, comment: str = "", phone_last4: str = ""):
    """评单: 满意 / 基本满意 close the item; 不满意 returns it to the representative with the redo count up.

    Only the submitter rates. An item given with a mobile number needs the
    tracking code and the number's last four digits. Wrong digits are counted on
    the item, from anyone, over its whole life (``rating_failures``), each by a
    conditional ``UPDATE … SET rating_failures = rating_failures + 1 WHERE
    rating_failures < 5``; the right digits rate only through an UPDATE with the
    same condition. However many guesses arrive, from however many addresses,
    in parallel or over weeks, at most RATING_TRIES = 5 of the 10,000 possible
    endings are ever tried before rating by digits locks: a guesser's chance is
    at most 5 / 10,000 = 0.05 %, below the 0.1 % allowed. The station's staff
    (or the committee of its region) unlock it after checking who calls
    (:func:`suggestion_unlock_rating`).

    An item given without a mobile number is rated by whoever holds its
    tracking code: 12 characters drawn by ``secrets`` from an alphabet of 31
    (:mod:`core.codes`), 31^12 ≈ 7.9 × 10^17, about 59 bits, as hard to
    guess as a strong password, and lookups are limited per address
    (``track_ip``). The code was shown only to the submitter; there is no
    second secret to ask for.

    A wrong try is committed on its own before the error is raised; do not call
    this inside a transaction that is rolled back, or the try would not count.
    Raises ``WrongDigits`` (with the tries left), ``RatingLocked``,
    ``PermissionDenied`` when rating is not open, and ``WorkflowError`` for an
    unknown verdict or when someone rated first.
    """
    if not rating_open(suggestion):
        raise PermissionDenied(_("Only the person who raised the suggestion can rate its answer."))
    guard = None
    if suggestion.submitter_phone:
        if rating_locked(suggestion):
            raise _locked_error()
        if not hmac.compare_digest(phone_last4.strip().encode(), suggestion.submitter_phone[-4:].encode()):
            raise _count_wrong_digits(suggestion)
        guard = (Q(rating_failures__lt=RATING_TRIES), _locked_error())
    if verdict not in Rating.Verdict.values:
        raise WorkflowError(_("Choose satisfied, basically satisfied or unsatisfied."))
    with transaction.atomic():
        _record_rating(suggestion, verdict, comment, guard)
    return suggestion


def _locked_error() -> RatingLocked:
    return RatingLocked(
        _("Rating with the last four digits is locked after %(n)s wrong tries. Contact the station to unlock it.")
        % {"n": RATING_TRIES}
    )


def _count_wrong_digits(suggestion: Suggestion) -> PermissionDenied:
    """Count one wrong try (committed); returns the error to raise: the tries left, or the lock."""
    with transaction.atomic():
        counted = Suggestion.objects.filter(pk=suggestion.pk, rating_failures__lt=RATING_TRIES).update(
            rating_failures=F("rating_failures") + 1
        )
        if not counted:
            return _locked_error()
        # Read inside the transaction that holds the row: exactly one try sees the count reach the limit.
        failures = Suggestion.objects.filter(pk=suggestion.pk).values_list("rating_failures", flat=True).get()
        suggestion.rating_failures = failures
        if failures >= RATING_TRIES:
            Event.objects.create(
                suggestion=suggestion,
                kind=Event.Kind.ACTION,
                action=Action.LOCK_RATING,
                from_stage=suggestion.stage,
                to_stage=suggestion.stage,
                note=_("%(n)s wrong tries of the phone's last four digits: rating by digits is locked.")
                % {"n": RATING_TRIES},
            )
            notifications.notify_station_staff(
                suggestion, _("Rating locked after wrong phone digits; the citizen may call to unlock it: %(title)s")
            )
    if failures >= RATING_TRIES:
        return _locked_error()
    return WrongDigits(
        _("These are not the last four digits of the mobile number given with this suggestion."),
        tries_left=RATING_TRIES - failures,
    )


def _record_rating(suggestion: Suggestion, verdict: str, comment: str, guard) -> None:
    now = timezone.now()
    if verdict == Rating.Verdict.UNSATISFIED:
        redo = suggestion.redo_count + 1
        supervised = suggestion.under_committee_supervision or redo >= REDO_LIMIT
        _transition(
            suggestion,
            Action.RATE_REJECT,
            by=None,
            actor_kind=CITIZEN,
            guard=guard,
            note=comment,
            public_text=_("You were not satisfied; the representative takes it up again."),
            redo_count=F("redo_count") + 1,
            under_committee_supervision=supervised,
            answer_released_at=None,
            rating_due=None,
        )
        suggestion.redo_count = redo
        Rating.objects.create(suggestion=suggestion, verdict=verdict, comment=comment, round=redo - 1)
        notifications.notify_committee(suggestion, _("The citizen is not satisfied (%(n)s): %(title)s"), n=str(redo))
        notifications.notify_assessor(suggestion, _("The citizen is not satisfied; take it up again: %(title)s"))
    else:
        _transition(
            suggestion,
            Action.RATE_ACCEPT,
            by=None,
            actor_kind=CITIZEN,
            guard=guard,
            note=comment,
            public_text=_("Rated: %(verdict)s. Closed.") % {"verdict": Rating.Verdict(verdict).label},
            outcome=verdict,
            closed_at=now,
        )
        Rating.objects.create(suggestion=suggestion, verdict=verdict, comment=comment, round=suggestion.redo_count)


@in_portal_language
@transaction.atomic
def suggestion_unlock_rating(*, suggestion, by) -> Suggestion:
    """Let the citizen rate by the phone's digits again, after the station has checked who is calling.

    The station's own staff, or a committee admin of its region, may. The count
    of wrong tries starts again from 0, so a stranger holding the code gets
    another RATING_TRIES tries at most after each unlock. Raises
    ``PermissionDenied`` for anyone else and ``WorkflowError`` when rating is
    not locked.
    """
    if not may_act(by, suggestion, Action.UNLOCK_RATING):
        raise PermissionDenied(_("Only the station's staff or the committee may unlock rating."))
    if not Suggestion.objects.filter(pk=suggestion.pk, rating_failures__gte=RATING_TRIES).update(
        rating_failures=0, updated_at=timezone.now()
    ):
        raise WorkflowError(_("Rating with the phone's last four digits is not locked."))
    suggestion.rating_failures = 0
    Event.objects.create(
        suggestion=suggestion,
        kind=Event.Kind.ACTION,
        action=Action.UNLOCK_RATING,
        from_stage=suggestion.stage,
        to_stage=suggestion.stage,
        actor=by,
        public_text=_("The station unlocked rating: you can rate with the last four digits of your mobile number."),
    )
    audit.record(
        audit.AuditAction.LOOP_ACTION,
        actor=by,
        obj=suggestion,
        detail=loop_audit_detail(suggestion, Action.UNLOCK_RATING),
    )
    return suggestion


@in_portal_language
def close_unrated(*, today: dt.date | None = None) -> int:
    """Close, as 未评价 (never as satisfied), released answers whose rating window has passed. Set-based."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = list(
            Suggestion.objects.select_for_update(skip_locked=True)
            .filter(stage=Stage.FEEDBACK, answer_released_at__isnull=False, rating_due__lt=today)
            .values_list("pk", flat=True)
        )
        if not due:
            return 0
        now = timezone.now()
        closed = Suggestion.objects.filter(pk__in=due, stage=Stage.FEEDBACK).update(
            stage=Stage.CLOSED, outcome=Outcome.UNRATED, closed_at=now, stage_changed_at=now, updated_at=now
        )
        Event.objects.bulk_create(
            [
                Event(
                    suggestion_id=pk,
                    kind=Event.Kind.ACTION,
                    action=Action.CLOSE_UNRATED,
                    from_stage=Stage.FEEDBACK,
                    to_stage=Stage.CLOSED,
                    public_text=_("Closed without a rating."),
                )
                for pk in due
            ]
        )
        for pk, code in Suggestion.objects.filter(pk__in=due).values_list("pk", "tracking_code"):
            audit.record(
                audit.AuditAction.LOOP_ACTION,
                actor=None,
                object_type=Suggestion._meta.label_lower,
                object_id=str(pk),
                detail=loop_audit_detail(
                    Suggestion(pk=pk, tracking_code=code),
                    Action.CLOSE_UNRATED,
                    from_stage=Stage.FEEDBACK,
                    to_stage=Stage.CLOSED,
                    actor_kind=SYSTEM,
                ),
            )
    return closed
