"""Photos are measured before anything decodes them, and lose their metadata without being decoded.

A 420 KB PNG of 12000×12000 pixels decodes to 1.2 GB; five fit in one post of
the citizen's form, which needs no login. Every photo upload (the citizen's
form, a unit's reply, activity photos, the admin's image fields) reads the
size from the header and refuses more than ``UPLOAD_IMAGE_MAX_PIXELS``; what
is accepted is stripped of EXIF, XMP and comments by rewriting its container,
so no upload is ever decoded on the server.
"""

import io
import re
import struct
import uuid
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile, ImageOps, PngImagePlugin

from core import images
from core.files import inspect_upload
from devtools.testing.pictures import phone_exif, small_photo, streamed_png
from suggestions.models import Attachment, Suggestion

CONTENT = "北郊乡人民路路灯坏了两个星期，晚上很黑，老人孩子出门不方便，请尽快安排修好。"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="34,47.0N"/></rdf:RDF></x:xmpmeta>'
)


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def form_url(world):
    return reverse("public:station_suggest", args=[world.station.code])


def post_photos(client, world, *photos, **fields):
    data = {"content": CONTENT, "idempotency_key": str(uuid.uuid4()), "location": "人民路", **fields}
    data["attachments"] = list(photos)
    return client.post(form_url(world), data)


def pixels(data: bytes) -> list:
    with Image.open(io.BytesIO(data)) as image:
        return list(image.convert("RGBA").get_flattened_data())


def checked(name: str, data: bytes) -> bytes:
    result = inspect_upload(SimpleUploadedFile(name, data))
    result.content.seek(0)
    return result.content.read()


# The pixel limit, on the citizen's form -----------------------------------------------------------


def test_a_12000_by_12000_picture_is_refused_from_its_header_and_what_was_typed_is_kept(client, world):
    bomb = streamed_png(12000, 12000, mode="1", exif=phone_exif())
    with mock.patch.object(ImageFile.ImageFile, "load", side_effect=AssertionError("decoded")) as load:
        response = post_photos(client, world, SimpleUploadedFile("路灯.png", bomb, "image/png"))
    assert not load.called
    assert response.status_code == 200
    body = response.content.decode()
    assert "“路灯.png”的尺寸为 12000×12000 像素，照片最多 40 百万像素" in body
    assert f"{CONTENT}</textarea>" in body and 'value="人民路"' in body  # what was typed
    assert "路灯.png" in body.split('id="reattach"')[1]
    assert not Suggestion.objects.exists() and not Attachment.objects.exists()


def test_pillows_own_bomb_limit_gives_the_same_message(client, world, settings):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 10**12  # only Pillow's refusal (above 2 × MAX_IMAGE_PIXELS) is left
    bomb = streamed_png(20000, 10000, mode="1")
    response = post_photos(client, world, SimpleUploadedFile("大图.png", bomb, "image/png"))
    assert "“大图.png”的像素过多" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_five_photos_at_the_limit_are_accepted_and_one_pixel_more_is_refused(client, world, settings):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 50 * 40
    at_limit = [SimpleUploadedFile(f"{i}.png", streamed_png(50, 40, exif=phone_exif())) for i in range(5)]
    assert post_photos(client, world, *at_limit).status_code == 302
    assert Attachment.objects.count() == 5

    over = SimpleUploadedFile("多一列.png", streamed_png(51, 40))
    response = post_photos(client, world, over, content=CONTENT + "另一处")
    assert response.status_code == 200
    assert "51×40" in response.content.decode()
    assert Suggestion.objects.count() == 1


def test_a_webp_is_measured_before_pillow_opens_it(settings):
    # Pillow's WebP decoder reserves the whole canvas when the file is opened: the header is read first.
    settings.UPLOAD_IMAGE_MAX_PIXELS = 100
    photo = SimpleUploadedFile("画布.webp", small_photo("WEBP", size=(20, 10), lossless=True))
    with mock.patch("core.images.Image.open", side_effect=AssertionError("opened")):
        with pytest.raises(Exception) as refused:
            inspect_upload(photo)
    assert refused.value.code == "too_many_pixels" and refused.value.params["width"] == 20


# Metadata goes, the picture stays bit for bit --------------------------------------------------------


def test_a_jpegs_exif_xmp_comments_and_trailer_go_and_its_colour_profile_stays():
    icc = b"\x00\x00\x01\x00ADBE\x02\x10\x00\x00mntrRGB XYZ " + b"\x00" * 112  # any bytes: Pillow keeps them as given
    raw = small_photo("JPEG", exif=phone_exif(), xmp=XMP, comment=b"Redmi Note 12, 34.78N", icc_profile=icc)
    app13 = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x07\x1c\x02\x78\x00\x02AB"
    raw = raw[:2] + b"\xff\xed" + struct.pack(">H", len(app13) + 2) + app13 + raw[2:]
    raw += b"MPF second picture with its own EXIF"
    out = checked("phone.jpg", raw)
    assert b"Xiaomi" not in out and b"ns.adobe.com" not in out and b"Redmi" not in out
    assert b"Photoshop" not in out and not out.endswith(b"EXIF")
    with Image.open(io.BytesIO(out)) as image:
        assert dict(image.getexif()) == {0x0112: 6}
        assert image.info.get("icc_profile") == icc
        assert ImageOps.exif_transpose(image).size == (20, 40)
    assert pixels(out) == pixels(raw)


def test_a_progressive_jpeg_keeps_every_scan():
    raw = small_photo("JPEG", size=(64, 48), exif=phone_exif(), progressive=True, quality=80)
    out = checked("scan.jpg", raw)
    assert out.count(b"\xff\xda") == raw.count(b"\xff\xda") > 1
    assert pixels(out) == pixels(raw)


def test_a_pngs_exif_text_and_xmp_go():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "拍摄于开封 34.78N")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    info.add(b"tIME", b"\x07\xea\x0b\x10\x0a\x00\x00")
    raw = small_photo("PNG", exif=phone_exif(), pnginfo=info)
    out = checked("screen.png", raw)
    chunks = re.findall(rb"(?s)....(tEXt|iTXt|tIME|eXIf)", out)
    assert chunks == [b"eXIf"]  # a new one, with the orientation only
    with Image.open(io.BytesIO(out)) as image:
        assert dict(image.getexif()) == {0x0112: 6} and "Comment" not in image.info
    assert pixels(out) == pixels(raw)


def test_a_webps_exif_and_xmp_go():
    raw = small_photo("WEBP", exif=phone_exif(), xmp=XMP, lossless=True)
    out = checked("photo.webp", raw)
    assert b"Xiaomi" not in out and b"XMP " not in out
    with Image.open(io.BytesIO(out)) as image:
        assert dict(image.getexif()) == {0x0112: 6} and not image.info.get("xmp")
    assert pixels(out) == pixels(raw)
    assert struct.unpack("<I", out[4:8])[0] == len(out) - 8


def test_a_photo_without_metadata_is_kept_as_it_came():
    for fmt in ("JPEG", "PNG", "WEBP"):
        upload = SimpleUploadedFile(f"plain.{fmt.lower()}", small_photo(fmt))
        assert inspect_upload(upload).content is upload


def test_a_jpeg_with_a_segment_running_past_its_end_is_not_a_photo():
    raw = small_photo("JPEG", exif=phone_exif())
    cut = raw[:2] + b"\xff\xe1\xff\xf0" + raw[6:40]
    with pytest.raises(images.NotAPhoto):
        images.without_metadata(io.BytesIO(cut), "JPEG")
