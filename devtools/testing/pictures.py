"""Pictures an attacker (or a phone) would send, built without holding their pixels in memory.

Used by the tests and by ``bench/upload_rss.py``: a PNG of 12000×12000 pixels is
written row by row through one zlib stream, so building it costs kilobytes while
decoding it would cost gigabytes.
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

# GPS of 开封 and an orientation that turns the picture: what a phone writes into a photo.
GPS = {1: "N", 2: (34.0, 47.0, 0.0), 3: "E", 4: (114.0, 18.0, 0.0)}


def phone_exif(orientation: int = 6) -> bytes:
    """An EXIF block (``Exif\\0\\0`` + TIFF) with a GPS position, a device and an orientation."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Xiaomi"
    exif[0x0110] = "Redmi Note 12"
    exif[0x8825] = GPS
    return exif.tobytes()


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


# PNG colour type and bytes per pixel by Pillow mode.
_PNG_MODES = {"1": (0, 1, None), "L": (0, 8, 1), "RGB": (2, 8, 3), "RGBA": (6, 8, 4)}


def streamed_png(width: int, height: int, *, mode: str = "RGB", exif: bytes | None = None, level: int = 9) -> bytes:
    """A PNG of one flat colour (0 in every channel), compressed row by row; ``exif`` goes in an eXIf chunk."""
    colour_type, depth, per_pixel = _PNG_MODES[mode]
    row_bytes = (width + 7) // 8 if per_pixel is None else width * per_pixel
    out = io.BytesIO()
    out.write(b"\x89PNG\r\n\x1a\n")
    out.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)))
    if exif is not None:
        out.write(_chunk(b"eXIf", exif.removeprefix(b"Exif\x00\x00")))
    compressor = zlib.compressobj(level)
    row = bytes(1 + row_bytes)  # filter byte 0, then the pixels
    rows_per_feed = max(1, (4 << 20) // len(row))
    block = row * rows_per_feed
    idat = bytearray()
    left = height
    while left:
        take = min(left, rows_per_feed)
        idat += compressor.compress(block if take == rows_per_feed else row * take)
        left -= take
    idat += compressor.flush()
    for start in range(0, len(idat), 1 << 20):
        out.write(_chunk(b"IDAT", bytes(idat[start : start + (1 << 20)])))
    out.write(_chunk(b"IEND", b""))
    return out.getvalue()


def small_photo(fmt: str, *, size=(40, 20), exif: bytes | None = None, **options) -> bytes:
    """A small real picture in ``fmt`` (JPEG, PNG, WEBP), with ``exif`` when given."""
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (183, 28, 28))
    image.putpixel((0, 0), (0, 90, 200))  # a corner that shows which way the picture is turned
    if exif is not None:
        options["exif"] = exif
    image.save(buffer, fmt, **options)
    return buffer.getvalue()
