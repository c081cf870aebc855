"""Uploaded photos: measured before anything decodes them, and stripped of metadata without decoding them.

A PNG of 12000×12000 pixels fits in 420 KB and takes 1.2 GB once decoded;
Pillow refuses only above twice ``Image.MAX_IMAGE_PIXELS`` (≈ 179 million
pixels) and merely warns below that. :func:`photo_format` reads the picture's
size from its header and refuses more than ``UPLOAD_IMAGE_MAX_PIXELS`` before
any pixel is decoded (for WebP even before Pillow opens the file, because its
decoder reserves the whole canvas when it is created).

:func:`without_metadata` then removes what a photo tells about the person who
sent it — EXIF (with the GPS position, the device, the time), XMP, comments,
text chunks — by rewriting the file's container (JPEG segments, PNG chunks,
WebP chunks) instead of decoding and re-encoding the picture. Memory stays at
the size of the file whatever the number of pixels, and the picture is kept
bit for bit. Only the orientation tag survives, as the sole entry of a new
EXIF block, so that the photo is still shown upright.

Callers turn :class:`TooManyPixels` into a form error with
:func:`too_many_pixels_error`; :func:`validate_pixels` does it for image fields
filled in the admin.
"""

from __future__ import annotations

import struct
import tempfile
import warnings
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.utils.translation import gettext_lazy as _
from PIL import Image

ORIENTATION = 0x0112
EXIF_HEADER = b"Exif\x00\x00"


class NotAPhoto(ValueError):
    """The file is not a picture in one of the accepted formats, or its structure is broken."""


class TooManyPixels(ValueError):
    """The picture has more pixels than ``UPLOAD_IMAGE_MAX_PIXELS``; ``size`` is (width, height) when known."""

    def __init__(self, size: tuple[int, int] | None):
        super().__init__(size)
        self.size = size


def max_pixels() -> int:
    return settings.UPLOAD_IMAGE_MAX_PIXELS


def _check_size(size: tuple[int, int] | None) -> None:
    if size is None:
        raise NotAPhoto("no size in the header")
    width, height = size
    if width * height > max_pixels():
        raise TooManyPixels(size)


def webp_size(head: bytes) -> tuple[int, int] | None:
    """The canvas of a WebP file, from its first 30 bytes (see the WebP container specification)."""
    kind = head[12:16]
    if kind == b"VP8 " and len(head) >= 30 and head[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if kind == b"VP8X" and len(head) >= 30:
        return int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1
    if kind == b"VP8L" and len(head) >= 25 and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def photo_format(upload, formats: list[str]) -> str:
    """Pillow's name for the upload's format, once its size and structure are checked; never decodes a pixel.

    Raises :class:`TooManyPixels` or :class:`NotAPhoto`. The upload is left at its start.
    """
    upload.seek(0)
    head = upload.read(30)
    upload.seek(0)
    try:
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            _check_size(webp_size(head))
        with warnings.catch_warnings():
            # Pillow's warning threshold is far above ours, which is checked next.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload, formats=formats) as image:
                _check_size(image.size)
                image_format = image.format
                image.verify()
    except Image.DecompressionBombError:
        raise TooManyPixels(None) from None
    except (TooManyPixels, NotAPhoto):
        raise
    except Exception as exc:
        # Pillow raises many kinds of errors for broken or hostile files
        # (UnidentifiedImageError, SyntaxError, struct.error ...): all mean "not a photo".
        raise NotAPhoto(str(exc)) from exc
    finally:
        upload.seek(0)
    return image_format


def too_many_pixels_error(name: str, size: tuple[int, int] | None) -> ValidationError:
    """The form error for :class:`TooManyPixels`: the file, its size when known, and the limit."""
    limit = f"{max_pixels() / 1_000_000:g}"
    if size is None:
        return ValidationError(
            _("“%(name)s” has too many pixels; photos may have at most %(limit)s million. Send a smaller copy."),
            code="too_many_pixels",
            params={"name": name, "limit": limit},
        )
    return ValidationError(
        _(
            "“%(name)s” has %(width)s×%(height)s pixels; photos may have at most %(limit)s million. "
            "Send a smaller copy."
        ),
        code="too_many_pixels",
        params={"name": name, "width": size[0], "height": size[1], "limit": limit},
    )


def validate_pixels(fieldfile) -> None:
    """Validator of model image fields (filled in the admin): a new file is measured from its header like any upload."""
    if getattr(fieldfile, "_committed", True):
        return  # stored before: measured when it came
    try:
        photo_format(fieldfile.file, None)
    except TooManyPixels as exc:
        raise too_many_pixels_error(fieldfile.name or "?", exc.size) from None
    except NotAPhoto:
        raise ValidationError(
            _("“%(name)s” is not a picture."), code="invalid_image", params={"name": fieldfile.name}
        ) from None


def _orientation(tiff: bytes) -> int | None:
    """The orientation tag of an EXIF block (with or without its ``Exif\\0\\0`` header), if it is a valid one."""
    exif = Image.Exif()
    try:
        exif.load(tiff)
        value = exif.get(ORIENTATION)
    except Exception:
        return None
    return value if isinstance(value, int) and 1 <= value <= 8 else None


def _exif_keeping(orientation: int | None) -> bytes | None:
    """A new EXIF block (``Exif\\0\\0`` + TIFF) holding only the orientation, when it turns the picture."""
    if orientation in (None, 1):
        return None
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return exif.tobytes()


# JPEG ------------------------------------------------------------------------------------

# APPn segments a decoder needs: JFIF (APP0), the ICC colour profile (APP2), Adobe's colour transform
# (APP14, needed for CMYK). Every other APPn (EXIF, XMP, MPF, Photoshop/IPTC, makers' notes) and
# every comment goes.
_JPEG_KEEP_APP = ((0xE0, b"JFIF\x00"), (0xE0, b"JFXX\x00"), (0xE2, b"ICC_PROFILE\x00"), (0xEE, b"Adobe"))


def _jpeg_keeps(marker: int, payload: bytes) -> bool:
    if marker == 0xFE:
        return False
    if 0xE0 <= marker <= 0xEF:
        return any(marker == m and payload.startswith(sig) for m, sig in _JPEG_KEEP_APP)
    return True


def _strip_jpeg(data: bytes) -> list | None:
    """The JPEG's parts without metadata, or None when there is nothing to remove."""
    if data[:2] != b"\xff\xd8":
        raise NotAPhoto("no JPEG start")
    parts: list = [b"\xff\xd8"]
    after_jfif = 1  # where the new EXIF block goes: after SOI, or after a JFIF APP0 right behind it
    orientation = None
    changed = False
    view = memoryview(data)
    pos, end = 2, len(data)
    while pos < end:
        if data[pos] != 0xFF:
            raise NotAPhoto("no marker where one was expected")
        while pos < end and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= end:
            break
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI: whatever follows (a maker's trailer, a second picture) is dropped
            parts.append(b"\xff\xd9")
            changed = changed or pos < end
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # no length
            parts.append(bytes((0xFF, marker)))
            continue
        if pos + 2 > end:
            raise NotAPhoto("cut in a segment header")
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > end:
            raise NotAPhoto("segment longer than the file")
        payload = view[pos + 2 : pos + length]
        segment = view[pos - 2 : pos + length]
        pos += length
        if marker == 0xE1 and bytes(payload[:6]) == EXIF_HEADER:
            orientation = _orientation(bytes(payload))
            changed = True
        elif _jpeg_keeps(marker, bytes(payload[:12])):
            parts.append(segment)
            if marker == 0xE0 and len(parts) == 2:
                after_jfif = 2
        else:
            changed = True
        if marker == 0xDA:  # SOS: entropy-coded data up to the next marker that is not a restart or a stuffed 0xFF
            scan = pos
            while True:
                found = data.find(b"\xff", scan)
                if found < 0 or found + 1 >= end:
                    parts.append(view[pos:])  # cut short without EOI: kept as it came
                    pos = end
                    break
                following = data[found + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    scan = found + 2
                    continue
                parts.append(view[pos:found])
                pos = found
                break
    if not changed:
        return None
    exif = _exif_keeping(orientation)
    if exif is not None:
        parts.insert(after_jfif, b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif)
    return parts


# PNG -------------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks that shape the picture (including APNG's); text, time, EXIF and any private chunk go.
_PNG_KEEP = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
    b"cICP", b"mDCV", b"cLLI", b"bKGD", b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big")


def _strip_png(data: bytes) -> list | None:
    if not data.startswith(_PNG_SIGNATURE):
        raise NotAPhoto("no PNG signature")
    parts: list = [_PNG_SIGNATURE]
    first_data = None
    orientation = None
    changed = False
    view = memoryview(data)
    pos, end = len(_PNG_SIGNATURE), len(data)
    while pos < end:
        if pos + 8 > end:
            raise NotAPhoto("cut in a chunk header")
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = bytes(data[pos + 4 : pos + 8])
        stop = pos + 12 + length
        if stop > end:
            raise NotAPhoto("chunk longer than the file")
        if kind == b"eXIf":
            orientation = _orientation(bytes(view[pos + 8 : pos + 8 + length]))
            changed = True
        elif kind in _PNG_KEEP or not kind[:1].islower():  # an unknown critical chunk is part of the picture
            if first_data is None and kind in (b"IDAT", b"fdAT", b"fcTL"):
                first_data = len(parts)
            parts.append(view[pos:stop])
        else:
            changed = True
        pos = stop
        if kind == b"IEND":
            changed = changed or pos < end
            break
    if not changed:
        return None
    exif = _exif_keeping(orientation)
    if exif is not None:
        parts.insert(first_data or len(parts) - 1, _png_chunk(b"eXIf", exif[len(EXIF_HEADER) :]))
    return parts


# WebP ------------------------------------------------------------------------------------

_WEBP_KEEP = {b"VP8X", b"ICCP", b"ANIM", b"ANMF", b"ALPH", b"VP8 ", b"VP8L"}
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def _strip_webp(data: bytes) -> list | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise NotAPhoto("no WebP header")
    end = min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    chunks: list = []
    orientation = None
    changed = end < len(data)
    view = memoryview(data)
    pos = 12
    while pos + 8 <= end:
        kind = bytes(data[pos : pos + 4])
        length = int.from_bytes(data[pos + 4 : pos + 8], "little")
        stop = pos + 8 + length + (length & 1)
        if pos + 8 + length > end:
            raise NotAPhoto("chunk longer than the file")
        if kind == b"EXIF":
            orientation = _orientation(bytes(view[pos + 8 : pos + 8 + length]))
            changed = True
        elif kind in _WEBP_KEEP:
            chunks.append([kind, view[pos:stop]])
        else:
            changed = True
        pos = stop
    if not changed:
        return None
    exif = _exif_keeping(orientation)
    if chunks and chunks[0][0] == b"VP8X":
        header = bytearray(chunks[0][1])
        header[8] &= ~(_VP8X_EXIF | _VP8X_XMP) & 0xFF
        if exif is not None:
            header[8] |= _VP8X_EXIF
        chunks[0][1] = bytes(header)
    else:
        exif = None  # a simple WebP (no VP8X) cannot carry EXIF, nor needs it turned
    body = [part for _kind, part in chunks]
    if exif is not None:
        tiff = exif[len(EXIF_HEADER) :]
        body.append(b"EXIF" + len(tiff).to_bytes(4, "little") + tiff + (b"\x00" if len(tiff) & 1 else b""))
    size = 4 + sum(len(part) for part in body)
    return [b"RIFF", size.to_bytes(4, "little"), b"WEBP", *body]


_STRIPPERS = {"JPEG": _strip_jpeg, "PNG": _strip_png, "WEBP": _strip_webp}


def without_metadata(upload, image_format: str):
    """The photo without EXIF (but its orientation), XMP, comments and text; the upload itself when it has none.

    GIFs are kept as they are. Raises :class:`NotAPhoto` when the container is broken.
    """
    strip = _STRIPPERS.get(image_format)
    if strip is None:
        return upload
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    parts = strip(data)
    if parts is None:
        return upload
    # Spooled like Django's own uploads: five 10 MB photos are not held in memory until they are saved.
    out = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
    for part in parts:
        out.write(part)
    out.seek(0)
    return File(out, name=getattr(upload, "name", None) or "photo")
