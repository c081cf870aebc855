"""Registers as XLSX: written row by row (openpyxl's write-only mode) so memory stays flat.

Small registers download at once; larger ones become an :class:`ExportJob` that a
Celery task writes while the page shows its progress. The file is kept for
:data:`~oversight.models.KEEP_FOR` and only its requester may fetch it.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from liaison.i18n import in_portal_language
from liaison.spreadsheet import cells

from .models import KEEP_FOR, ExportJob
from .registers import Register, Scope, get_register, register_scope

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 2000


def immediate_limit() -> int:
    """Up to this many rows a register downloads at once; more go to a background export."""
    return getattr(settings, "REGISTER_IMMEDIATE_ROWS", 3000)


def write_xlsx(register: Register, user, scope: Scope, handle, progress=None, limit: int | None = None) -> int:
    """Write the register to ``handle``; calls ``progress(rows_written)`` every few thousand rows.

    ``limit`` keeps the first rows only (the benchmark's fixed size).
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(register.title)[:31])
    bold = Font(bold=True)
    header = []
    for text in register.headers():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    written = 0
    queryset = register.queryset(scope)
    if limit is not None:
        queryset = queryset[:limit]
    for row in register.rows(user, scope, queryset=queryset):
        sheet.append(cells(sheet, row))
        written += 1
        if progress and written % PROGRESS_EVERY == 0:
            progress(written)
    workbook.save(handle)
    return written


def filename(register: Register, scope: Scope) -> str:
    where = scope.station.code if scope.station is not None else "all"
    return f"{register.key}-{where}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


def start_job(*, user, register_key: str, scope: Scope, total: int) -> ExportJob:
    """Record the request and queue the task once the row is committed."""
    register = get_register(register_key)
    where = scope.station.name if scope.station is not None else _("all stations")
    job = ExportJob.objects.create(
        requested_by=user,
        register=register_key,
        params=scope.params(),
        title=f"{register.title} · {where}",
        total=total,
    )
    from .tasks import write_export

    transaction.on_commit(lambda: write_export.delay(str(job.pk)))
    return job


@in_portal_language
def run_job(job_id: str) -> None:
    """Write one export job's file (the Celery task's body); the requester's rights are checked again."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING
    )
    if not claimed:
        return
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    register = get_register(job.register)
    params = job.params or {}
    try:
        scope = register_scope(
            job.requested_by,
            station_code=params.get("station", ""),
            date_from=dt.date.fromisoformat(params["from"]) if params.get("from") else None,
            date_to=dt.date.fromisoformat(params["to"]) if params.get("to") else None,
        )

        def progress(done):
            ExportJob.objects.filter(pk=job.pk).update(done=done)

        with tempfile.TemporaryFile() as handle:
            written = write_xlsx(register, job.requested_by, scope, handle, progress)
            handle.seek(0)
            job.file.save(filename(register, scope), File(handle), save=False)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.DONE, done=written, total=written, file=job.file.name, finished_at=timezone.now()
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
