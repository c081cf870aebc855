"""Reads of the audit trail for its one reader, the audit administrator."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, fields

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AuditAction, AuditRecord


@dataclass(frozen=True)
class AuditFilters:
    query: str = ""
    actor: str = ""
    action: str = ""
    outcome: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def any(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_log(filters: AuditFilters) -> QuerySet[AuditRecord]:
    """Newest first. Every filter narrows an indexed column except the free-text search, which reads the detail."""
    records = AuditRecord.objects.order_by("-seq")
    if filters.actor:
        records = records.filter(actor_username__icontains=filters.actor)
    if filters.action:
        records = records.filter(action=filters.action)
    if filters.outcome:
        records = records.filter(outcome=filters.outcome)
    if filters.object_type:
        records = records.filter(object_type=filters.object_type)
    if filters.object_id:
        records = records.filter(object_id=filters.object_id)
    if filters.date_from:
        records = records.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        records = records.filter(created_at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.query:
        text = filters.query
        records = records.filter(
            Q(actor_username__icontains=text) | Q(ip__icontains=text) | Q(object_id=text) | Q(detail__icontains=text)
        )
    return records


def last_verification() -> AuditRecord | None:
    """The newest check of the chain, by the daily task or the button (the action's index finds it at once)."""
    return AuditRecord.objects.filter(action=AuditAction.AUDIT_VERIFY).order_by("-seq").first()


@functools.cache
def _model_names() -> dict[str, str]:
    return {model._meta.label_lower: model._meta.verbose_name for model in apps.get_models()}


def model_for(label: str):
    """The model a record's object type names, or None (a model since removed)."""
    try:
        return apps.get_model(label) if "." in label else None
    except LookupError:
        return None


def field_change_labels(label: str, fields: dict) -> dict:
    """``{"admin_duty": {"from": "", "to": "audit"}}`` in words: the field's name and its choices' labels."""
    model = model_for(label)
    shown = {}
    for name, change in fields.items():
        try:
            field = model._meta.get_field(name) if model is not None else None
        except LookupError:
            field = None
        if field is None or not isinstance(change, dict):
            shown[name] = change
            continue
        choices = dict(field.flatchoices) if field.choices else {}
        shown[str(field.verbose_name)] = {side: choices.get(value, value) for side, value in change.items()}
    return shown


def field_label(label: str, name: str) -> str:
    model = model_for(label)
    try:
        return str(model._meta.get_field(name).verbose_name) if model is not None else name
    except LookupError:
        return name


def object_type_label(label: str) -> str:
    """The model's name in the reader's language; unknown labels (a model since removed) as stored."""
    name = _model_names().get(label)
    return str(name) if name is not None else label


def object_type_choices() -> list[tuple[str, str]]:
    return sorted(((label, str(name)) for label, name in _model_names().items()), key=lambda c: c[1])
