"""Exported cells, safe whatever people typed: one rule for CSV and XLSX alike.

Text that starts with ``=``, ``+``, ``-`` or ``@`` is taken for a formula by
Excel, WPS and LibreOffice when a CSV file is opened (formula injection: a
citizen's ``=HYPERLINK(...)`` would run on a staff member's computer), and a
leading tab or carriage return makes some of them look further for one. In an
XLSX file such text is stored as text, but becomes a live formula as soon as
someone edits the cell and presses Enter. :func:`safe_cell` puts an apostrophe
in front of it, which every spreadsheet shows as text and keeps as text, and
removes what must never reach a cell: control characters (openpyxl refuses
the whole file for one) and bidirectional controls (which disguise text; see
:mod:`core.text`). Every exported value goes through it.
"""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from core.text import strip_bidi

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a cell of an export may hold it; anything but text comes back as it is."""
    if not isinstance(value, str):
        return value
    text = strip_bidi(ILLEGAL_CHARACTERS_RE.sub("", value))
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def cells(row) -> list:
    """A row for a CSV writer or openpyxl's ``append``, every value through :func:`safe_cell`."""
    return [safe_cell(value) for value in row]
