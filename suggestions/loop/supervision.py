"""督办 / 催办: the deadline sweep (reminders before a deadline, escalations after it).

The sweep runs from Celery beat every few minutes and is set-based: one
``INSERT … SELECT … ON CONFLICT DO NOTHING`` per kind finds every assignment
that needs a reminder or an escalation, whatever their number, and the unique
constraint on (assignment, kind, deadline) means two sweeps at once, a retried
task or a worker killed half-way never make one twice. Each INSERT returns the
rows it made, and exactly those are announced, in bulk, in the same
transaction. A run that was missed catches up on the next: the conditions are
ranges, not exact days (except the reminder on the day itself).
"""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import workdays
from core.i18n import in_portal_language
from stations.models import Region
from suggestions import deadlines
from suggestions.loop import notifications
from suggestions.models import Assignment, Event, HandlingUnit, Notification, Suggestion, Supervision
from suggestions.workflow import OPEN_ASSIGNMENT as OPEN

REMIND_BEFORE_DAYS = deadlines.REMIND_BEFORE_DAYS


def _insert(kind: str, where: str, params: list, now, deadline_column: str = "reply_due") -> list[int]:
    """Make the supervisions of one kind that are due; returns the ids this call made (not those that existed)."""
    supervision = Supervision._meta.db_table
    assignment = Assignment._meta.db_table
    sql = (
        f"INSERT INTO {supervision} (assignment_id, kind, deadline, created_at, notified_at) "
        f"SELECT a.id, %s, a.{deadline_column}, %s, %s FROM {assignment} a "
        f"WHERE a.status IN ({', '.join(['%s'] * len(OPEN))}) AND {where} "
        f"ON CONFLICT (assignment_id, kind, deadline) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind, now, now, *OPEN, *params])
        return [row[0] for row in cursor.fetchall()]


@in_portal_language
def deadline_sweep(*, today: dt.date | None = None) -> dict:
    """Make the reminders and escalations due ``today`` and announce them; returns counts per kind.

    Making and announcing happen in one transaction, and a row is announced by
    the sweep whose INSERT made it: a concurrent sweep's INSERT waits on the
    unique index and then makes nothing, and a sweep that dies half-way rolls
    back both, so the next one does the whole job again.
    """
    today = today or timezone.localdate()
    soon = workdays.add_workdays(today, REMIND_BEFORE_DAYS)
    now = timezone.now()
    with transaction.atomic():
        made = {
            Supervision.Kind.REMIND_BEFORE: _insert(
                Supervision.Kind.REMIND_BEFORE, "a.reply_due > %s AND a.reply_due <= %s", [today, soon], now
            ),
            Supervision.Kind.REMIND_DUE: _insert(Supervision.Kind.REMIND_DUE, "a.reply_due = %s", [today], now),
            Supervision.Kind.ESCALATION: _insert(Supervision.Kind.ESCALATION, "a.reply_due < %s", [today], now),
            Supervision.Kind.ACCEPT_OVERDUE: _insert(
                Supervision.Kind.ACCEPT_OVERDUE,
                f"a.accept_due < %s AND a.status = '{Assignment.Status.PENDING}'",
                [today],
                now,
                deadline_column="accept_due",
            ),
        }
        ids = sorted(pk for kind_ids in made.values() for pk in kind_ids)
        notification_ids = _announce(ids) if ids else []
    if notification_ids:
        transaction.on_commit(lambda: notifications.queue_email(notification_ids), robust=True)
    return {**{str(k): len(v) for k, v in made.items()}, "notified": len(ids)}


def _announce(ids: list[int]) -> list[int]:
    """Notifications and timeline lines for the supervisions ``ids``, set-based; returns notification ids.

    Each handler gets, per kind, the item itself when the sweep found one for
    their units, else one digest with the count pointing at the unit inbox; each
    committee admin above an escalated item gets one digest per sweep pointing
    at the supervision page. Thousands of due items must not become thousands
    of messages (and e-mails) to one person. Every supervision also gets a
    timeline line on its suggestion.
    """
    in_ids, id_params = _in_ids(ids)
    text, text_params = _text_sql()
    t = _tables()
    joins = (
        f"JOIN {t['assignment']} a ON a.id = s.assignment_id "
        f"JOIN {t['unit']} u ON u.id = a.unit_id "
        f"JOIN {t['suggestion']} g ON g.id = a.suggestion_id"
    )
    with connection.cursor() as cursor:
        # Per handler and kind: one notification naming the item when there is one, else one digest
        # with the count pointing at the unit inbox. Rows: handlers × kinds, not handlers × items.
        cursor.execute(
            f"SELECT h.user_id, s.kind, COUNT(*), MIN(s.id) FROM {t['supervision']} s "
            f"JOIN {t['assignment']} a ON a.id = s.assignment_id "
            f"JOIN {t['handlers']} h ON h.handlingunit_id = a.unit_id "
            f"WHERE s.id {in_ids} GROUP BY h.user_id, s.kind",
            id_params,
        )
        per_handler = cursor.fetchall()
        single_ids = sorted({first for _user, _kind, count, first in per_handler if count == 1})
        # Always run, even for none: the sweep's query count must not depend on what is due.
        in_single, single_params = _in_ids(single_ids)
        cursor.execute(
            f"SELECT s.id, substr({text}, 1, 300), g.tracking_code FROM {t['supervision']} s {joins} "
            f"WHERE s.id {in_single}",
            [*text_params, *single_params],
        )
        singles = {sid: (message, code) for sid, message, code in cursor.fetchall()}
        unit_inbox = reverse("loop:unit_inbox")
        handler_notes = []
        for user_id, kind, count, first in per_handler:
            if count == 1 and first in singles:
                message, code = singles[first]
                handler_notes.append(Notification(user_id=user_id, text=message, url=f"/suggestions/{code}/"))
            else:
                handler_notes.append(Notification(user_id=user_id, text=_digest(kind, count), url=unit_inbox))
        # Escalations per region, then the committee admins of each region or any region above it
        # (their path is a prefix): a few hundred regions at most, matched in Python.
        cursor.execute(
            f"SELECT r.path, COUNT(*) FROM {t['supervision']} s {joins} "
            f"JOIN {t['region']} r ON r.id = g.region_id "
            f"WHERE s.id {in_ids} AND s.kind = %s GROUP BY r.path",
            [*id_params, Supervision.Kind.ESCALATION],
        )
        per_region = cursor.fetchall()
        counts: dict[int, int] = {}
        if per_region:
            for admin_path, user_id in _admins_by_region_path():
                for path, count in per_region:
                    if path.startswith(admin_path):
                        counts[user_id] = counts.get(user_id, 0) + count
        digests = [
            Notification(
                user_id=user_id,
                text=_digest(Supervision.Kind.ESCALATION, count),
                url=reverse("loop:supervision"),
            )
            for user_id, count in sorted(counts.items())
        ]
        cursor.execute(
            f"INSERT INTO {t['event']} "
            f"(suggestion_id, kind, action, from_stage, to_stage, note, public_text, created_at) "
            f"SELECT a.suggestion_id, CASE WHEN s.kind = %s THEN %s ELSE %s END, '', '', '', {text}, '', %s "
            f"FROM {t['supervision']} s {joins} WHERE s.id {in_ids}",
            [
                Supervision.Kind.ESCALATION,
                Event.Kind.ESCALATION,
                Event.Kind.REMINDER,
                *text_params,
                timezone.now(),
                *id_params,
            ],
        )
    return [n.pk for n in Notification.objects.bulk_create([*handler_notes, *digests])]


def _digest(kind: str, count: int) -> str:
    if kind == Supervision.Kind.REMIND_BEFORE:
        template = ngettext(
            "%(count)s assignment must be answered within 3 working days.",
            "%(count)s assignments must be answered within 3 working days.",
            count,
        )
    elif kind == Supervision.Kind.REMIND_DUE:
        template = ngettext(
            "%(count)s assignment must be answered today.", "%(count)s assignments must be answered today.", count
        )
    elif kind == Supervision.Kind.ACCEPT_OVERDUE:
        template = ngettext(
            "%(count)s assignment was not accepted in time.", "%(count)s assignments were not accepted in time.", count
        )
    else:
        template = ngettext(
            "%(count)s assignment is overdue and escalated to the committee.",
            "%(count)s assignments are overdue and escalated to the committee.",
            count,
        )
    return template % {"count": count}


def _admins_by_region_path() -> list[tuple[str, int]]:
    return list(Region.committee_admins.through.objects.values_list("region__path", "user_id"))


def _tables() -> dict[str, str]:
    return {
        "supervision": Supervision._meta.db_table,
        "assignment": Assignment._meta.db_table,
        "unit": HandlingUnit._meta.db_table,
        "suggestion": Suggestion._meta.db_table,
        "region": Region._meta.db_table,
        "handlers": HandlingUnit.handlers.through._meta.db_table,
        "admins": Region.committee_admins.through._meta.db_table,
        "notification": Notification._meta.db_table,
        "event": Event._meta.db_table,
    }


def _in_ids(ids: list[int]) -> tuple[str, list]:
    """``id IN (…)`` for many ids as one parameter: an array on PostgreSQL, a JSON list on SQLite."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [ids]
    return "IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]


def _templates() -> list[str]:
    # Translated once per sweep, not once per row; the SQL fills in the placeholders.
    return [
        _("Reminder: %(unit)s must reply by %(due)s: %(title)s"),
        _("Due today: %(unit)s must reply today: %(title)s"),
        _("Not accepted in time (due %(due)s): %(unit)s: %(title)s"),
        _("Overdue since %(due)s, escalated to the committee: %(unit)s: %(title)s"),
    ]


def _text_sql() -> tuple[str, list]:
    """The message of each row as SQL over s (supervision), u (unit) and g (suggestion)."""
    due = "to_char(s.deadline, 'YYYY-MM-DD')" if connection.vendor == "postgresql" else "s.deadline"
    before, today, accept, escalation = _templates()
    template = "CASE s.kind WHEN %s THEN %s WHEN %s THEN %s WHEN %s THEN %s ELSE %s END"
    sql = f"replace(replace(replace({template}, %s, u.name), %s, {due}), %s, substr(g.title, 1, 60))"
    params = [
        Supervision.Kind.REMIND_BEFORE,
        before,
        Supervision.Kind.REMIND_DUE,
        today,
        Supervision.Kind.ACCEPT_OVERDUE,
        accept,
        escalation,
        "%(unit)s",
        "%(due)s",
        "%(title)s",
    ]
    return sql, params
