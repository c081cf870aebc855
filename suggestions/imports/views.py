"""Import of a station's historical register: upload, preview, confirm.

Between preview and confirm the uploaded bytes wait in the private storage
under a random name kept in the session; confirm re-reads and re-checks that
file and never trusts anything posted back from the preview page.
"""

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from stations.selectors import station_for_manager
from suggestions.imports import importer
from suggestions.models import Category


class RegisterUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Register file (.xlsx)"),
        help_text=gettext_lazy("An Excel workbook of at most 5 MB and 5000 rows, with the template's header row."),
        error_messages={"required": gettext_lazy("Choose an Excel file (.xlsx) to upload.")},
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{importer.XLSX_CONTENT_TYPE}"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        head = upload.read(4)
        upload.seek(0)
        try:
            importer.check_upload(upload.name, upload.size, head)
        except importer.ImportFileError as exc:
            raise ValidationError(str(exc)) from exc
        return upload


def _session_key(station) -> str:
    return f"suggestion_import:{station.pk}"


def _stash(request, station, data: bytes) -> None:
    """Keep a checked file for confirmation, replacing any earlier one of this station."""
    _discard(request, station)
    request.session[_session_key(station)] = importer.stash_keep(station=station, by=request.user, data=data)


def _stashed_token(request, station) -> str | None:
    token = request.session.get(_session_key(station))
    try:
        return uuid.UUID(hex=token).hex if token else None
    except ValueError:
        return None


def _discard(request, station) -> None:
    token = _stashed_token(request, station)
    request.session.pop(_session_key(station), None)
    if token:
        importer.stash_drop(token)


def _done_url(station) -> str:
    try:
        return reverse("suggestions:list")
    except NoReverseMatch:
        return station.get_absolute_url()


def _column_help() -> list[tuple[str, bool, str]]:
    texts = {
        importer.COL_RECEIVED: _(
            "The day it was received, as an Excel date or like 2024-03-20 or 2024/3/20; not in the future."
        ),
        importer.COL_CHANNEL: _("One of %(choices)s.") % {"choices": "、".join(importer.CHANNEL_LABELS)},
        importer.COL_TITLE: _("At most %(max)s characters.") % {"max": importer.MAX_LENGTHS[importer.COL_TITLE]},
        importer.COL_CONTENT: _("What happened and what is asked."),
        importer.COL_CATEGORY: _("Optional; the name of a category in use."),
        importer.COL_LOCATION: _("Optional."),
        importer.COL_SUBMITTER: _("Optional; leave it empty for an anonymous citizen."),
        importer.COL_PHONE: _("Optional; an 11-digit mobile number. Imported items send no text message."),
        importer.COL_ENTERPRISE: _("Only for a problem raised by an enterprise; the row then counts as one."),
    }
    return [(column, column in importer.REQUIRED_COLUMNS, texts[column]) for column in importer.COLUMNS]


@require_http_methods(["GET", "POST"])
def register_upload(request, code):
    """Step 1 (GET) and step 2 (POST): upload a register, then see every row checked."""
    station = station_for_manager(request.user, code)
    form = RegisterUploadForm(request.POST, request.FILES) if request.method == "POST" else RegisterUploadForm()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            preview = importer.parse_register(data)
        except importer.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            if preview.is_valid:
                _stash(request, station, data)
            else:
                # A file with errors is never kept: the corrected one has to be uploaded anyway.
                _discard(request, station)
            return render(
                request,
                "suggestions/import_preview.html",
                {
                    "station": station,
                    "preview": preview,
                    "file_name": form.cleaned_data["file"].name,
                    "form": RegisterUploadForm(),
                },
            )
    return render(
        request,
        "suggestions/import_upload.html",
        {"station": station, "form": form, "column_help": _column_help()},
    )


@require_POST
def register_confirm(request, code):
    """Step 3: import the file checked in step 2, all rows or none."""
    station = station_for_manager(request.user, code)
    upload_url = reverse("imports:upload", args=[station.code])
    token = _stashed_token(request, station)
    request.session.pop(_session_key(station), None)
    # Whatever happens now, this file is used once.
    data = importer.stash_take(token) if token else None
    if data is None:
        messages.error(request, _("There is no checked file to import. Upload the register again."))
        return redirect(upload_url)
    try:
        preview = importer.parse_register(data)
    except importer.ImportFileError as exc:
        messages.error(request, _("Nothing was imported: %(reason)s") % {"reason": exc})
        return redirect(upload_url)
    if not preview.is_valid:
        # Valid at preview time, not now: a category was switched off in between, say.
        return render(
            request,
            "suggestions/import_preview.html",
            {"station": station, "preview": preview, "file_name": "", "form": RegisterUploadForm()},
        )
    try:
        imported = importer.suggestions_import(station=station, by=request.user, preview=preview, batch=token)
    except ValidationError as exc:
        messages.error(request, _("Nothing was imported: %(reason)s") % {"reason": " ".join(exc.messages)})
        return redirect(upload_url)
    messages.success(
        request,
        _("%(count)s suggestions were imported into %(station)s, each with its original date received.")
        % {"count": imported, "station": station.name},
    )
    return redirect(_done_url(station))


@require_POST
def register_cancel(request, code):
    station = station_for_manager(request.user, code)
    _discard(request, station)
    messages.info(request, _("The import was cancelled; nothing was imported."))
    return redirect("imports:upload", code=station.code)


@require_GET
def register_template(request, code):
    """The empty register with its header and one example row."""
    station = station_for_manager(request.user, code)
    example = Category.objects.filter(is_active=True).values_list("name", flat=True).first() or ""
    response = HttpResponse(
        importer.template_workbook(example_category=example), content_type=importer.XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="register-template-{station.code}.xlsx"'
    return response
