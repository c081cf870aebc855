"""Registers as XLSX: written row by row (openpyxl's write-only mode) so memory stays flat.

Small registers download at once; larger ones become an :class:`ExportJob` that a
Celery task writes while the page shows its progress. The file is kept for
:data:`~oversight.models.KEEP_FOR` and only its requester may fetch it.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile

from celery import current_app
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from core.i18n import in_portal_language
from core.spreadsheet import cells
from suggestions import exports as list_exports
from suggestions.listing import list_queryset
from suggestions.loop import notifications

from .models import KEEP_FOR, ExportJob
from .registers import Register, Scope, get_register, register_scope

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 2000
LIST = "list"  # ExportJob.register of the filtered suggestion list


def immediate_limit() -> int:
    """Up to this many rows a register downloads at once; more go to a background export."""
    return getattr(settings, "REGISTER_IMMEDIATE_ROWS", 3000)


def write_rows(title: str, headers: list, rows, handle, progress=None) -> int:
    """Write a sheet of ``rows`` under bold ``headers`` to ``handle``; ``progress(n)`` every few thousand rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(title)[:31])
    bold = Font(bold=True)
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    written = 0
    for row in rows:
        sheet.append(cells(row))
        written += 1
        if progress and written % PROGRESS_EVERY == 0:
            progress(written)
    workbook.save(handle)
    return written


def write_xlsx(register: Register, user, scope: Scope, handle, progress=None, limit: int | None = None) -> int:
    """Write the register to ``handle``; ``limit`` keeps the first rows only (the benchmark's fixed size)."""
    queryset = register.queryset(scope)
    if limit is not None:
        queryset = queryset[:limit]
    rows = register.rows(user, scope, queryset=queryset)
    return write_rows(register.title, register.headers(), rows, handle, progress)


def filename(register: Register, scope: Scope) -> str:
    where = scope.station.code if scope.station is not None else "all"
    return f"{register.key}-{where}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


def start_job(*, user, register_key: str, scope: Scope, total: int) -> ExportJob:
    """Record a register export and queue the task once the row is committed."""
    register = get_register(register_key)
    where = scope.station.name if scope.station is not None else _("all stations")
    return _queue(user, register_key, scope.params(), f"{register.title} · {where}", total)


def start_list_job(*, user, querystring: str, total: int) -> ExportJob:
    """The suggestion list as filtered (its query string), written in the background."""
    return _queue(user, LIST, {"query": querystring}, _("Suggestions (filtered list)"), total)


def _queue(user, register_key: str, params: dict, title: str, total: int) -> ExportJob:
    job = ExportJob.objects.create(
        requested_by=user, register=register_key, params=params, title=title[:120], total=total
    )
    transaction.on_commit(lambda: _send(job.pk))
    return job


# Named, not imported: the tasks module sits above this one and imports it.
WRITE_TASK = "oversight.tasks.write_export"


def _send(job_id) -> None:
    """Queue the writing; with the broker away the job fails at once with a reason, instead of a 500 page
    and a progress bar that never moves."""
    try:
        current_app.tasks[WRITE_TASK].delay(str(job_id))
    except Exception:
        logger.exception("could not queue export %s", job_id)
        ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
            status=ExportJob.Status.FAILED,
            error=_("The background service is not available. Try again in a few minutes."),
            finished_at=timezone.now(),
        )


def _register_file(job: ExportJob, handle, progress) -> tuple[int, str]:
    register = get_register(job.register)
    params = job.params or {}
    scope = register_scope(
        job.requested_by,
        station_code=params.get("station", ""),
        date_from=dt.date.fromisoformat(params["from"]) if params.get("from") else None,
        date_to=dt.date.fromisoformat(params["to"]) if params.get("to") else None,
    )
    return write_xlsx(register, job.requested_by, scope, handle, progress), filename(register, scope)


def _list_file(job: ExportJob, handle, progress) -> tuple[int, str]:
    _form, _filters, suggestions = list_queryset(job.requested_by, QueryDict((job.params or {}).get("query", "")))
    rows = list_exports.rows(job.requested_by, suggestions)
    written = write_rows(_("Suggestions"), list_exports.columns(), rows, handle, progress)
    return written, list_exports.filename("xlsx")


@in_portal_language
def run_job(job_id: str) -> None:
    """Write one export job's file (the Celery task's body); the requester's rights are checked again."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING
    )
    if not claimed:
        return
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    try:

        def progress(done):
            ExportJob.objects.filter(pk=job.pk).update(done=done)

        with tempfile.TemporaryFile() as handle:
            build = _list_file if job.register == LIST else _register_file
            written, name = build(job, handle, progress)
            handle.seek(0)
            job.file.save(name, File(handle), save=False)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.DONE, done=written, total=written, file=job.file.name, finished_at=timezone.now()
        )
        # Through the notification service, so that the notice is e-mailed like every other.
        notifications.deliver_now(
            [job.requested_by_id],
            _("Your export is ready: %(title)s") % {"title": job.title},
            reverse("oversight:export", args=[job.pk]),
        )
    except Exception as exc:
        logger.exception("Export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=str(exc)[:300], finished_at=timezone.now()
        )


def purge_expired(now=None) -> int:
    """Delete export files past their keeping time (beat runs this hourly)."""
    now = now or timezone.now()
    expired = ExportJob.objects.filter(finished_at__lt=now - KEEP_FOR)
    removed = 0
    for job in expired.iterator():
        if job.file:
            job.file.delete(save=False)
        removed += 1
    expired.delete()
    return removed
