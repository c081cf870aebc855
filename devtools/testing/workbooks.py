""".xlsx files written part by part, as an attacker (or a careless generator) would.

Used by the tests and by ``bench/upload_rss.py``. Parts are streamed through
zlib, so a workbook holding a 400 MB cell costs its 400 KB to build.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterable

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEADER = ["收到日期", "来源渠道", "标题", "内容", "问题类别", "地点", "提出人", "手机号", "企业名称"]

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="xl/workbook.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook {NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="意见建议" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="worksheets/sheet1.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>
<Relationship Id="rId2" Target="sharedStrings.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>"""


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inline_row(number: int, values: Iterable[str]) -> bytes:
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{escape(v)}</t></is></c>' for i, v in enumerate(values) if v
    )
    return f'<row r="{number}">{cells}</row>'.encode()


def workbook(
    sheet_rows: Iterable[bytes],
    *,
    shared: Iterable[bytes] = (),
    extra: dict[str, bytes] | None = None,
    level: int = 6,
) -> bytes:
    """A workbook whose first sheet holds ``sheet_rows`` (row elements, streamed) and ``shared`` <si> items."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>'.encode())
            for row in sheet_rows:
                part.write(row)
            part.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><sst {NS}>'.encode())
            for item in shared:
                part.write(item)
            part.write(b"</sst>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def bomb(cell_bytes: int = 400 * 1024 * 1024) -> bytes:
    """The attack: a valid register header, then one row whose content cell is ``cell_bytes`` of one letter."""

    def rows():
        yield inline_row(1, HEADER)
        yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>2024-03-20</t></is></c>'
        yield b'<c r="B2" t="inlineStr"><is><t>\xe6\x8e\xa5\xe5\xbe\x85\xe6\x97\xa5</t></is></c>'  # 接待日
        yield b'<c r="D2" t="inlineStr"><is><t>'
        block = b"A" * (4 * 1024 * 1024)
        left = cell_bytes
        while left > 0:
            yield block[: min(left, len(block))]
            left -= len(block)
        yield b"</t></is></c></row>"

    return workbook(rows(), level=9)


def stylesheet(size: int, *, seed: int = 3) -> bytes:
    """A valid styles part of about ``size`` bytes: 200 number formats and as many cell formats as fit."""
    rnd = random.Random(seed)
    formats = 200
    numbers = "".join(
        f'<numFmt numFmtId="{164 + i}" formatCode="0.{"0" * (i % 6)}_ ;[Red]\\-0.{"0" * (i % 6)}\\ &quot;{i}&quot;"/>'
        for i in range(formats)
    )
    head = (
        f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {NS}><numFmts count="{formats}">{numbers}</numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts><fills count="2"><fill>'
        '<patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    )
    tail = '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    xf = '<xf numFmtId="{}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    count = (size - len(head.encode()) - len(tail) - 40) // len(xf.format(300))
    cells = "".join(xf.format(164 + rnd.randrange(formats)) for _ in range(count))
    return (head + f'<cellXfs count="{count}">' + cells + tail).encode()
