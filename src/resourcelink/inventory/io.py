"""The item catalogue to and from spreadsheets, and the stock exports.

The catalogue import follows the station's import rules (interop's
resource_io and people_io): XLSX or CSV (UTF-8 or GB18030), headers in
Chinese or English, every row checked first and every problem reported with
its row and column, nothing written unless the whole file is clean, and then
in one transaction through the inventory services (so history and checks are
theirs). Rows find their item by code: a second upload of the same file
updates nothing, and rows whose values did not change are not touched (no
history noise). A dry run does the same work and rolls back.

The exports (the stock report and the stock ledger) hold no personal data:
items, stores, lots and staff. A move's reason is free text a social worker
wrote, which may name a resident, so it goes into the ledger file only when
the caller says the reader may see it. Both are written with openpyxl's
write-only mode into a temporary file, rows streamed from the database, so
a ledger of a million moves is never held in memory as cells.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resourcelink.accounts.access import require_role
from resourcelink.accounts.models import ADMINS, Station
from resourcelink.interop.resource_io import (
    CellError,
    Column,
    ImportResult,
    RowError,
    _text,
    active_lang,
    normalise,
)
from resourcelink.interop.spreadsheets import (
    XLSX_CONTENT_TYPE,
    SheetData,
    SpreadsheetError,
    read_table,
)
from resourcelink.taxonomy.models import Category

from . import selectors, services
from .models import Item, MoveKind

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
CHUNK = 2000
CODE_RE = re.compile(r"^[-a-z0-9_]+$")

# Why the headers have Chinese written out here rather than through gettext:
# a file's headers are a data format, not UI text (see resource_io).
COLUMNS: tuple[Column, ...] = (
    Column("code", "Code", "代码", ("item code", "编码", "物资代码", "物品代码")),
    Column("name_zh_hans", "Chinese name", "中文名称", ("name (Chinese)", "中文名", "名称", "物资名称")),
    Column("name_en", "English name", "英文名称", ("name (English)", "英文名")),
    Column("category", "Category code", "类别代码", ("category", "类别", "分类", "分类代码")),
    Column("unit", "Unit", "单位", ("计量单位",)),
    Column("pack_size", "Pack size", "每包数量", ("pack", "包装数量", "规格")),
    Column("notes", "Notes", "备注", ("note", "说明")),
)
BY_KEY = {c.key: c for c in COLUMNS}
HEADER_INDEX: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.key, _column.en, _column.zh, *_column.aliases):
        HEADER_INDEX[normalise(_name)] = _column.key
TEXT_COLUMNS = ("name_zh_hans", "name_en", "unit", "notes")
REQUIRED = ("code", "name_zh_hans", "name_en", "category", "unit")
WRITTEN = ("name_zh_hans", "name_en", "category", "unit", "pack_size", "notes")


class _Rollback(Exception):
    """Leaves the import's transaction without keeping anything."""


@dataclass
class _Row:
    number: int
    values: dict  # column key -> parsed value (columns present in the file)
    failed: set
    item: Item | None = None


class _CatalogueImporter:
    def __init__(self, *, station: Station, actor, filename: str):
        self.station = station
        self.actor = actor
        self.filename = filename
        self.lang = active_lang()
        self.errors: list[RowError] = []
        self.headers: dict[str, str] = {}  # key -> the header as written in the file

    def error(self, row: int | None, key: str, message) -> None:
        header = self.headers.get(key) or (BY_KEY[key].header(self.lang) if key in BY_KEY else key)
        self.errors.append(RowError(row, header, str(message)))

    def map_header(self, header: list[str], header_row: int) -> dict[int, str]:
        positions: dict[int, str] = {}
        for index, title in enumerate(header):
            if not title:
                continue
            key = HEADER_INDEX.get(normalise(title))
            if key is None:
                self.errors.append(RowError(header_row, title, _("Unknown column. Use the headers of the template.")))
            elif key in self.headers:
                self.errors.append(RowError(header_row, title, _("This column appears twice.")))
            else:
                self.headers[key] = title
                positions[index] = key
        if "code" not in self.headers:
            self.errors.append(RowError(header_row, "", _("The file has no “%(column)s” column.")
                                        % {"column": BY_KEY["code"].header(self.lang)}))
        return positions

    def parse_row(self, number: int, cells: list, positions: dict[int, str], categories: dict) -> _Row:
        row = _Row(number, {}, set())

        def fail(key: str, message) -> None:
            row.failed.add(key)
            self.error(number, key, message)

        for index, key in positions.items():
            cell = cells[index] if index < len(cells) else None
            try:
                row.values[key] = self.parse_cell(key, cell, categories)
            except CellError as exc:
                fail(key, str(exc))
        return row

    def parse_cell(self, key: str, cell, categories: dict):
        if key == "code":
            code = _text(cell).lower()
            if code and not CODE_RE.match(code):
                raise CellError(_("Use only letters, digits, “-” and “_” in a code."))
            if len(code) > Item._meta.get_field("code").max_length:
                raise CellError(_("At most %(limit)d characters.") % {"limit": Item._meta.get_field("code").max_length})
            return code
        if key in TEXT_COLUMNS:
            text = _text(cell)
            limit = Item._meta.get_field(key).max_length
            if limit and len(text) > limit:
                raise CellError(_("At most %(limit)d characters.") % {"limit": limit})
            return text
        if key == "pack_size":
            return _pack_size(cell)
        if key == "category":
            return _category(_text(cell), categories)
        raise AssertionError(key)  # every mapped column is handled above

    def check_rows(self, rows: list[_Row], existing: dict[str, Item]) -> None:
        """Codes given once, required values present, retired categories
        only where the item already has them."""
        first_row: dict[str, int] = {}
        for row in rows:
            code = row.values.get("code", "")
            if "code" in row.failed:
                continue
            if not code:
                self.error(row.number, "code", _("A code is needed."))
                row.failed.add("code")
                continue
            first = first_row.setdefault(code, row.number)
            if first != row.number:
                self.error(row.number, "code", _("This row repeats row %(row)d (the same code).") % {"row": first})
                row.failed.add("code")
                continue
            row.item = existing.get(code)
            for key in REQUIRED[1:]:
                if key in row.failed:
                    continue
                if key not in row.values:
                    if row.item is None:
                        self.error(row.number, key, _("The file has no “%(column)s” column: it is needed for a new "
                                                      "item.") % {"column": BY_KEY[key].header(self.lang)})
                    continue
                if row.values[key] in ("", None):
                    self.error(row.number, key, _("This value is needed."))
                    row.failed.add(key)
            category = row.values.get("category")
            if category is not None and category.is_retired and (row.item is None
                                                                 or row.item.category_id != category.pk):
                self.error(row.number, "category", _("This category is retired: choose another."))
                row.failed.add("category")

    def changes(self, row: _Row) -> dict:
        """What the row would change on its item (all of it for a new one)."""
        fields = {key: row.values[key] for key in WRITTEN if key in row.values}
        if fields.get("pack_size") is None:
            fields.pop("pack_size", None)
        if row.item is None:
            return fields
        return {key: value for key, value in fields.items()
                if (row.item.category_id != value.pk if key == "category"
                    else getattr(row.item, key) != value)}

    def write(self, rows: list[_Row], result: ImportResult) -> None:
        reason = _("Imported from %(file)s") % {"file": self.filename or _("a spreadsheet")}
        for row in rows:
            fields = self.changes(row)
            try:
                if row.item is None:
                    services.item_create(actor=self.actor, station=self.station, code=row.values["code"],
                                         check=False, **fields)
                    result.created += 1
                elif fields:
                    services.item_update(actor=self.actor, item=row.item, reason=reason, check=False, **fields)
                    result.updated += 1
                else:
                    result.unchanged += 1
            except ValidationError as exc:
                self.service_errors(row, exc)

    def service_errors(self, row: _Row, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.error(row.number, "", message)
            return
        for name, errors in exc.error_dict.items():
            key = name if name in BY_KEY else ""
            for error in errors:
                for message in error.messages:
                    self.error(row.number, key, message)

    def run(self, data: bytes, dry_run: bool) -> ImportResult:
        result = ImportResult(dry_run=dry_run)
        try:
            if len(data) > MAX_FILE_BYTES:
                raise SpreadsheetError(_("The file is larger than %(mb)d MB: split it.")
                                       % {"mb": MAX_FILE_BYTES // (1024 * 1024)})
            table = read_table(data, self.filename)
        except SpreadsheetError as exc:
            result.errors.append(RowError(None, "", str(exc)))
            return result
        if len(table.rows) > MAX_ROWS:
            result.errors.append(RowError(None, "", _("The file has more than %(max)d rows: split it.")
                                          % {"max": MAX_ROWS}))
            return result
        result.rows = len(table.rows)
        positions = self.map_header(table.header, table.header_row)
        if self.errors:
            result.errors = self.errors
            return result
        if not table.rows:
            result.errors.append(RowError(None, "", _("The file has a header but no rows.")))
            return result
        categories = _category_lookup(self.station)
        rows = [self.parse_row(number, cells, positions, categories) for number, cells in table.rows]
        try:
            with transaction.atomic():
                # One catalogue import per station at a time, so two uploads
                # of the same file cannot both decide a code is new.
                Station.objects.select_for_update().filter(pk=self.station.pk).first()
                existing = {item.code: item for item in Item.objects.filter(station=self.station)
                            .select_related("category")}
                self.check_rows(rows, existing)
                if not self.errors:
                    self.write(rows, result)
                if self.errors or dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        order = {key: i for i, key in enumerate(self.headers)}
        headers = {title: order[key] for key, title in self.headers.items()}
        self.errors.sort(key=lambda e: (e.row or 0, headers.get(e.column, -1)))
        result.errors = self.errors
        if result.errors:
            result.created = result.updated = result.unchanged = 0
        return result


def _category_lookup(station: Station) -> dict:
    """``{"code:<code>": category, "name:<name>": [categories]}`` for the
    station's categories, read once for the whole file."""
    lookup: dict = {}
    for category in Category.objects.filter(station=station):
        lookup[f"code:{category.code.lower()}"] = category
        for name in {normalise(category.name_zh_hans), normalise(category.name_en)} - {""}:
            lookup.setdefault(f"name:{name}", []).append(category)
    return lookup


def _category(text: str, lookup: dict):
    if not text:
        return ""
    category = lookup.get(f"code:{text.lower()}")
    if category is not None:
        return category
    matches = lookup.get(f"name:{normalise(text)}", [])
    if len(matches) > 1:
        raise CellError(_("“%(name)s” names several categories: use its code.") % {"name": text})
    if not matches:
        raise CellError(_("Unknown category “%(name)s”: use a code from the template's help sheet.") % {"name": text})
    return matches[0]


def _pack_size(cell) -> int | None:
    if isinstance(cell, bool):
        raise CellError(_("Enter a whole number, 1 or more."))
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, int):
        number = cell
    else:
        text = _text(cell)
        if not text:
            return None
        try:
            number = int(Decimal(text))
            if Decimal(text) != number:
                raise ValueError
        except (ArithmeticError, ValueError):
            raise CellError(_("Enter a whole number, 1 or more.")) from None
    if number < 1 or number > 2_147_483_647:
        raise CellError(_("Enter a whole number, 1 or more."))
    return number


def items_import(*, actor, station: Station, file, filename: str = "", dry_run: bool = False) -> ImportResult:
    """Check every row of a spreadsheet of catalogue items and, if none has
    an error, add and update them all in one transaction (station admins).

    Rows are matched to items by code (archived items too); unchanged rows
    are left alone. Errors are (row, column, message); any error writes
    nothing. ``file`` is bytes or a file object.
    """
    require_role(actor, station, ADMINS)
    data = file if isinstance(file, bytes) else file.read()
    filename = filename or getattr(file, "name", "") or ""
    return _CatalogueImporter(station=station, actor=actor, filename=filename).run(data, dry_run)


# --- writing workbooks ----------------------------------------------------------------------------


@dataclass
class ExportFile:
    """A workbook in a temporary file (opened, at its start) to stream to
    the user; closing it deletes it."""

    file: object
    content_type: str
    filename: str


def _cell(value):
    if value == "":
        return None  # an empty cell, not an empty string
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
    if value is None or isinstance(value, (int, float, str)) or hasattr(value, "isoformat"):
        return value
    return str(value)


def write_workbook(sheets: Sequence[SheetData]):
    """A workbook with one sheet per ``SheetData`` (bold frozen header),
    written in write-only mode into a temporary file, rows pulled one at a
    time from their iterables. Returns the file, at its start."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for data in sheets:
        sheet = workbook.create_sheet(title=data.title[:31])
        sheet.freeze_panes = "A2"
        for index, width in data.widths.items():
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        header = []
        for title in data.header:
            cell = WriteOnlyCell(sheet, value=str(title))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in data.rows:
            sheet.append([_cell(v) for v in row])
    out = tempfile.TemporaryFile()
    workbook.save(out)
    out.seek(0)
    return out


def _headers(lang: str, pairs: Iterable[tuple[str, str]]) -> list[str]:
    return [zh if lang == "zh" else en for en, zh in pairs]


def _item_name(item: Item, lang: str) -> str:
    return (item.name_zh_hans or item.name_en) if lang == "zh" else (item.name_en or item.name_zh_hans)


def _category_name(category: Category, lang: str) -> str:
    return (category.name_zh_hans or category.name_en) if lang == "zh" else (category.name_en or category.name_zh_hans)


# --- the catalogue as a workbook ------------------------------------------------------------------


HELP_TEXT = {
    "en": [
        "One item per row on the first sheet. Code, names, category and unit are needed for a new item.",
        "A row whose code the station already has updates that item; the others are added. Codes are letters, "
        "digits, - and _.",
        "Category: a code from the list below (or a category's name). Pack size: a whole number, 1 or more.",
        "Nothing is imported if any row has an error: every error is listed with its row and column.",
        "This file, imported again unchanged, changes nothing.",
    ],
    "zh": [
        "在第一张表中每行填写一种物资。新物资须填写代码、中英文名称、类别和单位。",
        "代码已存在的行会更新该物资，其余的行新增物资。代码只能包含字母、数字、- 和 _。",
        "类别：填写下表中的类别代码（或类别名称）。每包数量：不小于 1 的整数。",
        "只要有一行出错，整个文件都不会导入：每个错误都会列出所在的行和列。",
        "本文件不作修改再次导入，不会改变任何数据。",
    ],
}


def catalogue_export(*, station: Station, lang: str | None = None) -> ExportFile:
    """The station's live catalogue with the import's columns (so it can be
    edited and imported back), and a help sheet with the rules and the
    station's category codes."""
    lang = lang or active_lang()
    zh = lang == "zh"
    header = [c.header(lang) for c in COLUMNS]
    items = selectors.items_for_station(station)
    rows = ([i.code, i.name_zh_hans, i.name_en, i.category.code, i.unit, i.pack_size, i.notes]
            for i in items.iterator(chunk_size=CHUNK))
    help_rows: list[list] = [[line] for line in HELP_TEXT[lang]]
    help_rows += [[], ["类别（代码、中文名称、英文名称）" if zh else "Categories (code, Chinese name, English name)"]]
    help_rows += [[c.code, c.name_zh_hans, c.name_en]
                  for c in Category.objects.filter(station=station, retired_on__isnull=True).order_by("path")]
    sheets = [
        SheetData("物资目录" if zh else "Catalogue", header, rows, {0: 20, 1: 20, 2: 24, 3: 24, 6: 30}),
        SheetData("说明" if zh else "Help", ["说明" if zh else "Help"], help_rows, {0: 40, 1: 24, 2: 30}),
    ]
    stamp = timezone.localdate().isoformat()
    return ExportFile(write_workbook(sheets), XLSX_CONTENT_TYPE, f"catalogue-{station.slug}-{stamp}.xlsx")


# --- the stock report -----------------------------------------------------------------------------


STOCK_HEADERS = (
    ("Item code", "物资代码"), ("Item", "物资"), ("Category", "类别"), ("Unit", "单位"), ("Store", "仓库"),
    ("On hand", "库存"), ("Reserved", "已预留"), ("Available", "可用"), ("Nearest expiry", "最近到期日"),
    ("Expired", "已过期数量"), ("Expiring soon", "即将过期数量"), ("Value (yuan)", "价值（元）"),
)
LOT_HEADERS = (
    ("Lot", "批次"), ("Item code", "物资代码"), ("Item", "物资"), ("Store", "仓库"), ("Expires on", "到期日"),
    ("On hand", "库存"), ("Reserved", "已预留"), ("Available", "可用"), ("Value per unit (yuan)", "单价（元）"),
    ("Value (yuan)", "价值（元）"), ("Donation No.", "捐赠编号"),
)


def stock_report(*, station: Station, summary_kwargs: dict | None = None, expiry: str = "",
                 lang: str | None = None) -> ExportFile:
    """The stock per item and store (on hand, reserved, available, nearest
    expiry, expired and expiring quantities, value) and, on a second sheet,
    the lots behind it, filtered as on the stock page. Read from the lots'
    cached figures."""
    lang = lang or active_lang()
    zh = lang == "zh"
    kwargs = dict(summary_kwargs or {})
    summary = selectors.stock_with_expiry(selectors.stock_summary(station, **kwargs), expiry)
    rows = []
    for entry in summary:
        item = entry.item
        for line in entry.stores:
            rows.append([item.code, _item_name(item, lang), _category_name(item.category, lang), item.unit,
                         line.store.name, line.on_hand, line.reserved, line.available, line.nearest_expiry,
                         line.expired, line.expiring, line.value])
    narrowed = bool(kwargs.get("category") or kwargs.get("search"))
    lots = selectors.lots_filtered(station, store=kwargs.get("store"), expiry=expiry,
                                   include_empty=bool(kwargs.get("include_empty")),
                                   item_ids=[e.item.pk for e in summary] if narrowed else None)
    lot_rows = ([lot.pk, lot.item.code, _item_name(lot.item, lang), lot.store.name, lot.expires_on, lot.on_hand,
                 lot.reserved, lot.available, lot.unit_value,
                 (lot.unit_value * lot.on_hand) if lot.unit_value is not None else None,
                 lot.donation_line.donation.number if lot.donation_line_id else None]
                for lot in lots.iterator(chunk_size=CHUNK))
    sheets = [
        SheetData("库存" if zh else "Stock", _headers(lang, STOCK_HEADERS), rows, {1: 20, 4: 20, 8: 14}),
        SheetData("批次" if zh else "Lots", _headers(lang, LOT_HEADERS), lot_rows, {2: 20, 3: 20, 4: 14}),
    ]
    stamp = timezone.localdate().isoformat()
    return ExportFile(write_workbook(sheets), XLSX_CONTENT_TYPE, f"stock-{station.slug}-{stamp}.xlsx")


# --- the stock ledger -----------------------------------------------------------------------------


LEDGER_HEADERS = (
    ("Move", "流水号"), ("When", "时间"), ("Kind", "类型"), ("Item code", "物资代码"), ("Item", "物资"),
    ("Store", "仓库"), ("Lot", "批次"), ("Change on hand", "库存变动"), ("Change reserved", "预留变动"),
    ("By", "经办人"), ("Refers to", "关联"),
)
REASON_HEADER = ("Why", "原因")
KIND_ZH = {
    MoveKind.RECEIVE: "入库", MoveKind.RESERVE: "预留", MoveKind.RELEASE: "释放预留", MoveKind.ISSUE: "发放",
    MoveKind.RETURN: "退回", MoveKind.TRANSFER_OUT: "调出", MoveKind.TRANSFER_IN: "调入", MoveKind.ADJUST: "调整",
    MoveKind.WRITE_OFF: "报损",
}


def _kind_labels(lang: str) -> dict[str, str]:
    if lang == "zh":
        return {k.value: KIND_ZH[k] for k in MoveKind}
    from django.utils import translation

    with translation.override("en"):
        return {k.value: str(k.label) for k in MoveKind}


def stock_ledger(*, station: Station, filters: selectors.MoveFilter | None = None, include_reasons: bool = False,
                 lang: str | None = None) -> ExportFile:
    """The station's stock moves matching ``filters``, newest first, as a
    workbook; the reason column only with ``include_reasons``. Rows are
    streamed from the database in chunks."""
    lang = lang or active_lang()
    zh = lang == "zh"
    kinds = _kind_labels(lang)
    header = _headers(lang, LEDGER_HEADERS + ((REASON_HEADER,) if include_reasons else ()))

    def rows():
        for move in selectors.moves_for_station(station, filters).iterator(chunk_size=CHUNK):
            user = move.moved_by
            row = [move.pk, move.moved_on, kinds.get(move.kind, move.kind), move.lot.item.code,
                   _item_name(move.lot.item, lang), move.lot.store.name, move.lot_id, move.on_hand_delta,
                   move.reserved_delta, (user.get_full_name() or user.username) if user else "", move.reference]
            if include_reasons:
                row.append(move.reason)
            yield row

    sheets = [SheetData("库存流水" if zh else "Stock ledger", header, rows(), {1: 18, 4: 20, 5: 20, 11: 30})]
    stamp = timezone.localdate().isoformat()
    return ExportFile(write_workbook(sheets), XLSX_CONTENT_TYPE, f"stock-ledger-{station.slug}-{stamp}.xlsx")
