"""Reading and writing spreadsheets (XLSX and CSV) as plain tables.

Kept apart from what the columns mean, so every import (resources today,
households or items later) reads files the same way and reports a broken
file the same way: a ``SpreadsheetError`` with a sentence a social worker
can act on, never a traceback.

Why the CSV decoding tries more than UTF-8: Excel on a Chinese Windows saves
"CSV" in the system code page (GBK/GB18030), not UTF-8, and that is the file
most stations will upload. GB18030 is a superset of GBK and GB2312.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
FORMATS = ("xlsx", "csv")


class SpreadsheetError(ValueError):
    """The file cannot be read as a table. ``str(exc)`` is the user message."""


@dataclass
class Table:
    """The first sheet of a file: its header row and its data rows.

    Each row is ``(row_number, values)`` where ``row_number`` is the number
    the user sees in Excel (1-based, counting the header and blank rows), so
    error messages point at the right line.
    """

    header: list[str]
    header_row: int = 1
    rows: list[tuple[int, list]] = field(default_factory=list)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table_from_rows(numbered_rows: Iterable[tuple[int, Sequence]]) -> Table:
    header: list[str] | None = None
    header_row = 0
    rows: list[tuple[int, list]] = []
    for number, values in numbered_rows:
        values = list(values)
        while values and _blank(values[-1]):
            values.pop()
        if not values:
            continue  # blank rows are skipped but keep their numbers
        if header is None:
            header = ["" if v is None else str(v).strip() for v in values]
            header_row = number
        else:
            rows.append((number, values))
    if header is None:
        raise SpreadsheetError(_("The file has no header row: the first row must name the columns."))
    return Table(header=header, header_row=header_row, rows=rows)


def detect_format(filename: str, data: bytes) -> str:
    """``"xlsx"`` or ``"csv"``, from the content first (a renamed file still
    works), then from the file name."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        return "csv"
    if name.endswith(".xls"):
        raise SpreadsheetError(_("Old Excel files (.xls) cannot be read. Save the file as .xlsx or .csv."))
    return "csv"


def read_table(data: bytes, filename: str = "") -> Table:
    """Read the first sheet of an XLSX file or a CSV file."""
    if not data or not data.strip():
        raise SpreadsheetError(_("The file is empty."))
    fmt = detect_format(filename, data)
    return read_xlsx(data) if fmt == "xlsx" else read_csv(data)


def read_xlsx(data: bytes) -> Table:
    """The first sheet of a workbook, read with python-calamine.

    calamine (Rust) reads a 10,000-row sheet in a fraction of a second, where
    openpyxl's read-only reader takes several seconds and, on files without a
    <dimension> element, scans the sheet twice; the import's time budget
    (10,000 rows in 15 s) goes to validation and writing instead.
    """
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise SpreadsheetError(_("The workbook has no sheets."))
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except SpreadsheetError:
        raise
    except Exception as exc:  # calamine raises its own error types on a damaged file
        raise SpreadsheetError(
            _("This file is not a readable Excel workbook (.xlsx); it may be damaged. (%(detail)s)")
            % {"detail": exc.__class__.__name__}
        ) from None
    return _table_from_rows((number, [_xlsx_value(v) for v in values]) for number, values in enumerate(rows, 1))


def _xlsx_value(value):
    """calamine's cell values as openpyxl's ``values_only`` gives them: empty
    cells None, whole numbers int (a phone typed as a number stays digits)."""
    if isinstance(value, str) and value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes), else GB18030."""
    if b"\x00" in data:
        raise SpreadsheetError(_("This file is not a spreadsheet: save it as .xlsx or as CSV."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(_("The CSV file's text encoding is not UTF-8 or GB18030: save it as .xlsx or as "
                             "\"CSV UTF-8\"."))


def read_csv(data: bytes) -> Table:
    text = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    for candidate in ("\t", ";"):
        if candidate in first_line and "," not in first_line:
            delimiter = candidate
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return _table_from_rows(enumerate(reader, start=1))
    except csv.Error as exc:
        raise SpreadsheetError(_("The CSV file cannot be read: %(detail)s") % {"detail": exc}) from None


# --- writing ------------------------------------------------------------------


@dataclass
class SheetData:
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence]
    widths: dict[int, int] = field(default_factory=dict)


def _cell_value(value):
    if isinstance(value, (dt.date, dt.datetime, int, float, bool)) or value is None:
        return value
    return str(value)


def write_xlsx(sheets: Sequence[SheetData]) -> bytes:
    """A workbook with one sheet per ``SheetData``, bold frozen headers.

    Write-only mode streams rows to the file, so a large export does not
    hold a cell object per value in memory.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for data in sheets:
        sheet = workbook.create_sheet(title=data.title[:31])
        sheet.freeze_panes = "A2"
        for index, width in data.widths.items():
            from openpyxl.utils import get_column_letter

            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        header_cells = []
        for title in data.header:
            cell = WriteOnlyCell(sheet, value=str(title))
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in data.rows:
            sheet.append([_cell_value(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a BOM: without it Excel shows Chinese text as mojibake."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([str(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else (v.isoformat() if isinstance(v, dt.date) else v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
