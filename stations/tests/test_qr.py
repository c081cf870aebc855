"""QR images and posters decode to the stable public URL."""

import io

import pytest
import zxingcpp
from django.test import override_settings
from PIL import Image

from core import qr


def _decode_png(data: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    assert len(results) == 1
    return results[0].text


def test_station_qr_png_decodes_to_absolute_station_url(client, world):
    response = client.get(f"/s/{world.station.code}/qr.png")
    assert response["Content-Type"] == "image/png"
    assert _decode_png(response.content) == f"http://testserver/s/{world.station.code}/"


def test_representative_qr_png_decodes_to_profile_url(client, world):
    response = client.get(f"/r/{world.rep.code}/qr.png")
    assert _decode_png(response.content) == f"http://testserver/r/{world.rep.code}/"


@override_settings(PUBLIC_BASE_URL="https://rddb.example.gov.cn")
def test_qr_uses_public_base_url_when_configured(client, world):
    response = client.get(f"/s/{world.station.code}/qr.png")
    assert _decode_png(response.content) == f"https://rddb.example.gov.cn/s/{world.station.code}/"


def test_qr_is_never_micro_qr():
    # Short data makes segno.make() choose Micro QR, which phones cannot read.
    assert not qr.make("http://a/s/X/").is_micro


def test_svg_download_has_a_file_name(client, world):
    response = client.get(f"/s/{world.station.code}/qr.svg?download=1")
    assert response["Content-Type"] == "image/svg+xml"
    assert f"station-{world.station.code}.svg" in response["Content-Disposition"]


def test_poster_page_shows_name_instruction_and_address(client, world):
    body = client.get(f"/s/{world.station.code}/poster/").content.decode()
    assert world.station.name in body and world.station.address in body
    assert "<svg" in body


def test_poster_svg_download_is_a4_with_name_and_url(client, world):
    response = client.get(f"/s/{world.station.code}/poster/?format=svg")
    assert response["Content-Type"] == "image/svg+xml"
    body = response.content.decode()
    assert 'width="210mm" height="297mm"' in body
    assert world.station.name in body and f"http://testserver/s/{world.station.code}/" in body


def test_representative_poster(client, world):
    body = client.get(f"/r/{world.rep.code}/poster/").content.decode()
    assert world.rep.name in body


@pytest.mark.parametrize("path", ["/s/ZZZZZZZZ/qr.png", "/r/ZZZZZZZZ/qr.svg", "/s/ZZZZZZZZ/poster/", "/s/X/qr.gif"])
def test_unknown_codes_and_formats_are_404(client, world, path):
    assert client.get(path).status_code == 404
