"""Import of a station's historical register (意见建议办理簿) from an Excel workbook.

Parsing and validation are pure: :func:`parse_register` reads bytes and returns
every row with its cleaned values and its errors, touching the database once
(the active categories). :func:`suggestions_import` writes a fully valid
register through :func:`suggestions.intake.services.suggestion_create`, all rows or
none.

The column headers are a data format shared with the stations' existing
registers, so they are Chinese constants and are not translated.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from core import xlsx
from core.spreadsheet import safe_cell
from core.text import strip_bidi
from suggestions.forms import MOBILE_RE
from suggestions.intake import services
from suggestions.models import Category, Channel, Suggestion

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A register records the day, not the hour: each item counts as received at the start of office hours.
RECEIVED_HOUR = dt.time(9, 0)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The header may sit under a title line or two ("某某联络站意见建议登记簿"); look this far down for it.
HEADER_SEARCH_ROWS = 10
# After this many empty rows in a row the register has ended: sheets formatted down to row 1048576 are common.
MAX_BLANK_RUN = 1000
# Cells beyond this column are never read: a register has nine columns, a stray sheet may have thousands.
MAX_COLUMNS = 40
# Error messages and the preview quote at most this much of a cell: a long cell quoted in full, in every
# message and on the page, made the preview many times the size of the register.
QUOTE_LENGTH = 40

COL_RECEIVED = "收到日期"
COL_CHANNEL = "来源渠道"
COL_TITLE = "标题"
COL_CONTENT = "内容"
COL_CATEGORY = "问题类别"
COL_LOCATION = "地点"
COL_SUBMITTER = "提出人"
COL_PHONE = "手机号"
COL_ENTERPRISE = "企业名称"

COLUMNS = (
    COL_RECEIVED,
    COL_CHANNEL,
    COL_TITLE,
    COL_CONTENT,
    COL_CATEGORY,
    COL_LOCATION,
    COL_SUBMITTER,
    COL_PHONE,
    COL_ENTERPRISE,
)
REQUIRED_COLUMNS = (COL_RECEIVED, COL_CHANNEL, COL_TITLE, COL_CONTENT)

CHANNEL_LABELS = {
    "接待日": Channel.RECEPTION,
    "走访": Channel.VISIT,
    "意见箱": Channel.MAILBOX,
    "微信群": Channel.WECHAT,
    "网上": Channel.ONLINE,
    "外部平台": Channel.PLATFORM,
}
# The lengths of the model fields the free-text columns land in.
MAX_LENGTHS = {
    COL_TITLE: Suggestion._meta.get_field("title").max_length,
    COL_LOCATION: Suggestion._meta.get_field("location").max_length,
    COL_SUBMITTER: Suggestion._meta.get_field("submitter_name").max_length,
    COL_ENTERPRISE: Suggestion._meta.get_field("enterprise_name").max_length,
}

PHONE_RE = MOBILE_RE
TEXT_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?(?:[\sT]+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
# Excel day serials of 1990-01-01 and 9999-12-31: a number in this range in a date column is a date
# whose cell lost its date format.
EXCEL_SERIAL_RANGE = (32874, 2958465)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (not a workbook, too big, no header); ``str()`` says why."""


@dataclass
class ParsedRow:
    """One data row of the register: its Excel row number, the cells as shown, cleaned values, errors."""

    number: int
    cells: dict[str, str]
    errors: list[str] = field(default_factory=list)
    received_on: dt.date | None = None
    channel: str = ""
    title: str = ""
    content: str = ""
    category: Category | None = None
    location: str = ""
    submitter_name: str = ""
    submitter_phone: str = ""
    enterprise_name: str = ""

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def is_enterprise(self) -> bool:
        return bool(self.enterprise_name)

    def get_channel_display(self) -> str:
        return Channel(self.channel).label if self.channel else ""


@dataclass
class RegisterPreview:
    rows: list[ParsedRow]
    header_row: int
    ignored_columns: list[str]

    @property
    def valid_count(self) -> int:
        return sum(1 for row in self.rows if row.is_valid)

    @property
    def invalid_count(self) -> int:
        return len(self.rows) - self.valid_count

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not self.invalid_count

    @property
    def errors(self) -> list[str]:
        return [error for row in self.rows for error in row.errors]


# Reading -------------------------------------------------------------------


def check_upload(name: str, size: int, head: bytes) -> None:
    """Refuse what is plainly not an .xlsx workbook before openpyxl sees it."""
    if size > MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)s MB; split the register into smaller files.") % {"size": 5}
        )
    if not name.lower().endswith(".xlsx"):
        raise ImportFileError(
            _("Only Excel workbooks (.xlsx) can be imported. Save the file as “Excel Workbook (*.xlsx)” and try again.")
        )
    # Every .xlsx is a ZIP archive; an old .xls or a CSV renamed to .xlsx is not.
    if not head.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("The file is not a valid Excel workbook (.xlsx); it may be damaged or renamed."))


def _unreadable() -> ImportFileError:
    return ImportFileError(
        _("The file could not be read as an Excel workbook; it may be damaged. Open it in Excel and save it again.")
    )


def _open_rows(data: bytes):
    from openpyxl import load_workbook

    try:
        # Only the parts a register needs, each checked for size first: see core/xlsx.py.
        package = xlsx.readable_package(data)
    except xlsx.WorkbookRefused as exc:
        raise ImportFileError(str(exc)) from None
    try:
        workbook = load_workbook(package, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises a zoo of types on damaged archives and XML
        package.close()
        raise _unreadable() from exc
    if not workbook.worksheets:
        workbook.close()
        package.close()
        raise ImportFileError(_("The workbook has no sheet."))
    # The first sheet, not the active one: the template's instructions sheet may be the one left open.
    sheet = workbook.worksheets[0]
    # Some writers store a wrong size for the sheet; read-only mode would cut rows off or pad a million empty ones.
    sheet.reset_dimensions()
    return workbook, package, sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)


def _header_text(value) -> str:
    # "收到日期*" and "收到日期（必填）" are common ways to mark required columns by hand.
    text = re.sub(r"\s+", "", strip_bidi(str(value or "")))
    return re.sub(r"(\*|＊|[(（]必填[)）])$", "", text)


def _is_blank(values) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        # A phone number typed into a number cell comes back as 13800001111.0.
        return str(int(value))
    return str(value).strip()


def _find_header(rows) -> tuple[int, dict[str, int], list[str]]:
    """Row number, ``{column: index}`` and unknown headers of the first row naming every required column."""
    best: tuple[int, dict[str, int]] | None = None
    for number, values in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
            break
        if _is_blank(values):
            continue
        positions: dict[str, int] = {}
        ignored = []
        for index, value in enumerate(values):
            header = _header_text(value)
            if header in COLUMNS:
                if header in positions:
                    raise ImportFileError(
                        _("The column “%(column)s” appears twice in the header row.") % {"column": header}
                    )
                positions[header] = index
            elif header:
                ignored.append(header)
        if all(column in positions for column in REQUIRED_COLUMNS):
            return number, positions, ignored
        if best is None or len(positions) > len(best[1]):
            best = (number, positions)
    found = best[1] if best else {}
    missing = [column for column in REQUIRED_COLUMNS if column not in found]
    raise ImportFileError(
        _(
            "The header row must name the columns %(columns)s; missing: %(missing)s. "
            "Download the template to see the expected header."
        )
        % {"columns": "、".join(REQUIRED_COLUMNS), "missing": "、".join(missing)}
    )


# Validating ----------------------------------------------------------------


def _parse_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value == int(value) and EXCEL_SERIAL_RANGE[0] <= value <= EXCEL_SERIAL_RANGE[1]:
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date()
        return None
    match = TEXT_DATE_RE.match(str(value).strip())
    if not match:
        return None
    try:
        return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def _quoted(text: str) -> str:
    """A cell's text as an error message quotes it: the start of a long one is enough to find it."""
    return text if len(text) <= QUOTE_LENGTH else text[:QUOTE_LENGTH] + "…"


def _validate(row: ParsedRow, raw: dict[str, object], categories: dict[str, Category], today: dt.date) -> None:
    number = row.number
    errors = row.errors

    received = raw.get(COL_RECEIVED)
    if _cell_text(received) == "":
        errors.append(_("Row %(row)s: the date received is missing.") % {"row": number})
    else:
        received_on = _parse_date(received)
        if received_on is None:
            errors.append(
                _("Row %(row)s: the date received “%(value)s” is not a date; write it like 2024-03-20.")
                % {"row": number, "value": _quoted(row.cells[COL_RECEIVED])}
            )
        elif received_on > today:
            errors.append(_("Row %(row)s: the date received cannot be in the future.") % {"row": number})
        else:
            row.received_on = received_on

    channel = row.cells[COL_CHANNEL]
    if not channel:
        errors.append(_("Row %(row)s: the channel is missing.") % {"row": number})
    elif channel in CHANNEL_LABELS:
        row.channel = CHANNEL_LABELS[channel]
    else:
        errors.append(
            _("Row %(row)s: the channel “%(value)s” is unknown; use one of %(choices)s.")
            % {"row": number, "value": _quoted(channel), "choices": "、".join(CHANNEL_LABELS)}
        )

    for column, attribute, required in (
        (COL_TITLE, "title", True),
        (COL_CONTENT, "content", True),
        (COL_LOCATION, "location", False),
        (COL_SUBMITTER, "submitter_name", False),
        (COL_ENTERPRISE, "enterprise_name", False),
    ):
        text = row.cells[column]
        if required and not text:
            if column == COL_TITLE:
                errors.append(_("Row %(row)s: the title is missing.") % {"row": number})
            else:
                errors.append(_("Row %(row)s: the content is missing.") % {"row": number})
        elif column in MAX_LENGTHS and len(text) > MAX_LENGTHS[column]:
            errors.append(
                _("Row %(row)s: “%(column)s” is longer than %(max)s characters.")
                % {"row": number, "column": column, "max": MAX_LENGTHS[column]}
            )
        else:
            setattr(row, attribute, text)

    category = row.cells[COL_CATEGORY]
    if category:
        if category in categories:
            row.category = categories[category]
        else:
            errors.append(
                _("Row %(row)s: the category “%(value)s” does not exist or is no longer in use.")
                % {"row": number, "value": _quoted(category)}
            )

    phone = re.sub(r"[\s-]", "", row.cells[COL_PHONE])
    if phone:
        if PHONE_RE.match(phone):
            row.submitter_phone = phone
        else:
            errors.append(
                _("Row %(row)s: the mobile number “%(value)s” is not an 11-digit mobile number.")
                % {"row": number, "value": _quoted(row.cells[COL_PHONE])}
            )


def parse_register(data: bytes, *, today: dt.date | None = None) -> RegisterPreview:
    """Read a register workbook and check every row; never writes.

    Raises :class:`ImportFileError` when the file cannot be read, has no usable
    header row, no data rows or more than ``MAX_ROWS`` of them. Row problems do
    not raise: they are listed on each :class:`ParsedRow`.
    """
    today = today or timezone.localdate(timezone=SHANGHAI)
    workbook, package, rows = _open_rows(data)
    try:
        try:
            header_row, positions, ignored = _find_header(rows)
            records: list[tuple[int, dict[str, object]]] = []
            blank_run = 0
            for number, values in enumerate(rows, start=header_row + 1):
                if _is_blank(values):
                    blank_run += 1
                    if blank_run > MAX_BLANK_RUN:
                        break
                    continue
                blank_run = 0
                if len(records) >= MAX_ROWS:
                    raise ImportFileError(
                        _("The file has more than %(max)s rows; split the register into smaller files.")
                        % {"max": MAX_ROWS}
                    )
                # Cells come from another route than a form: the same cleaning as every form value.
                raw = {
                    column: strip_bidi(values[index]) if index < len(values) else None
                    for column, index in positions.items()
                }
                records.append((number, raw))
        except ImportFileError:
            raise
        except Exception as exc:  # a sheet whose XML breaks half-way through
            raise _unreadable() from exc
    finally:
        workbook.close()
        package.close()
    if not records:
        raise ImportFileError(_("The file has a header row but no rows to import."))

    categories = {category.name: category for category in Category.objects.filter(is_active=True)}
    parsed = []
    for number, raw in records:
        row = ParsedRow(number=number, cells={column: _cell_text(raw.get(column)) for column in COLUMNS})
        _validate(row, raw, categories, today)
        parsed.append(row)
    return RegisterPreview(rows=parsed, header_row=header_row, ignored_columns=ignored)


def received_at_for(day: dt.date, *, now: dt.datetime | None = None) -> dt.datetime:
    """09:00 Beijing time of the day received; an item dated today and imported before nine keeps "now"."""
    now = now or timezone.now()
    return min(dt.datetime.combine(day, RECEIVED_HOUR, tzinfo=SHANGHAI), now)


# Writing -------------------------------------------------------------------


def suggestions_import(*, station, by, preview: RegisterPreview, batch: str) -> int:
    """Create one suggestion per row of a fully valid register, in one transaction; returns how many were new.

    ``batch`` (the upload's id, at most 32 characters) makes each row's
    idempotency key, so a double-clicked confirm cannot import a register
    twice. Raises ``PermissionDenied`` when ``by`` may not enter suggestions for
    the station, and ``ValidationError`` when any row is invalid; any error
    raised by :func:`services.suggestion_create` rolls back every row.
    """
    if not permissions.can_enter_suggestions(by, station):
        raise PermissionDenied(_("You may not enter suggestions for this station."))
    if not preview.is_valid:
        raise ValidationError(_("Nothing was imported: some rows of the file have errors."))
    now = timezone.now()
    created_count = 0
    with transaction.atomic():
        for row in preview.rows:
            _suggestion, created = services.suggestion_create(
                station=station,
                by=by,
                channel=row.channel,
                title=row.title,
                content=row.content,
                received_at=received_at_for(row.received_on, now=now),
                category=row.category,
                location=row.location,
                is_enterprise=row.is_enterprise,
                enterprise_name=row.enterprise_name,
                submitter_name=row.submitter_name,
                submitter_phone=row.submitter_phone,
                idempotency_key=f"{batch}:{row.number}",
                notify=False,
            )
            created_count += created
    return created_count


# The template --------------------------------------------------------------


def template_workbook(*, example_category: str = "") -> bytes:
    """An empty register: the header, one example row, a channel drop-down and a sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "意见建议"
    sheet.append(list(COLUMNS))
    example_day = timezone.localdate(timezone=SHANGHAI) - dt.timedelta(days=1)
    sheet.append(
        [
            example_day,
            "接待日",
            "小区路灯损坏",
            "四季城小区3号楼旁路灯已坏一个月，夜间出行不便，希望尽快维修。",
            # A category name is typed in the admin: it goes out like every other exported cell.
            safe_cell(example_category),
            "四季城小区3号楼",
            "张某某",
            "13800001111",
            "",
        ]
    )
    bold, required_fill = Font(bold=True), PatternFill("solid", fgColor="F8D7DA")
    for cell in sheet[1]:
        cell.font = bold
        if cell.value in REQUIRED_COLUMNS:
            cell.fill = required_fill
    widths = {COL_RECEIVED: 14, COL_CHANNEL: 12, COL_TITLE: 28, COL_CONTENT: 60, COL_LOCATION: 24, COL_PHONE: 16}
    for index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = widths.get(column, 14)
        if column == COL_RECEIVED:
            sheet.cell(row=2, column=index).number_format = "yyyy-mm-dd"
        if column == COL_PHONE:
            # Text, so Excel keeps all eleven digits instead of showing 1.38E+10.
            sheet.cell(row=2, column=index).number_format = "@"
        if column == COL_CHANNEL:
            choices = DataValidation(type="list", formula1=f'"{",".join(CHANNEL_LABELS)}"', allow_blank=False)
            choices.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(choices)
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(_("Instructions"))
    notes.column_dimensions["A"].width = 100
    for line in (
        _("Fill in one suggestion per row of the first sheet; keep the header row. Empty rows are skipped."),
        _("Required columns: %(columns)s.") % {"columns": "、".join(REQUIRED_COLUMNS)},
        _("%(column)s: the day the suggestion was received, e.g. 2024-03-20; not in the future.")
        % {"column": COL_RECEIVED},
        _("%(column)s: one of %(choices)s.") % {"column": COL_CHANNEL, "choices": "、".join(CHANNEL_LABELS)},
        _("%(column)s: at most %(max)s characters.") % {"column": COL_TITLE, "max": MAX_LENGTHS[COL_TITLE]},
        _("%(column)s: optional; must be the name of a category in use.") % {"column": COL_CATEGORY},
        _("%(column)s: optional; an 11-digit mobile number.") % {"column": COL_PHONE},
        _("%(column)s: fill in only for a problem raised by an enterprise; the row then counts as an enterprise item.")
        % {"column": COL_ENTERPRISE},
        _("At most %(max)s rows and 5 MB per file. Nothing is imported unless every row is valid.") % {"max": MAX_ROWS},
    ):
        notes.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


STASH_DIR = "imports"
STASH_KEEP = dt.timedelta(days=1)


def _stash_path(token: str) -> str:
    return f"{STASH_DIR}/{token}.xlsx"


def stash_keep(*, station, by, data: bytes) -> str:
    """Keep a checked register until it is confirmed; returns the token that names it.

    Raises ``PermissionDenied`` unless ``by`` may enter suggestions for the station.
    """
    if not permissions.can_enter_suggestions(by, station):
        raise PermissionDenied(_("You may not import suggestions for this station."))
    token = uuid.uuid4().hex
    storages["private"].save(_stash_path(token), ContentFile(data))
    return token


def stash_take(token: str) -> bytes | None:
    """The register kept under ``token``, removed as it is read (a checked file is used once); None if gone."""
    storage = storages["private"]
    path = _stash_path(token)
    if not storage.exists(path):
        return None
    with storage.open(path, "rb") as stored:
        data = stored.read()
    storage.delete(path)
    return data


def stash_drop(token: str) -> None:
    storages["private"].delete(_stash_path(token))


def purge_stale_stashes(now: dt.datetime | None = None) -> int:
    """Delete uploaded registers left waiting for confirmation longer than a day (beat, hourly).

    A preview that is confirmed or cancelled removes its file at once; one whose page
    was simply closed would otherwise keep a citizen-data spreadsheet on disk for good.
    """
    storage = storages["private"]
    now = now or timezone.now()
    try:
        _dirs, files = storage.listdir(STASH_DIR)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in files:
        path = f"{STASH_DIR}/{name}"
        if storage.get_modified_time(path) < now - STASH_KEEP:
            storage.delete(path)
            removed += 1
    return removed
