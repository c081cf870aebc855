"""Workbooks people upload, made safe for openpyxl to read before it reads them.

An .xlsx file is a zip archive of XML parts, and the archive's size says little
about what it unpacks to: a 414 KB workbook held a 400 MB cell, which took the
importer to 882 MB. Measured with openpyxl 3.1 in read-only mode, the cost of a
part also depends on which part it is: the first sheet is parsed row by row and
costs about its own size, but ``xl/styles.xml``, the workbook part and every
relationship part are parsed whole into objects, at about 30 times their size
(18 MB of styles: 596 MB), and so is one row of a sheet (10 MB in one row:
270 MB). Many tiny shared strings cost about 150 bytes each.

:func:`readable_package` therefore, before openpyxl sees anything:

1. reads the archive's directory and refuses an archive that unpacks to more
   than ``IMPORT_MAX_UNPACKED_BYTES`` in all, any part above
   ``IMPORT_MAX_PART_BYTES``, any part above 1 MB packed more than
   ``IMPORT_MAX_COMPRESSION_RATIO`` times, and a part that is read whole above
   ``IMPORT_MAX_STRUCTURE_BYTES``. The sizes are the ones the directory
   declares; Python's zipfile never unpacks a part beyond its declared size
   (it stops there and fails the CRC check), so they bind;
2. finds the first worksheet and the shared strings as openpyxl would, and
   scans them as a stream: no document type declaration (no entities), at most
   16384 cells in a row (Excel's width) and at most ``IMPORT_MAX_SHARED_STRINGS``
   shared strings;
3. copies those parts (while scanning them) and the styles into a new
   package, under a workbook, content types and relationships of its own. Whatever else the
   upload held (other sheets, external links, charts, pictures) is never read.

:class:`WorkbookRefused` carries a message for the person who uploaded the file.
"""

from __future__ import annotations

import io
import posixpath
import tempfile
import zipfile
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.xml.functions import fromstring

MB = 1024 * 1024
# Below this a part's compression ratio says nothing (a few kilobytes of repeated markup pack 300 times).
RATIO_FROM_BYTES = 1 * MB
MAX_CELLS_IN_A_ROW = 16384

CONTENT_TYPES = "[Content_Types].xml"
STYLES = "xl/styles.xml"
WORKBOOK_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
)
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
DOC_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


class WorkbookRefused(Exception):
    """The upload cannot be read safely; ``str()`` says why, in the user's language."""


def _mb(size: int) -> str:
    return f"{size / MB:.1f}"


def _unreadable() -> WorkbookRefused:
    return WorkbookRefused(
        _("The file could not be read as an Excel workbook; it may be damaged. Open it in Excel and save it again.")
    )


# 1. The directory ----------------------------------------------------------------------------------


def _check_directory(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    members = {info.filename: info for info in archive.infolist() if not info.is_dir()}
    if any(info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for info in members.values()):
        raise _unreadable()  # spreadsheets only store or deflate; other methods bring their own memory needs
    part_limit = settings.IMPORT_MAX_PART_BYTES
    ratio_limit = settings.IMPORT_MAX_COMPRESSION_RATIO
    total = 0
    for name, info in members.items():
        if info.file_size > part_limit:
            raise WorkbookRefused(
                _("The part “%(part)s” of the workbook unpacks to %(size)s MB, more than the %(limit)s MB allowed.")
                % {"part": name, "size": _mb(info.file_size), "limit": _mb(part_limit)}
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FROM_BYTES and ratio > ratio_limit:
            raise WorkbookRefused(
                _(
                    "The part “%(part)s” of the workbook is packed %(ratio)s times over, more than the %(limit)s "
                    "times a spreadsheet ever is: the file is refused as a compression bomb."
                )
                % {"part": name, "ratio": f"{ratio:.0f}", "limit": ratio_limit}
            )
        total += info.file_size
    limit = settings.IMPORT_MAX_UNPACKED_BYTES
    if total > limit:
        raise WorkbookRefused(
            _(
                "The workbook unpacks to %(size)s MB, more than the %(limit)s MB allowed; "
                "split the register into smaller files."
            )
            % {"size": _mb(total), "limit": _mb(limit)}
        )
    return members


def _read_whole(archive: zipfile.ZipFile, members: dict, name: str):
    """A part that is parsed whole (content types, workbook, relationships), once it is known to be small."""
    _check_small(archive, members, name)
    return fromstring(archive.read(name))


def _check_small(archive: zipfile.ZipFile, members: dict, name: str) -> None:
    info = members.get(name)
    if info is None:
        raise _unreadable()
    limit = settings.IMPORT_MAX_STRUCTURE_BYTES
    if info.file_size > limit:
        raise WorkbookRefused(
            _("The part “%(part)s” of the workbook unpacks to %(size)s MB, more than the %(limit)s MB allowed.")
            % {"part": name, "size": _mb(info.file_size), "limit": _mb(limit)}
        )
    _scan(archive, name, _NoDoctype())


# 2. Where the cells are ----------------------------------------------------------------------------


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _target(source: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _locate(archive: zipfile.ZipFile, members: dict) -> tuple[str, str | None, bool]:
    """The first worksheet, the shared strings (if any) and whether dates count from 1904, as openpyxl finds them."""
    types = _read_whole(archive, members, CONTENT_TYPES)
    overrides = {
        node.get("ContentType"): node.get("PartName", "").lstrip("/") for node in types.iter(f"{CT_NS}Override")
    }
    workbook = next((overrides[t] for t in WORKBOOK_TYPES if t in overrides), None)
    if workbook is None:
        defaults = {node.get("ContentType") for node in types.iter(f"{CT_NS}Default")}
        workbook = "xl/workbook.xml" if defaults & set(WORKBOOK_TYPES) else None
    if workbook is None:
        raise _unreadable()
    shared = overrides.get(SHARED_STRINGS_TYPE)
    if shared is not None and shared not in members:
        shared = None
    book = _read_whole(archive, members, workbook)
    relations = {
        node.get("Id"): node
        for node in _read_whole(archive, members, _rels_path(workbook)).iter(f"{REL_NS}Relationship")
        if node.get("TargetMode") != "External"
    }
    properties = book.find(f"{MAIN_NS}workbookPr")
    date1904 = properties is not None and properties.get("date1904") in ("1", "true")
    for sheet in book.iter(f"{MAIN_NS}sheet"):
        relation = relations.get(sheet.get(f"{DOC_REL_NS}id"))
        if relation is None or "chartsheet" in (relation.get("Type") or ""):
            continue
        target = _target(workbook, relation.get("Target") or "")
        if target in members:
            return target, shared, date1904
    raise WorkbookRefused(_("The workbook has no sheet."))


# The stream scan -----------------------------------------------------------------------------------


class _NoDoctype:
    """Expat handlers that refuse a document type declaration: OOXML has none, entity attacks need one."""

    def attach(self, parser):
        parser.StartDoctypeDeclHandler = self.doctype

    def doctype(self, *args):
        raise _unreadable()


class _Sheet(_NoDoctype):
    def __init__(self):
        self.cells = 0

    def attach(self, parser):
        super().attach(parser)
        parser.StartElementHandler = self.start

    def start(self, name, attributes):
        local = name.rpartition("}")[2]
        if local == "row":
            self.cells = 0
        elif local == "c":
            self.cells += 1
            if self.cells > MAX_CELLS_IN_A_ROW:
                raise WorkbookRefused(
                    _("A row of the first sheet has more than %(limit)s cells.") % {"limit": MAX_CELLS_IN_A_ROW}
                )


class _SharedStrings(_NoDoctype):
    def __init__(self):
        self.count = 0
        self.limit = settings.IMPORT_MAX_SHARED_STRINGS

    def attach(self, parser):
        super().attach(parser)
        parser.StartElementHandler = self.start

    def start(self, name, attributes):
        if name.rpartition("}")[2] == "si":
            self.count += 1
            if self.count > self.limit:
                raise WorkbookRefused(
                    _("The workbook holds more than %(limit)s different texts; split the register into smaller files.")
                    % {"limit": self.limit}
                )


def _scan(archive: zipfile.ZipFile, name: str, handlers, copy=None) -> None:
    """Run a part through expat with ``handlers``, and into ``copy`` if given: constant memory whatever its size."""
    parser = expat.ParserCreate(namespace_separator="}")
    handlers.attach(parser)
    with archive.open(name) as part:
        try:
            while chunk := part.read(256 * 1024):
                parser.Parse(chunk, False)
                if copy is not None:
                    copy.write(chunk)
            parser.Parse(b"", True)
        except expat.ExpatError:
            raise _unreadable() from None


# 3. The package openpyxl reads ---------------------------------------------------------------------

_OWN_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{workbook}"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
{shared}{styles}</Types>"""
_OWN_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="xl/workbook.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
</Relationships>"""
_OWN_WORKBOOK = """<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<workbookPr{date1904}/><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_OWN_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="worksheets/sheet1.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>
{shared}</Relationships>"""


_OWN_SHARED_TYPE = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/>\n'
_OWN_STYLES_TYPE = (
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\n'
)
_OWN_SHARED_REL = (
    '<Relationship Id="rId2" Target="sharedStrings.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>\n'
)


def readable_package(data: bytes):
    """The upload's first sheet, shared strings and styles in a package of their own; raises WorkbookRefused.

    The package is a temporary file (its parts stored, not packed again: that cost seconds), at its start;
    the caller closes it.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _unreadable() from None
    out = tempfile.TemporaryFile()
    with archive:
        try:
            _repackage(archive, out)
        except Exception as exc:
            out.close()
            if isinstance(exc, WorkbookRefused):
                raise
            # A damaged archive, or XML that is not what it claims: lxml and zipfile raise many kinds of error.
            raise _unreadable() from None
    out.seek(0)
    return out


def _repackage(archive: zipfile.ZipFile, out) -> None:
    members = _check_directory(archive)
    sheet, shared, date1904 = _locate(archive, members)
    styles = STYLES in members
    if styles:
        _check_small(archive, members, STYLES)  # openpyxl parses it whole
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as package:
        types = _OWN_TYPES.format(
            workbook=WORKBOOK_TYPES[0],
            shared=_OWN_SHARED_TYPE if shared else "",
            styles=_OWN_STYLES_TYPE if styles else "",
        )
        package.writestr(CONTENT_TYPES, types)
        package.writestr("_rels/.rels", _OWN_ROOT_RELS)
        package.writestr("xl/workbook.xml", _OWN_WORKBOOK.format(date1904=' date1904="1"' if date1904 else ""))
        package.writestr(
            "xl/_rels/workbook.xml.rels", _OWN_WORKBOOK_RELS.format(shared=_OWN_SHARED_REL if shared else "")
        )
        with package.open("xl/worksheets/sheet1.xml", "w") as copy:
            _scan(archive, sheet, _Sheet(), copy)
        if shared is not None:
            with package.open("xl/sharedStrings.xml", "w") as copy:
                _scan(archive, shared, _SharedStrings(), copy)
        if styles:
            package.writestr(STYLES, archive.read(STYLES))
