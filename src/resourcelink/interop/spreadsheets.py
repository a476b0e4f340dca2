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
    try:
        opened = _open_first_sheet(data)
    except SpreadsheetError:
        raise
    except Exception as exc:  # openpyxl raises many kinds (BadZipFile, KeyError...) on a damaged file
        raise SpreadsheetError(
            _("This file is not a readable Excel workbook (.xlsx); it may be damaged. (%(detail)s)")
            % {"detail": exc.__class__.__name__}
        ) from None
    try:
        return _table_from_rows(list(opened))
    except SpreadsheetError:
        raise
    except Exception as exc:
        raise SpreadsheetError(
            _("This file is not a readable Excel workbook (.xlsx); it may be damaged. (%(detail)s)")
            % {"detail": exc.__class__.__name__}
        ) from None


def _open_first_sheet(data: bytes):
    """The numbered rows of the first worksheet, read lazily.

    openpyxl's ``load_workbook(read_only=True, data_only=True)`` does the same
    steps, then scans every sheet once more to size it when the file has no
    <dimension> element (as files written by openpyxl itself lack): on
    10,000 rows that second scan costs as much as the reading. So the steps
    are taken one by one here, and only the first sheet is opened. Should a
    later openpyxl change these internals, the public road is taken.
    """
    from openpyxl import load_workbook

    try:
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet

        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheets = [rel.target for _sheet, rel in reader.parser.find_sheets()
                  if rel.target in reader.valid_files and "chartsheet" not in rel.Type]
    except AttributeError:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        if not workbook.worksheets:
            raise SpreadsheetError(_("The workbook has no sheets.")) from None
        return enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)
    if not sheets:
        raise SpreadsheetError(_("The workbook has no sheets."))
    return _fast_rows(reader.archive, sheets[0], reader.shared_strings, reader.wb)


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _INLINE, _TEXT = f"{_NS}row", f"{_NS}c", f"{_NS}v", f"{_NS}is", f"{_NS}t"
_INLINE_TEXT = f"{_INLINE}/{_TEXT}"


def _column_index(ref: str) -> int:
    index = 0
    for char in ref:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
    return index - 1


def _fast_rows(archive, path: str, shared, workbook):
    """Rows of a sheet as ``(row_number, values)``, values as openpyxl's
    ``iter_rows(values_only=True)`` gives them.

    openpyxl does the workbook (sheets, shared strings, which styles are
    dates); its per-cell reader builds descriptor objects for every inline
    string and is several times slower than walking the sheet XML, which
    decides whether 10,000 rows import in seconds or in tens of seconds on a
    small server.
    """
    from lxml.etree import iterparse
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    date_styles = workbook._date_formats
    timedelta_styles = workbook._timedelta_formats
    epoch = workbook.epoch
    source = archive.open(path)
    try:
        counter = 0
        for _event, element in iterparse(source, tag=_ROW, resolve_entities=False, huge_tree=True):
            counter = int(element.get("r") or counter + 1)
            values: list = []
            for cell in element.iter(_CELL):
                ref = cell.get("r")
                column = _column_index(ref) if ref else len(values)
                while len(values) < column:
                    values.append(None)
                kind = cell.get("t", "n")
                if kind == "inlineStr":
                    value = cell.findtext(_INLINE_TEXT)  # plain text; rich text has runs of <r><t>
                    if value is None:
                        inline = cell.find(_INLINE)
                        value = "".join(t.text or "" for t in inline.iter(_TEXT)) if inline is not None else None
                else:
                    raw = cell.findtext(_VALUE)
                    if raw is None or raw == "":
                        value = None
                    elif kind == "n":
                        value = float(raw) if any(c in raw for c in ".eE") else int(raw)
                        style = int(cell.get("s", 0))
                        if style in date_styles:
                            try:
                                value = from_excel(value, epoch, timedelta=style in timedelta_styles)
                            except (OverflowError, ValueError):
                                value = raw
                    elif kind == "s":
                        value = shared[int(raw)]
                    elif kind == "b":
                        value = raw not in ("0", "false")
                    elif kind == "d":
                        value = from_ISO8601(raw)
                    else:  # "str" (a formula's text), "e" (an error like #N/A)
                        value = raw
                values.append(value)
            element.clear()
            while element.getprevious() is not None:  # let lxml free the rows already read
                del element.getparent()[0]
            yield counter, values
    finally:
        source.close()
        archive.close()


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
