"""The filtered suggestion list as CSV or XLSX, streamed so memory stays flat."""

from __future__ import annotations

import csv
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts import permissions
from core.spreadsheet import cells


def columns():
    return [
        _("Tracking code"),
        _("Received"),
        _("Station"),
        _("Channel"),
        _("Category"),
        _("Stage"),
        _("Title"),
        _("Content"),
        _("Location"),
        _("Enterprise"),
        _("Citizen"),
        _("Mobile number"),
        _("Addressed to"),
    ]


def rows(user, suggestions):
    for s in suggestions.iterator(chunk_size=2000):
        phone = permissions.phone_shown_to(user, s, s.submitter_phone)
        yield [
            s.tracking_code,
            timezone.localtime(s.received_at).strftime("%Y-%m-%d %H:%M"),
            s.station.name,
            s.get_channel_display(),
            s.category.name if s.category_id else "",
            s.get_stage_display(),
            s.title,
            s.content,
            s.location,
            s.enterprise_name if s.is_enterprise else "",
            s.submitter_name,
            phone,
            s.representative.name if s.representative_id else "",
        ]


class _Echo:
    def write(self, value):
        return value


def filename(ext: str) -> str:
    return f"suggestions-{timezone.localtime():%Y%m%d-%H%M}.{ext}"


def csv_response(user, suggestions) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        # A byte-order mark so that Excel opens the Chinese text as UTF-8.
        yield "\ufeff" + writer.writerow(columns())
        for row in rows(user, suggestions):
            yield writer.writerow(cells(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename("csv")}"'
    return response


def xlsx_response(user, suggestions) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Suggestions"))
    sheet.append(columns())
    for row in rows(user, suggestions):
        sheet.append(cells(row))
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
