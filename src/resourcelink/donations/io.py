"""Donation lines from a spreadsheet, and the blank template for them.

Design: the file fills the lines of the "receive a donation" form; it does
not record a donation by itself. The donor, the store and the restrictions
are chosen on the form as for any donation, the lines can be checked and
corrected on screen, and the receipt is then written by
``donation_receive`` in one transaction like a typed-in one.

Reading is all-or-nothing, like the other imports (``interop.resource_io``):
every row is checked, every problem is reported with its row and column, and
the form's lines are replaced only when the whole file is clean. Headers and
item names are accepted in Chinese or English (written out here: a file's
headers are a data format, not UI text); an item is found by its catalogue
code or by either of its names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from resourcelink.interop.resource_io import DATE_RE, RowError, active_lang, normalise
from resourcelink.interop.spreadsheets import SheetData, SpreadsheetError, read_table, write_xlsx

from .selectors import receivable_items

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_LINES = 500


@dataclass(frozen=True)
class Column:
    key: str
    en: str
    zh: str
    aliases: tuple[str, ...] = ()

    def header(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


COLUMNS = (
    Column("item", "Item", "物资", ("item code", "code", "name", "物资名称", "名称", "品名", "物资代码", "代码")),
    Column("quantity", "Quantity", "数量", ("qty", "count", "件数")),
    Column("unit", "Unit", "单位"),
    Column("expires_on", "Expiry date", "有效期至", ("expires on", "expiry", "expires", "有效期", "保质期至",
                                                   "过期日期")),
    Column("estimated_value", "Estimated value", "估计价值", ("value", "estimated value (yuan)", "价值",
                                                           "估值", "估计价值（元）", "金额")),
)
BY_KEY = {c.key: c for c in COLUMNS}
HEADER_INDEX = {normalise(name): c.key for c in COLUMNS for name in (c.key, c.en, c.zh, *c.aliases)}
REQUIRED = ("item", "quantity")


@dataclass
class ParsedLine:
    row: int
    item: object
    quantity: int
    expires_on: dt.date | None
    estimated_value: Decimal | None


@dataclass
class LinesResult:
    lines: list[ParsedLine] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class CellError(ValueError):
    pass


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _quantity(value) -> int:
    if isinstance(value, bool):
        raise CellError(_("Write a whole number."))
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("Write a whole number."))
        value = int(value)
    text = _text(value).replace(",", "")
    if not text:
        raise CellError(_("A quantity is needed."))
    try:
        number = int(text)
    except ValueError:
        raise CellError(_("Write a whole number.")) from None
    if number < 1:
        raise CellError(_("The quantity must be at least 1."))
    if number > 2_000_000_000:
        raise CellError(_("The quantity is too large."))
    return number


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    match = DATE_RE.match(text)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise CellError(_("Not a date: write it as YYYY-MM-DD."))


def _money(value) -> Decimal | None:
    if isinstance(value, bool):
        raise CellError(_("Not a number."))
    text = repr(value) if isinstance(value, (int, float)) else _text(value).replace(",", "").replace("¥", "")
    text = text.removesuffix("元").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("Not a number.")) from None
    if not number.is_finite():
        raise CellError(_("Not a number."))
    if number < 0:
        raise CellError(_("Must not be negative."))
    number = number.quantize(Decimal("0.01"))
    if number >= Decimal("1e12"):
        raise CellError(_("This number is too large."))
    return number


class _Items:
    """The station's live items, found by code or by either name."""

    def __init__(self, station):
        self.by_key: dict[str, list] = {}
        for item in receivable_items(station):
            for key in {normalise(item.code), normalise(item.name_zh_hans), normalise(item.name_en)} - {""}:
                self.by_key.setdefault(key, [])
                if item not in self.by_key[key]:
                    self.by_key[key].append(item)

    def find(self, value):
        text = _text(value)
        if not text:
            raise CellError(_("Name the item (its code or its name in the catalogue)."))
        matches = self.by_key.get(normalise(text), [])
        if len(matches) > 1:
            raise CellError(_("“%(name)s” names several items: use the item's code.") % {"name": text})
        if not matches:
            raise CellError(_("“%(name)s” is not in the station's catalogue (or is archived). Use an item's code "
                              "or name; an admin can add it to the catalogue.") % {"name": text})
        return matches[0]


def read_lines(*, station, data: bytes, filename: str = "") -> LinesResult:
    """Check the whole file and return its lines, or every problem in it."""
    result = LinesResult()
    lang = active_lang()
    if len(data) > MAX_FILE_BYTES:
        result.errors.append(RowError(None, "", _("The file is larger than %(mb)s MB.")
                                      % {"mb": MAX_FILE_BYTES // (1024 * 1024)}))
        return result
    try:
        table = read_table(data, filename)
    except SpreadsheetError as exc:
        result.errors.append(RowError(None, "", str(exc)))
        return result

    headers: dict[str, str] = {}
    positions: dict[int, str] = {}
    for index, title in enumerate(table.header):
        if not title:
            continue
        key = HEADER_INDEX.get(normalise(title))
        if key is None:
            result.errors.append(RowError(table.header_row, title,
                                          _("Unknown column. Use the headers of the template.")))
        elif key in headers:
            result.errors.append(RowError(table.header_row, title, _("This column appears twice.")))
        else:
            headers[key] = title
            positions[index] = key
    for key in REQUIRED:
        if key not in headers:
            result.errors.append(RowError(table.header_row, "", _("The file has no “%(column)s” column.")
                                          % {"column": BY_KEY[key].header(lang)}))
    if result.errors:
        return result
    if not table.rows:
        result.errors.append(RowError(None, "", _("The file has no lines below its header.")))
        return result
    if len(table.rows) > MAX_LINES:
        result.errors.append(RowError(None, "", _("A donation can have at most %(n)s lines; this file has %(rows)s.")
                                      % {"n": MAX_LINES, "rows": len(table.rows)}))
        return result

    items = _Items(station)
    for number, cells in table.rows:
        raw = {key: (cells[index] if index < len(cells) else None) for index, key in positions.items()}
        parsed: dict = {}
        for key, parse in (("item", items.find), ("quantity", _quantity), ("expires_on", _date),
                           ("estimated_value", _money)):
            if key not in raw:
                parsed[key] = None
                continue
            try:
                parsed[key] = parse(raw[key])
            except CellError as exc:
                result.errors.append(RowError(number, headers[key], str(exc)))
                parsed[key] = Ellipsis
        item = parsed["item"]
        unit = _text(raw.get("unit"))
        if unit and item not in (None, Ellipsis) and normalise(unit) != normalise(item.unit):
            result.errors.append(RowError(number, headers["unit"], _(
                "The catalogue counts %(item)s in “%(unit)s”: give the quantity in that unit.")
                % {"item": item.name, "unit": item.unit}))
            continue
        if Ellipsis in parsed.values():
            continue
        result.lines.append(ParsedLine(number, item, parsed["quantity"], parsed["expires_on"],
                                       parsed["estimated_value"]))
    if result.errors:
        result.lines = []
    return result


def lines_template(*, station, lang: str) -> bytes:
    """A blank lines sheet in ``lang``, and a second sheet listing the
    station's items with their codes and units."""
    header = [c.header(lang) for c in COLUMNS]
    items = receivable_items(station)
    catalogue_header = ["代码", "名称", "英文名称", "单位"] if lang == "zh" else ["Code", "Name", "Chinese name",
                                                                              "Unit"]
    catalogue_rows = [[i.code, i.name_zh_hans, i.name_en, i.unit] if lang == "zh"
                      else [i.code, i.name_en, i.name_zh_hans, i.unit] for i in items]
    return write_xlsx([
        SheetData(title="捐赠物资明细" if lang == "zh" else "Donation lines", header=header, rows=[],
                  widths={0: 24, 1: 12, 2: 10, 3: 14, 4: 16}),
        SheetData(title="物资目录" if lang == "zh" else "Catalogue", header=catalogue_header, rows=catalogue_rows,
                  widths={0: 22, 1: 20, 2: 24, 3: 8}),
    ])
