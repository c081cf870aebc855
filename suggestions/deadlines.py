"""The three colours of a deadline (三色督办): green on time, yellow due soon, red late or flagged.

One rule, written twice on purpose — in Python for one assignment (:func:`colour`)
and in SQL for boards and filters (:func:`colour_conditions`) — and kept here
together so that the two say the same.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from core import workdays
from suggestions.models import Assignment, Stage
from suggestions.workflow import OPEN_ASSIGNMENT as OPEN

REMIND_BEFORE_DAYS = 3

GREEN, YELLOW, RED = "green", "yellow", "red"


def colour(due: dt.date | None, today: dt.date | None = None, *, flagged: bool = False) -> str:
    """Green on time, yellow due within 3 working days, red overdue (and always red when flagged)."""
    today = today or timezone.localdate()
    if flagged or (due is not None and due < today):
        return RED
    if due is not None and due <= workdays.add_workdays(today, REMIND_BEFORE_DAYS):
        return YELLOW
    return GREEN


def late_q(today: dt.date, prefix: str = "") -> Q:
    """An assignment past its reply deadline, or still unaccepted past the acceptance deadline."""
    return Q(**{f"{prefix}reply_due__lt": today}) | Q(
        **{f"{prefix}status": Assignment.Status.PENDING, f"{prefix}accept_due__lt": today}
    )


def colour_conditions(today: dt.date, prefix: str = "") -> tuple[Q, Q, Q]:
    """(open, red, red-or-yellow) as ``Q`` on assignments: :func:`colour` in SQL, for boards and filters."""
    soon = workdays.add_workdays(today, REMIND_BEFORE_DAYS)
    open_q = Q(**{f"{prefix}status__in": OPEN, f"{prefix}suggestion__stage": Stage.ASSIGN})
    red = open_q & (
        late_q(today, prefix) | Q(**{f"{prefix}flagged": True}) | Q(**{f"{prefix}suggestion__flagged": True})
    )
    warm = red | (open_q & Q(**{f"{prefix}reply_due__lte": soon}))
    return open_q, red, warm
