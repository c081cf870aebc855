"""Rows for openpyxl's write-only sheets, safe whatever people typed.

Text that starts with ``=`` would become a live formula in the reader's Excel
(formula injection), and control characters pasted from word processors make
openpyxl refuse the whole file. Every exported cell goes through :func:`cells`.
"""

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def cells(sheet, row):
    out = []
    for value in row:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith("="):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                value = cell
        out.append(value)
    return out
