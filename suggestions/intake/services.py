"""Writes of the suggestion intake. Views, imports, the seed and later the workflow call these.

Every function re-checks the actor's right through :mod:`accounts.permissions`
(``by=None`` means a citizen on a public page) and writes the timeline
``Event`` in the same transaction as the change; messages to citizens go out
after commit and never undo the change when they fail.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from audit import services as audit
from core.crypto import phone_digest
from core.files import UploadedAttachment
from core.i18n import in_portal_language
from core.sms import send_sms
from suggestions.intake import fast_write
from suggestions.models import OPEN_STAGES, Attachment, Channel, Event, Stage, Suggestion

logger = logging.getLogger(__name__)

PUBLIC_CHANNELS = (Channel.QR_STATION, Channel.QR_REPRESENTATIVE, Channel.ONLINE)
# What get_channel_display() says, without rebuilding the choices on every call (labels translate when used).
CHANNEL_LABELS = dict(Channel.choices)


@in_portal_language
def suggestion_create(
    *,
    station,
    channel: str,
    title: str,
    content: str,
    by=None,
    received_at: dt.datetime | None = None,
    category=None,
    representative=None,
    location: str = "",
    is_enterprise: bool = False,
    enterprise_name: str = "",
    submitter_name: str = "",
    submitter_phone: str = "",
    consent_version: str = "",
    visit=None,
    idempotency_key: str | None = None,
    attachments: list[UploadedAttachment] | tuple = (),
    notify: bool = True,
) -> tuple[Suggestion, bool]:
    """Record a suggestion from any channel; returns ``(suggestion, created)``.

    A repeated ``idempotency_key`` (a double click, a resubmit after a network
    error) returns the suggestion already made, with ``created=False``.
    ``consent_version`` is the privacy notice the citizen agreed to on the form
    (stored with the moment of agreeing, now). Name and phone are encrypted on
    the way to the database, once each; the phone's keyed hash goes beside it.
    Raises ``PermissionDenied`` when ``by`` may not enter suggestions for the
    station, or when a citizen (``by=None``) uses a staff-only channel, and
    ``ValidationError`` for inconsistent data (an enterprise without a name, a
    received date in the future).
    """
    if by is None:
        if channel not in PUBLIC_CHANNELS:
            raise PermissionDenied(_("Only station staff may record suggestions from this channel."))
    elif not permissions.can_enter_suggestions(by, station):
        raise PermissionDenied(_("You may not enter suggestions for this station."))
    if is_enterprise and not enterprise_name.strip():
        raise ValidationError({"enterprise_name": _("Give the enterprise's name.")})
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"received_at": _("The date received cannot be in the future.")})
    values = {
        "station": station,
        "region_id": station.region_id,
        "channel": channel,
        "title": title.strip(),
        "content": content.strip(),
        "received_at": received_at,
        "category": category,
        "representative": representative,
        "location": location.strip(),
        "is_enterprise": is_enterprise,
        "enterprise_name": enterprise_name.strip() if is_enterprise else "",
        "submitter_name": submitter_name.strip(),
        "submitter_phone": submitter_phone.strip(),
        # Also worked out by the field's pre_save on the ORM path; the one-statement write skips save().
        "submitter_phone_hash": phone_digest(submitter_phone),
        "consent_version": consent_version,
        "consent_at": now if consent_version else None,
        "visit": visit,
        "idempotency_key": idempotency_key or None,
        "created_by": by,
    }
    event_values = {
        "kind": Event.Kind.RECEIVED,
        "actor": by,
        "note": _("Entered from channel: %(channel)s") % {"channel": CHANNEL_LABELS.get(channel, channel)},
        "public_text": _("Received by %(station)s.") % {"station": station.name},
    }
    # A repeated key is caught by the unique constraint below rather than by a look-up first:
    # one query fewer on the public form's hot path, and no window between look-up and insert.
    try:
        if not attachments and fast_write.available():
            suggestion = fast_write.insert_with_event(values, event_values)
        else:
            suggestion = _insert_with_attachments(values, event_values, attachments)
    except IntegrityError:
        # The key was used before (a resubmit) or by a request racing this one.
        if idempotency_key:
            existing = Suggestion.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing, False
        raise
    if notify and suggestion.submitter_phone:
        phone = suggestion.submitter_phone
        text = _("Your suggestion has been received. Tracking code %(code)s; follow it at %(url)s") % {
            "code": suggestion.tracking_code,
            "url": f"{settings.PUBLIC_BASE_URL}/t/{suggestion.tracking_code}/",
        }
        transaction.on_commit(lambda: send_sms(phone, text))
    return suggestion, True


def _insert_with_attachments(values: dict, event_values: dict, attachments) -> Suggestion:
    """The suggestion, its files and its first event, all or nothing.

    The rows are one transaction; the files are not part of it. When anything
    fails after a file was stored (the database lost mid-request), the files
    stored so far are removed again: a citizen's photo is never kept without
    the suggestion it came with.
    """
    stored = []
    try:
        with transaction.atomic():
            suggestion = Suggestion(**values)
            suggestion.save(force_insert=True)
            for upload in attachments:
                attachment = Attachment(
                    suggestion=suggestion,
                    original_name=upload.name[:200],
                    content_type=upload.content_type,
                    size=upload.content.size,
                )
                attachment.file.save(upload.name, upload.content, save=False)
                stored.append(attachment.file)
                attachment.save()
            Event(suggestion=suggestion, **event_values).save(force_insert=True)
    except Exception:
        for file in stored:
            try:
                file.storage.delete(file.name)
            except Exception:
                logger.exception("could not remove %s after a failed submission", file.name)
        raise
    return suggestion


@in_portal_language
@transaction.atomic
def suggestion_set_category(*, suggestion: Suggestion, category, by) -> Suggestion:
    """Correct an item's category (from the admin); only that field is written, and the timeline says who.

    Raises ``PermissionDenied`` unless ``by`` may see the item and is a committee admin of its region.
    """
    if not (permissions.can_see_suggestion(by, suggestion) and permissions.region_in_scope(by, suggestion.region)):
        raise PermissionDenied(_("You may not correct this suggestion."))
    Suggestion.objects.filter(pk=suggestion.pk).update(category=category, updated_at=timezone.now())
    suggestion.category = category
    Event.objects.create(
        suggestion=suggestion,
        kind=Event.Kind.EDITED,
        actor=by,
        note=_("Category set to “%(category)s” in the admin.") % {"category": category or "—"},
    )
    return suggestion


@in_portal_language
def suggestion_merge(*, duplicate: Suggestion, original: Suggestion, by) -> Suggestion:
    """Link ``duplicate`` to ``original`` (汇总梳理); the duplicate is closed and stops counting.

    Its submitter follows the original's progress from the duplicate's own
    tracking page. Raises ``PermissionDenied`` if ``by`` may not merge at the
    duplicate's station and ``ValidationError`` when the two cannot be merged
    (same item, different region, already merged, not open).
    """
    if not permissions.can_merge_suggestion(by, duplicate):
        raise PermissionDenied(_("You may not merge suggestions of this station."))
    if original.duplicate_of_id:
        original = original.duplicate_of
    if duplicate.pk == original.pk:
        raise ValidationError(_("A suggestion cannot be merged into itself."))
    if duplicate.region_id != original.region_id:
        raise ValidationError(_("Only suggestions from the same region can be merged."))
    with transaction.atomic():
        updated = Suggestion.objects.filter(pk=duplicate.pk, duplicate_of__isnull=True, stage__in=OPEN_STAGES).update(
            duplicate_of=original, stage=Stage.CLOSED, updated_at=timezone.now()
        )
        if not updated:
            raise ValidationError(_("This suggestion is already closed or merged."))
        Suggestion.objects.filter(duplicate_of=duplicate).update(duplicate_of=original)
        Event.objects.create(
            suggestion=duplicate,
            kind=Event.Kind.MERGED,
            actor=by,
            note=_("Merged into %(code)s") % {"code": original.tracking_code},
            public_text=_("Handled together with a similar suggestion; its progress is shown below."),
        )
        Event.objects.create(
            suggestion=original,
            kind=Event.Kind.DUPLICATE_ADDED,
            actor=by,
            note=_("%(code)s merged into this suggestion") % {"code": duplicate.tracking_code},
        )
        audit.record(
            audit.AuditAction.LOOP_ACTION,
            actor=by,
            obj=duplicate,
            detail={
                "code": duplicate.tracking_code,
                "step_code": "merge",
                "step": _("Merged into %(code)s") % {"code": original.tracking_code},
            },
        )
    duplicate.refresh_from_db()
    return duplicate
