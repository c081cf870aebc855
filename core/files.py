"""Private files: where citizens' and staff uploads are stored, how they are checked, how they are served.

Attachments are judged by their bytes, never by their names: a photo must be
JPEG, PNG, WebP or GIF (with at most ``UPLOAD_IMAGE_MAX_PIXELS`` pixels, read
from its header, see :mod:`core.images`), a PDF must start with ``%PDF-``.
Stored files never sit under a public URL: a view that checked who may see
them hands them out with :func:`private_file_response`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

from core import images

# Inline display is offered only for raster images (never SVG or HTML); everything else is a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}


def private_storage():
    """Uploads never sit under a public URL; a view checks who may fetch them."""
    return storages["private"]


@dataclass
class UploadedAttachment:
    name: str
    content_type: str
    content: object  # a django File / UploadedFile


# Pillow format name -> (content type, file extension). Only these decoders are ever tried.
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
    "GIF": ("image/gif", ".gif"),
}
PDF = ("application/pdf", ".pdf")
ACCEPT = ",".join([*(ct for ct, _ext in IMAGE_FORMATS.values()), PDF[0]])


def _safe_name(name: str, extension: str) -> str:
    """The file's own name (shown to staff), with the extension of what it really is."""
    stem = PurePosixPath(name.replace("\\", "/")).stem.strip() or "attachment"
    return f"{stem[:80]}{extension}"


def inspect_upload(upload) -> UploadedAttachment:
    """Check one uploaded file by content; raises ``ValidationError`` naming the file.

    Photos are measured from their header and never decoded here (see :mod:`core.images`).
    """
    name = upload.name or "?"
    limit = settings.SUGGESTION_ATTACHMENT_MAX_BYTES
    if not upload.size:
        raise ValidationError(_("“%(name)s” is empty."), code="empty", params={"name": name})
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is larger than %(mb)s MB."),
            code="too_large",
            params={"name": name, "mb": f"{limit / (1024 * 1024):g}"},
        )
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        content_type, extension = PDF
    else:
        try:
            image_format = images.photo_format(upload, list(IMAGE_FORMATS))
            upload = images.without_metadata(upload, image_format)
        except images.TooManyPixels as exc:
            raise images.too_many_pixels_error(name, exc.size) from None
        except images.NotAPhoto:
            raise ValidationError(
                _("“%(name)s” is not a photo (JPEG, PNG, WebP, GIF) or a PDF file."),
                code="invalid_type",
                params={"name": name},
            ) from None
        content_type, extension = IMAGE_FORMATS[image_format]
    return UploadedAttachment(name=_safe_name(name, extension), content_type=content_type, content=upload)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.Field):
    """Zero to ``SUGGESTION_ATTACHMENT_MAX_FILES`` photos or PDFs, cleaned into ``UploadedAttachment`` values."""

    widget = MultipleFileInput

    def clean(self, value):
        uploads = [upload for upload in (value or []) if upload]
        limit = settings.SUGGESTION_ATTACHMENT_MAX_FILES
        if len(uploads) > limit:
            raise ValidationError(
                _("You can attach at most %(limit)s files; you chose %(count)s."),
                code="too_many",
                params={"limit": limit, "count": len(uploads)},
            )
        cleaned, errors = [], []
        for upload in uploads:
            try:
                cleaned.append(inspect_upload(upload))
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        return cleaned




def private_file_response(fieldfile, name: str, content_type: str):
    """A stored private file: images inline, everything else as a download, never able to act as a page."""
    inline = content_type in INLINE_TYPES
    response = FileResponse(
        fieldfile.open("rb"),
        as_attachment=not inline,
        filename=name,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a file were hostile, a browser opening it gets no scripts and no same-origin rights.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
