"""A register workbook is measured before openpyxl reads it: zip bombs and their cousins are refused.

A 414 KB .xlsx held a 400 MB cell and took the importer to 882 MB. The archive's
directory says what every part unpacks to; the importer refuses what is too
large in all, per part, too tightly packed, a part that openpyxl parses whole
above a small size, rows wider than Excel's and more shared strings than a
register needs — each with a message, before openpyxl sees the file.
"""

import datetime as dt
import io
import re
import zipfile
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from devtools.testing import workbooks
from suggestions.imports import importer
from suggestions.models import Suggestion

NOW = dt.datetime(2024, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ROW = ["2024-03-20", "接待日", "小区路灯损坏", "3号楼旁路灯坏了一个月。", "", "四季城", "张三", "13800001111", ""]


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(scope="module")
def the_bomb():
    return workbooks.bomb()


def stashed_files():
    storage = storages["private"]
    return storage.listdir("imports")[1] if storage.exists("imports") else []


def post(client, world, data, name="台账.xlsx"):
    upload = SimpleUploadedFile(name, data, content_type=importer.XLSX_CONTENT_TYPE)
    return client.post(reverse("imports:upload", args=[world.station.code]), {"file": upload})


def errors(response) -> list[str]:
    return response.context["form"].errors.get("file", [])


def register(rows=(ROW,), **options) -> bytes:
    return workbooks.workbook(
        [workbooks.inline_row(1, workbooks.HEADER)]
        + [workbooks.inline_row(n, row) for n, row in enumerate(rows, start=2)],
        **options,
    )


def test_the_400_mb_cell_is_refused_from_the_archives_directory(login, world, the_bomb):
    assert len(the_bomb) < 420_000
    with mock.patch("openpyxl.load_workbook", side_effect=AssertionError("parsed")) as parsed:
        response = post(login(world.staff), world, the_bomb)
    assert not parsed.called
    assert response.status_code == 200
    assert errors(response) == ["工作簿中的“xl/worksheets/sheet1.xml”解压后为 400.0 MB，超过允许的 32.0 MB。"]
    assert not stashed_files() and not Suggestion.objects.exists()


def test_a_part_packed_more_tightly_than_any_spreadsheet_is_refused(login, world, english, settings):
    settings.IMPORT_MAX_PART_BYTES = settings.IMPORT_MAX_UNPACKED_BYTES = 64 * 1024 * 1024
    response = post(login(world.staff), world, workbooks.bomb(8 * 1024 * 1024))
    (message,) = errors(response)
    assert re.fullmatch(
        r"The part “xl/worksheets/sheet1.xml” of the workbook is packed \d+ times over, more than the 100 times "
        r"a spreadsheet ever is: the file is refused as a compression bomb.",
        message,
    )


def test_a_workbook_that_unpacks_to_too_much_in_all_is_refused(login, world, english, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 4000
    big_part = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(2000)).encode()
    response = post(login(world.staff), world, register(extra={"docProps/custom.bin": big_part}))
    assert "The workbook unpacks to 0.0 MB, more than the 0.0 MB allowed" in errors(response)[0]


def test_a_part_openpyxl_parses_whole_is_kept_small(login, world, english, settings):
    """18 MB of styles took openpyxl to 596 MB: the styles, workbook and relationship parts must be small."""
    settings.IMPORT_MAX_STRUCTURE_BYTES = 1000
    styles = (
        f'<?xml version="1.0"?><styleSheet {workbooks.NS}><cellXfs count="100">'
        + '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>' * 100
        + "</cellXfs></styleSheet>"
    ).encode()
    response = post(login(world.staff), world, register(extra={"xl/styles.xml": styles}))
    assert errors(response) == [
        "The part “xl/styles.xml” of the workbook unpacks to 0.0 MB, more than the 0.0 MB allowed."
    ]


def test_a_row_wider_than_excels_is_refused(login, world, english):
    wide = b'<row r="2">' + b"<c><v>1</v></c>" * 16385 + b"</row>"
    response = post(login(world.staff), world, workbooks.workbook([workbooks.inline_row(1, workbooks.HEADER), wide]))
    assert errors(response) == ["A row of the first sheet has more than 16384 cells."]


def test_more_shared_strings_than_the_limit_are_refused(login, world, english, settings):
    settings.IMPORT_MAX_SHARED_STRINGS = 10
    shared = [f"<si><t>{i}</t></si>".encode() for i in range(11)]
    response = post(login(world.staff), world, register(shared=shared))
    assert errors(response) == [
        "The workbook holds more than 10 different texts; split the register into smaller files."
    ]


def test_a_sheet_with_a_document_type_declaration_is_refused(login, world, english):
    """No OOXML part has one; entity expansion ("billion laughs") needs one."""
    laughs = b'<!DOCTYPE worksheet [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    response = post(login(world.staff), world, _with_doctype(laughs))
    assert "could not be read as an Excel workbook" in errors(response)[0]


def _with_doctype(doctype: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(register()), "r") as source, zipfile.ZipFile(out, "w") as copy:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"?><worksheet", b"?>" + doctype + b"<worksheet", 1)
            copy.writestr(info.filename, data)
    return out.getvalue()


def test_only_the_first_sheet_is_read_and_other_parts_are_ignored(login, world, english):
    """A second sheet, an external link and a picture are never read: only what a register needs is."""
    extra = {
        "xl/worksheets/sheet2.xml": b"<not-xml",
        "xl/externalLinks/externalLink1.xml": b"<not-xml",
        "xl/media/image1.png": b"\x89PNG broken",
    }
    response = post(login(world.staff), world, register(extra=extra))
    assert response.status_code == 200
    assert response.context["preview"].valid_count == 1


def test_a_workbook_counting_dates_from_1904_keeps_its_dates(login, world, english):
    workbook = Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.append(workbooks.HEADER)
    sheet.append([dt.date(2023, 3, 20), "接待日", "路灯", "路灯坏了", "", "", "", "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = post(login(world.staff), world, buffer.getvalue())
    assert response.context["preview"].rows[0].received_on == dt.date(2023, 3, 20)


def test_a_long_cell_is_quoted_short_in_the_messages_and_the_preview(login, world, english):
    """Quoting a long cell in every message and on the page made the preview many times the register."""
    row = list(ROW)
    row[4] = "不存在的类别" * 2000
    response = post(login(world.staff), world, register([row]))
    body = response.content.decode()
    assert response.context["preview"].invalid_count == 1
    assert body.count("不存在的类别") < 30
    assert "does not exist or is no longer in use" in body
