"""督办 / 催办: the deadline sweep and the traffic-light colours.

The sweep runs from Celery beat every few minutes and is set-based: one
``INSERT … SELECT … ON CONFLICT DO NOTHING`` per kind finds every assignment
that needs a reminder or an escalation, whatever their number, and the unique
constraint on (assignment, kind, deadline) means two sweeps at once, a retried
task or a worker killed half-way never make one twice. New rows are then
claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and their notifications written
in bulk. A run that was missed catches up on the next: the conditions are
ranges, not exact days (except the reminder on the day itself).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison import workdays

from .models import Assignment, Event, HandlingUnit, Notification, Supervision

REMIND_BEFORE_DAYS = 3
OPEN = (Assignment.Status.PENDING, Assignment.Status.ACCEPTED)

GREEN, YELLOW, RED = "green", "yellow", "red"


def colour(due: dt.date | None, today: dt.date | None = None, *, flagged: bool = False) -> str:
    """Green on time, yellow due within 3 working days, red overdue (and always red when flagged)."""
    today = today or timezone.localdate()
    if flagged or (due is not None and due < today):
        return RED
    if due is not None and due <= workdays.add_workdays(today, REMIND_BEFORE_DAYS):
        return YELLOW
    return GREEN


def _insert(kind: str, where: str, params: list, deadline_column: str = "reply_due") -> int:
    supervision = Supervision._meta.db_table
    assignment = Assignment._meta.db_table
    sql = (
        f"INSERT INTO {supervision} (assignment_id, kind, deadline, created_at) "
        f"SELECT a.id, %s, a.{deadline_column}, %s FROM {assignment} a "
        f"WHERE a.status IN (%s, %s) AND {where} "
        f"ON CONFLICT (assignment_id, kind, deadline) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind, timezone.now(), *OPEN, *params])
        return max(cursor.rowcount, 0)


def deadline_sweep(*, today: dt.date | None = None) -> dict:
    """Make the reminders and escalations due ``today`` and notify; returns counts per kind."""
    today = today or timezone.localdate()
    soon = workdays.add_workdays(today, REMIND_BEFORE_DAYS)
    made = {
        Supervision.Kind.REMIND_BEFORE: _insert(
            Supervision.Kind.REMIND_BEFORE, "a.reply_due > %s AND a.reply_due <= %s", [today, soon]
        ),
        Supervision.Kind.REMIND_DUE: _insert(Supervision.Kind.REMIND_DUE, "a.reply_due = %s", [today]),
        Supervision.Kind.ESCALATION: _insert(Supervision.Kind.ESCALATION, "a.reply_due < %s", [today]),
        Supervision.Kind.ACCEPT_OVERDUE: _insert(
            Supervision.Kind.ACCEPT_OVERDUE,
            f"a.accept_due < %s AND a.status = '{Assignment.Status.PENDING}'",
            [today],
            deadline_column="accept_due",
        ),
    }
    notified = notify_new_supervisions()
    return {**{str(k): v for k, v in made.items()}, "notified": notified}


def notify_new_supervisions() -> int:
    """Claim supervisions nobody has announced yet and write their notifications and timeline lines."""
    with transaction.atomic():
        rows = list(
            Supervision.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(notified_at__isnull=True)
            .values(
                "pk",
                "kind",
                "deadline",
                "assignment__unit_id",
                "assignment__unit__name",
                "assignment__suggestion_id",
                "assignment__suggestion__title",
                "assignment__suggestion__tracking_code",
                "assignment__suggestion__region__path",
            )
        )
        if not rows:
            return 0
        Supervision.objects.filter(pk__in=[r["pk"] for r in rows]).update(notified_at=timezone.now())
        handlers = _handlers_by_unit({r["assignment__unit_id"] for r in rows})
        admins = _admins_by_region_path()
        notifications, events = [], []
        for row in rows:
            url = f"/suggestions/{row['assignment__suggestion__tracking_code']}/"
            text = _message(row)
            if row["kind"] == Supervision.Kind.ESCALATION:
                path = row["assignment__suggestion__region__path"]
                recipients = {pk for prefix, ids in admins.items() if path.startswith(prefix) for pk in ids}
                recipients |= handlers.get(row["assignment__unit_id"], set())
                kind = Event.Kind.ESCALATION
            else:
                recipients = handlers.get(row["assignment__unit_id"], set())
                kind = Event.Kind.REMINDER
            notifications += [Notification(user_id=pk, text=text[:300], url=url) for pk in sorted(recipients)]
            events.append(Event(suggestion_id=row["assignment__suggestion_id"], kind=kind, note=text))
        created = Notification.objects.bulk_create(notifications)
        Event.objects.bulk_create(events)
    ids = [n.pk for n in created]
    if ids:
        from .tasks import email_notifications

        transaction.on_commit(lambda: email_notifications.delay(ids))
    return len(rows)


def _message(row) -> str:
    values = {
        "unit": row["assignment__unit__name"],
        "title": row["assignment__suggestion__title"][:60],
        "due": row["deadline"].isoformat(),
    }
    kind = row["kind"]
    if kind == Supervision.Kind.REMIND_BEFORE:
        return _("Reminder: %(unit)s must reply by %(due)s: %(title)s") % values
    if kind == Supervision.Kind.REMIND_DUE:
        return _("Due today: %(unit)s must reply today: %(title)s") % values
    if kind == Supervision.Kind.ACCEPT_OVERDUE:
        return _("Not accepted in time (due %(due)s): %(unit)s: %(title)s") % values
    return _("Overdue since %(due)s, escalated to the committee: %(unit)s: %(title)s") % values


def _handlers_by_unit(unit_ids) -> dict[int, set[int]]:
    through = HandlingUnit.handlers.through
    mapping: dict[int, set[int]] = {}
    for unit_id, user_id in through.objects.filter(handlingunit_id__in=unit_ids).values_list(
        "handlingunit_id", "user_id"
    ):
        mapping.setdefault(unit_id, set()).add(user_id)
    return mapping


def _admins_by_region_path() -> dict[str, set[int]]:
    mapping: dict[str, set[int]] = {}
    for path, user_id in (
        get_user_model().objects.filter(committee_regions__isnull=False).values_list("committee_regions__path", "pk")
    ):
        mapping.setdefault(path, set()).add(user_id)
    return mapping
