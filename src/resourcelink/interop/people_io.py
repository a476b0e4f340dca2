"""Households, residents and needs to and from spreadsheets.

One workbook with three sheets (Households, Residents, Needs) and a Help
sheet: a social worker fills in a household once, on the first sheet, under
a reference of their own ("户编号": A-101, 张家...), and the residents and
needs on the other sheets name that reference. A CSV file holds one of the
three sheets; which one is told by its headers. Residents and needs in a CSV
refer to households already in the system (by their reference, or ``#id``
as an export writes it).

The rules are those of the resource import (resource_io): every row of every
sheet is checked first and every problem is reported with its sheet, row and
column; nothing is written unless the whole file is clean, and then in one
transaction. Writes go through the people and needs services, so duplicates,
history and permissions are handled in one place; a refusal there (a likely
duplicate, say) is reported on its row and the whole transaction is rolled
back. A dry run does the same work and rolls back at the end, so it reports
exactly what an import would.

Idempotent: a household is found by its reference (``import_key``), a
resident by ID number or else by household and name (or by its own
reference), a need by its reference or else by household, resident, category
and description. Rows whose values did not change are not touched.

Personal data: an ID number is never written back into an error message,
only its masked form. Exports mask names, addresses, phones and ID numbers
and give only the birth year, unless an admin asks for personal data with a
reason, which writes an ``ExportLog`` row. Re-importing a masked export keeps
the stored values: a masked cell that matches the stored value's mask means
"unchanged".
"""

import datetime as dt
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from resourcelink.accounts.access import can, require_member, require_role
from resourcelink.accounts.models import ADMINS, EDITORS, STAFF, Role, Station
from resourcelink.communities.models import Community, Grid
from resourcelink.core.privacy import mask_address, mask_id_number, mask_name, mask_phone
from resourcelink.needs.models import Need, NeedSource, NeedStatus, Urgency
from resourcelink.people import idnumber
from resourcelink.people.models import Gender, Household, Relation, Resident, VulnerabilityTag
from resourcelink.people.phones import PhoneError, normalise_phone
from resourcelink.taxonomy.models import Category

from .resource_io import (
    LIST_SEPARATORS,
    CellError,
    Column,
    ExportFile,
    RowError,
    _date,
    _float,
    _names_or_codes,
    _text,
    active_lang,
    normalise,
)
from .spreadsheets import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    SheetData,
    SpreadsheetError,
    Table,
    _table_from_rows,
    _xlsx_value,
    detect_format,
    read_csv,
    write_csv,
    write_xlsx,
)

MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_ROWS = 50_000
HOUSEHOLDS, RESIDENTS, NEEDS = "households", "residents", "needs"
SHEETS = (HOUSEHOLDS, RESIDENTS, NEEDS)
SHEET_TITLES = {
    HOUSEHOLDS: ("Households", "户"), RESIDENTS: ("Residents", "居民"), NEEDS: ("Needs", "需求"),
}
SHEET_ALIASES = {
    HOUSEHOLDS: ("household", "住户", "家庭", "户信息", "户籍"), RESIDENTS: ("resident", "人员", "成员", "居民信息"),
    NEEDS: ("need", "需要", "诉求", "需求信息"),
}
PERSONAL_FIELDS = {
    HOUSEHOLDS: ("name", "address"),
    RESIDENTS: ("name", "birth", "phone", "id_number"),
    NEEDS: ("household_name", "resident"),
}


def sheet_title(sheet: str, lang: str) -> str:
    en, zh = SHEET_TITLES[sheet]
    return zh if lang == "zh" else en


# --- the column sets ---------------------------------------------------------------

HOUSEHOLD_REF = Column("household", "Household ref", "户编号", ("household reference", "户号", "家庭编号", "户代码"))

HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    HOUSEHOLD_REF,
    Column("name", "Household name", "户名", ("户主", "家庭名称", "户主姓名")),
    Column("address", "Address", "地址", ("住址", "家庭住址")),
    Column("community", "Community", "社区"),
    Column("grid", "Grid", "网格"),
    Column("latitude", "Latitude", "纬度", ("lat",)),
    Column("longitude", "Longitude", "经度", ("lon", "lng")),
    Column("notes", "Notes", "备注", ("note", "说明")),
)
RESIDENT_COLUMNS: tuple[Column, ...] = (
    HOUSEHOLD_REF,
    Column("ref", "Resident ref", "居民编号", ("resident reference", "人员编号")),
    Column("name", "Name", "姓名", ("名字", "居民姓名")),
    Column("gender", "Gender", "性别", ("sex",)),
    Column("relation", "Relation", "与户主关系", ("relationship", "关系")),
    Column("birth", "Birth date", "出生日期", ("birth year", "born", "出生年份", "出生年月", "生日")),
    Column("phone", "Phone", "电话", ("mobile", "联系电话", "手机", "手机号")),
    Column("id_number", "ID number", "身份证号", ("id card", "身份证", "身份证号码", "公民身份号码")),
    Column("tags", "Vulnerabilities", "困难类型", ("tags", "vulnerability", "标签", "困难类别", "人群类别")),
    Column("notes", "Notes", "备注", ("note", "说明")),
)
NEED_COLUMNS: tuple[Column, ...] = (
    Column("ref", "Need ref", "需求编号", ("need reference",)),
    HOUSEHOLD_REF,
    Column("household_name", "Household name", "户名", ("户主",)),
    Column("resident", "Resident", "居民", ("resident ref", "居民编号", "居民姓名", "需求人")),
    Column("community", "Community", "社区"),
    Column("grid", "Grid", "网格"),
    Column("category", "Category", "类别", ("categories", "分类", "需求类别", "类别代码")),
    Column("description", "Description", "描述", ("需求描述", "说明", "详情")),
    Column("quantity", "Quantity", "数量"),
    Column("unit", "Unit", "单位"),
    Column("urgency", "Urgency", "紧急程度", ("priority", "紧急度", "优先级")),
    Column("due_on", "Due by", "截止日期", ("due", "due date", "期限")),
    Column("source", "Source", "来源", ("需求来源",)),
    Column("status", "Status", "状态"),
)
COLUMNS = {HOUSEHOLDS: HOUSEHOLD_COLUMNS, RESIDENTS: RESIDENT_COLUMNS, NEEDS: NEED_COLUMNS}
REQUIRED = {HOUSEHOLDS: ("household", "name", "address", "community"), RESIDENTS: ("household", "name"),
            NEEDS: ("household", "category")}
# Written by an export for the reader, ignored by an import: the need's
# household name and area come from its household, its status moves only
# through transitions.
READ_ONLY = {HOUSEHOLDS: (), RESIDENTS: (), NEEDS: ("household_name", "community", "grid", "status")}
# What a viewer's export of needs holds: nothing about the person.
VIEWER_NEED_COLUMNS = ("ref", "community", "grid", "category", "quantity", "unit", "urgency", "due_on", "source",
                       "status")

HEADER_INDEX: dict[str, dict[str, str]] = {}
for _sheet, _columns in COLUMNS.items():
    HEADER_INDEX[_sheet] = {}
    for _column in _columns:
        for _name in (_column.key, _column.en, _column.zh, *_column.aliases):
            HEADER_INDEX[_sheet][normalise(_name)] = _column.key
SHEET_INDEX: dict[str, str] = {}
for _sheet in SHEETS:
    for _name in (_sheet, *SHEET_TITLES[_sheet], *SHEET_ALIASES[_sheet]):
        SHEET_INDEX[normalise(_name)] = _sheet

GENDER_ZH = {Gender.FEMALE: "女", Gender.MALE: "男", Gender.OTHER: "其他", Gender.UNKNOWN: "未登记"}
GENDER_ALIASES = {"f": "female", "m": "male", "女性": "female", "男性": "male", "不详": "unknown", "未知": "unknown"}
RELATION_ZH = {
    Relation.HEAD: "户主", Relation.SPOUSE: "配偶", Relation.CHILD: "子女", Relation.PARENT: "父母",
    Relation.GRANDCHILD: "孙子女", Relation.GRANDPARENT: "祖父母", Relation.SIBLING: "兄弟姐妹",
    Relation.RELATIVE: "其他亲属", Relation.OTHER: "其他",
}
RELATION_ALIASES = {
    "本人": "head", "妻子": "spouse", "丈夫": "spouse", "妻": "spouse", "夫": "spouse", "儿子": "child",
    "女儿": "child", "子": "child", "女": "child", "父亲": "parent", "母亲": "parent", "孙子": "grandchild",
    "孙女": "grandchild", "外孙": "grandchild", "外孙女": "grandchild", "祖父": "grandparent", "祖母": "grandparent",
    "兄弟": "sibling", "姐妹": "sibling", "亲属": "relative",
}
URGENCY_ZH = {Urgency.CRITICAL: "紧急", Urgency.HIGH: "较急", Urgency.NORMAL: "一般", Urgency.LOW: "不急"}
URGENCY_ALIASES = {"特急": "critical", "非常紧急": "critical", "急": "high", "高": "high", "普通": "normal",
                   "中": "normal", "低": "low"}
SOURCE_ZH = {
    NeedSource.HOME_VISIT: "入户走访", NeedSource.HOTLINE: "热线电话", NeedSource.CHAT_GROUP: "微信群",
    NeedSource.WALK_IN: "来访", NeedSource.REFERRAL: "转介", NeedSource.SELF_REPORT: "自主上报",
}
SOURCE_ALIASES = {"走访": "home_visit", "入户": "home_visit", "热线": "hotline", "电话": "hotline",
                  "群聊": "chat_group", "群": "chat_group", "上门": "walk_in", "自报": "self_report"}
STATUS_ZH = {
    NeedStatus.OPEN: "待处理", NeedStatus.LINKED: "已对接", NeedStatus.MET: "已满足", NeedStatus.PARTLY_MET: "部分满足",
    NeedStatus.UNMET: "无法满足", NeedStatus.MOBILISED: "已发动", NeedStatus.CANCELLED: "已取消",
}
CHOICES = {
    "gender": (Gender, GENDER_ZH, GENDER_ALIASES),
    "relation": (Relation, RELATION_ZH, RELATION_ALIASES),
    "urgency": (Urgency, URGENCY_ZH, URGENCY_ALIASES),
    "source": (NeedSource, SOURCE_ZH, SOURCE_ALIASES),
}
YEAR_RE = re.compile(r"^(\d{4})年?$")
ID_REF_RE = re.compile(r"^#(\d+)$")
HEX_KEY = re.compile(r"^[0-9a-f]{40}$")


def choice_label(choices, zh_table: dict, value: str, lang: str) -> str:
    if not value:
        return ""
    if lang == "zh":
        return zh_table.get(value, value)
    with translation.override("en"):
        return str(choices(value).label)


def _choice_index(choices, zh_table: dict, aliases: dict) -> dict[str, str]:
    index: dict[str, str] = {}
    for value, label in choices.choices:
        index[normalise(value)] = value
        with translation.override("en"):
            index[normalise(str(label))] = value
        index[normalise(zh_table[value])] = value
    for alias, value in aliases.items():
        index.setdefault(normalise(alias), value)
    return index


CHOICE_INDEX = {key: _choice_index(*spec) for key, spec in CHOICES.items()}

ID_MESSAGES = {
    # The pure module's messages, through gettext here; none repeats the number.
    "empty": lambda p: _("Enter an ID number."),
    "length": lambda p: _("An ID number has 18 characters; this one has %(length)s.") % p,
    "characters": lambda p: _("An ID number has 17 digits followed by a digit or the letter X."),
    "region": lambda p: _("The first six digits are not a valid region code."),
    "birth_date": lambda p: _("Characters 7 to 14 are not a valid birth date (YYYYMMDD, from 1900 to today)."),
    "checksum": lambda p: _("The last character does not match the others: check the number for a typing mistake."),
}


def key_of(*parts) -> str:
    """A stable 40-character key from normalised parts, for ``import_key``."""
    text = "\x1f".join(normalise(p) for p in parts)
    return hashlib.sha1(text.encode()).hexdigest()


# --- reading the workbook ------------------------------------------------------------


def read_sheets(data: bytes, filename: str = "") -> list[tuple[str, Table]]:
    """Every non-empty sheet of a workbook as (title, table), or the one table of a CSV."""
    if not data or not data.strip():
        raise SpreadsheetError(_("The file is empty."))
    if detect_format(filename, data) == "csv":
        return [("", read_csv(data))]
    from python_calamine import CalamineWorkbook

    out = []
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for index, title in enumerate(workbook.sheet_names):
            rows = workbook.get_sheet_by_index(index).to_python(skip_empty_area=False)
            try:
                out.append((title, _table_from_rows(
                    (n, [_xlsx_value(v) for v in values]) for n, values in enumerate(rows, 1))))
            except SpreadsheetError:
                continue  # an empty sheet
    except Exception as exc:  # calamine's own error types on a damaged file
        raise SpreadsheetError(
            _("This file is not a readable Excel workbook (.xlsx); it may be damaged. (%(detail)s)")
            % {"detail": exc.__class__.__name__}
        ) from None
    if not out:
        raise SpreadsheetError(_("The file has no header row: the first row must name the columns."))
    return out


def guess_sheet(title: str, header: list[str]) -> str | None:
    """Which of the three sheets a table is: by its title, else by its headers."""
    by_title = SHEET_INDEX.get(normalise(title))
    if by_title:
        return by_title
    names = {normalise(h) for h in header if h}
    if names & {normalise(n) for n in ("category", "类别", "urgency", "紧急程度", "need ref", "需求编号")}:
        return NEEDS
    if names & {normalise(n) for n in ("id number", "身份证号", "name", "姓名", "gender", "性别", "resident ref")}:
        return RESIDENTS
    if names & {normalise(n) for n in ("household name", "户名", "address", "地址")}:
        return HOUSEHOLDS
    return None


# --- results ----------------------------------------------------------------------


@dataclass
class SheetError(RowError):
    sheet: str = ""  # the sheet's title as written in the file

    def as_tuple(self) -> tuple:
        return (self.sheet, self.row, self.column, self.message)


@dataclass
class SheetCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0


@dataclass
class PeopleImportResult:
    counts: dict[str, SheetCounts] = field(default_factory=lambda: {s: SheetCounts() for s in SHEETS})
    dry_run: bool = False
    errors: list[SheetError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.counts.values())

    def summary(self) -> list[tuple[str, SheetCounts]]:
        lang = active_lang()
        return [(sheet_title(s, lang), self.counts[s]) for s in SHEETS if self.counts[s].rows]


class _Rollback(Exception):
    pass


# --- lookups ---------------------------------------------------------------------


class _Lookups:
    def __init__(self, station: Station):
        self.categories_by_code: dict[str, Category] = {}
        self.categories_by_name: dict[str, list[Category]] = defaultdict(list)
        for category in Category.objects.filter(station=station):
            self.categories_by_code[category.code.lower()] = category
            for name in {normalise(category.name_zh_hans), normalise(category.name_en)} - {""}:
                self.categories_by_name[name].append(category)
        self.communities: dict[str, list[Community]] = defaultdict(list)
        for community in Community.objects.filter(station=station, archived_on__isnull=True):
            for name in {normalise(community.code), normalise(community.name)}:
                self.communities[name].append(community)
        self.grids: dict[tuple[int, str], list[Grid]] = defaultdict(list)
        for grid in Grid.objects.filter(station=station, archived_on__isnull=True):
            for name in {normalise(grid.code), normalise(grid.name)}:
                self.grids[(grid.community_id, name)].append(grid)
        self.tags_by_code: dict[str, VulnerabilityTag] = {}
        self.tags_by_name: dict[str, list[VulnerabilityTag]] = defaultdict(list)
        for tag in VulnerabilityTag.objects.filter(station=station, archived_on__isnull=True):
            self.tags_by_code[tag.code.lower()] = tag
            for name in {normalise(tag.name_zh_hans), normalise(tag.name_en)} - {""}:
                self.tags_by_name[name].append(tag)


# --- cells -------------------------------------------------------------------------


def _limited(value, limit: int) -> str:
    text = _text(value)
    if len(text) > limit:
        raise CellError(_("At most %(limit)d characters.") % {"limit": limit})
    return text


def _choice(cell, key: str) -> str | None:
    text = normalise(_text(cell))
    if not text:
        return None
    index = CHOICE_INDEX[key]
    if text not in index:
        choices, zh_table, _aliases = CHOICES[key]
        lang = active_lang()
        options = ("、" if lang == "zh" else ", ").join(choice_label(choices, zh_table, v, lang) for v in choices.values)
        raise CellError(_("Unknown value. Use one of: %(list)s.") % {"list": options})
    return index[text]


def _birth(cell) -> tuple[dt.date | None, int | None]:
    """A full date, or a year alone (what a masked export writes)."""
    if isinstance(cell, int) and not isinstance(cell, bool):
        cell = str(cell)
    text = _text(cell)
    if not text:
        return None, None
    match = YEAR_RE.match(text)
    if match:
        year = int(match.group(1))
        if not 1900 <= year <= timezone.localdate().year:
            raise CellError(_("The birth year must be between 1900 and this year."))
        return None, year
    date = _date(cell)
    if date and not dt.date(1900, 1, 1) <= date <= timezone.localdate():
        raise CellError(_("The birth date must be between 1900 and today."))
    return date, date.year if date else None


def _quantity(cell) -> int | None:
    if isinstance(cell, bool):
        raise CellError(_("Not a number."))
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = _text(cell)
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise CellError(_("Write a whole number of at least 1."))
    if int(text) > 2_000_000_000:
        raise CellError(_("This number is too large."))
    return int(text)


def _ref(cell) -> str:
    text = _text(cell)
    if len(text) > 64:
        raise CellError(_("At most %(limit)d characters.") % {"limit": 64})
    return text


def _one_of_list(cell, by_code: dict, by_name: dict, unknown_message: str, several_message: str) -> list:
    found, unknown = [], []
    for part in LIST_SEPARATORS.split(_text(cell)):
        part = part.strip()
        if not part:
            continue
        item = by_code.get(part.lower())
        if item is None:
            matches = by_name.get(normalise(part), [])
            if len(matches) > 1:
                raise CellError(several_message % {"name": part})
            item = matches[0] if matches else None
        if item is None:
            unknown.append(part)
        elif item not in found:
            found.append(item)
    if unknown:
        raise CellError(unknown_message % {"names": ("、" if active_lang() == "zh" else ", ").join(unknown)})
    return found


@dataclass
class _Row:
    sheet: str
    number: int
    values: dict
    failed: set[str] = field(default_factory=set)
    key: str = ""  # import key
    target: object = None  # the existing record it updates
    id_info: idnumber.IdNumberInfo | None = None
    household_key: str = ""
    household: Household | None = None


def _keys_to_pk(queryset) -> dict[str, int]:
    """``{key: pk}`` of the records with an import key: refs a user wrote
    (A-101) compared normalised, computed keys as they are."""
    out: dict[str, int] = {}
    for pk, key in queryset.exclude(import_key="").order_by("id").values_list("pk", "import_key"):
        out.setdefault(key if HEX_KEY.match(key) else normalise(key), pk)
    return out


class _Importer:
    def __init__(self, *, station: Station, actor, filename: str, confirm_duplicates: bool):
        self.station = station
        self.actor = actor
        self.filename = filename
        self.confirm_duplicates = confirm_duplicates
        self.errors: list[SheetError] = []
        self.headers: dict[str, dict[str, str]] = {s: {} for s in SHEETS}
        self.titles: dict[str, str] = {}
        self.lang = active_lang()

    def error(self, sheet: str, row: int | None, key: str, message) -> None:
        header = self.headers[sheet].get(key) if sheet else None
        if header is None:
            column = {c.key: c for c in COLUMNS[sheet]}.get(key) if sheet else None
            header = column.header(self.lang) if column else key
        title = self.titles.get(sheet, sheet_title(sheet, self.lang) if sheet else "")
        self.errors.append(SheetError(row, header, str(message), title))

    # -- headers --
    def map_header(self, sheet: str, table: Table) -> dict[int, str]:
        positions: dict[int, str] = {}
        index = HEADER_INDEX[sheet]
        for position, title in enumerate(table.header):
            if not title:
                continue
            key = index.get(normalise(title))
            if key is None:
                self.error(sheet, table.header_row, title, _("Unknown column. Use the headers of the template."))
            elif key in self.headers[sheet]:
                self.error(sheet, table.header_row, title, _("This column appears twice."))
            else:
                self.headers[sheet][key] = title
                if key not in READ_ONLY[sheet]:
                    positions[position] = key
        for key in REQUIRED[sheet]:
            if key not in self.headers[sheet]:
                column = {c.key: c for c in COLUMNS[sheet]}[key]
                self.error(sheet, table.header_row, "", _("The sheet has no “%(column)s” column.") % {
                    "column": column.header(self.lang)})
        return positions

    # -- cells --
    def parse(self, sheet: str, number: int, cells: list, positions: dict[int, str], lookups: _Lookups) -> _Row:
        raw = {key: (cells[i] if i < len(cells) else None) for i, key in positions.items()}
        row = _Row(sheet, number, {})
        v = row.values

        def fail(key, message):
            row.failed.add(key)
            self.error(sheet, number, key, message)

        parsers = getattr(self, f"_cells_{sheet}")
        for key, cell in raw.items():
            try:
                parsers(row, key, cell, lookups)
            except CellError as exc:
                fail(key, str(exc))
        if sheet == HOUSEHOLDS:
            self._place(row, raw, lookups, fail)
        for key in REQUIRED[sheet]:
            if key not in row.failed and not v.get(key):
                fail(key, _("This cell is required."))
        if sheet == HOUSEHOLDS:
            lat, lon = v.get("latitude"), v.get("longitude")
            if (lat is None) != (lon is None) and not row.failed & {"latitude", "longitude"}:
                fail("longitude" if lon is None else "latitude", _("Give both latitude and longitude, or neither."))
        return row

    def _cells_households(self, row, key, cell, lookups):
        limits = {"household": 64, "name": 100, "address": 300, "notes": 2000}
        if key in limits:
            row.values[key] = _limited(cell, limits[key])
        elif key == "latitude":
            row.values[key] = _float(cell, -90, 90)
        elif key == "longitude":
            row.values[key] = _float(cell, -180, 180)

    def _cells_residents(self, row, key, cell, lookups):
        v = row.values
        if key in ("household", "ref"):
            v[key] = _ref(cell)
        elif key == "name":
            v[key] = _limited(cell, 100)
        elif key == "notes":
            v[key] = _limited(cell, 2000)
        elif key in ("gender", "relation"):
            v[key] = _choice(cell, key)
        elif key == "birth":
            text = _text(cell)
            if "*" in text:
                v[key] = ("masked", text)
            else:
                v[key] = _birth(cell)
        elif key == "phone":
            text = _text(cell)
            if "*" in text:
                v[key] = ("masked", text)
                return
            try:
                v[key] = normalise_phone(text)
            except PhoneError:
                raise CellError(_("Enter a mainland mobile (11 digits, such as 13812345678) or a landline with its "
                                  "area code (such as 0571-87654321).")) from None
        elif key == "id_number":
            text = _text(cell)
            if "*" in text:
                v[key] = ("masked", text)
                return
            if not text:
                v[key] = ""
                return
            try:
                row.id_info = idnumber.parse(text)
            except idnumber.IdNumberError as exc:
                raise CellError("%s (%s)" % (ID_MESSAGES[exc.code](exc.params), mask_id_number(
                    idnumber.normalise(text)))) from None
            v[key] = row.id_info.number
        elif key == "tags":
            v[key] = _one_of_list(cell, lookups.tags_by_code, lookups.tags_by_name,
                                  _("Unknown vulnerability: %(names)s."),
                                  _("“%(name)s” names several vulnerabilities: use its code."))

    def _cells_needs(self, row, key, cell, lookups):
        v = row.values
        if key in ("household", "ref"):
            v[key] = _ref(cell)
        elif key == "resident":
            v[key] = _limited(cell, 100)
        elif key == "description":
            v[key] = _limited(cell, 4000)
        elif key == "unit":
            v[key] = _limited(cell, 30)
        elif key == "quantity":
            v[key] = _quantity(cell)
        elif key in ("urgency", "source"):
            v[key] = _choice(cell, key)
        elif key == "due_on":
            v[key] = _date(cell)
        elif key == "category":
            found = _one_of_list(cell, lookups.categories_by_code, lookups.categories_by_name,
                                 _("Unknown category: %(names)s."),
                                 _("“%(name)s” names several categories: use its code."))
            if len(found) > 1:
                raise CellError(_("Give one category per need."))
            if found and found[0].is_retired:
                raise CellError(_("This category is retired: choose another."))
            v[key] = found[0] if found else None

    def _place(self, row, raw, lookups, fail):
        v = row.values
        community = None
        text = _text(raw.get("community"))
        if text:
            matches = lookups.communities.get(normalise(text), [])
            if len(matches) != 1:
                fail("community", _("Unknown community “%(name)s”.") % {"name": text})
                return
            community = matches[0]
        v["community"] = community
        if "grid" not in raw:
            return
        text = _text(raw.get("grid"))
        v["grid"] = None
        if text and community is not None:
            matches = lookups.grids.get((community.pk, normalise(text)), [])
            if len(matches) != 1:
                fail("grid", _("The grid “%(grid)s” is not in the community “%(community)s”.") % {
                    "grid": text, "community": community.name})
                return
            v["grid"] = matches[0]

    # -- the file --
    def run(self, data: bytes, dry_run: bool) -> PeopleImportResult:
        result = PeopleImportResult(dry_run=dry_run)
        try:
            if len(data) > MAX_FILE_BYTES:
                raise SpreadsheetError(_("The file is larger than %(mb)d MB: split it.") % {
                    "mb": MAX_FILE_BYTES // (1024 * 1024)})
            tables = read_sheets(data, self.filename)
        except SpreadsheetError as exc:
            result.errors.append(SheetError(None, "", str(exc), ""))
            return result
        found: dict[str, Table] = {}
        for title, table in tables:
            sheet = guess_sheet(title, table.header)
            if sheet is None:
                if normalise(title) in {normalise("Help"), normalise("说明")}:
                    continue
                result.errors.append(SheetError(None, "", _(
                    "This sheet is not one of Households, Residents or Needs: rename it or remove it."), title))
                continue
            if sheet in found:
                result.errors.append(SheetError(None, "", _("The file has two sheets of %(what)s.") % {
                    "what": sheet_title(sheet, self.lang)}, title))
                continue
            found[sheet] = table
            self.titles[sheet] = title or sheet_title(sheet, self.lang)
        if result.errors:
            return result
        if sum(len(t.rows) for t in found.values()) > MAX_ROWS:
            result.errors.append(SheetError(None, "", _("The file has more than %(max)d rows: split it.") % {
                "max": MAX_ROWS}, ""))
            return result
        if (found.keys() & {HOUSEHOLDS, RESIDENTS}) and not can(self.actor, self.station, STAFF):
            result.errors.append(SheetError(None, "", _(
                "Only admins and social workers may import households and residents."), ""))
            return result
        positions = {sheet: self.map_header(sheet, table) for sheet, table in found.items()}
        if self.errors:
            result.errors = self.errors
            return result
        if not any(t.rows for t in found.values()):
            result.errors.append(SheetError(None, "", _("The file has a header but no rows."), ""))
            return result
        lookups = _Lookups(self.station)
        rows = {sheet: [self.parse(sheet, n, cells, positions[sheet], lookups) for n, cells in table.rows]
                for sheet, table in found.items()}
        for sheet, sheet_rows in rows.items():
            result.counts[sheet].rows = len(sheet_rows)
        try:
            with transaction.atomic():
                # One import per station at a time: two uploads of one file
                # must not both decide a household is new.
                Station.objects.select_for_update().filter(pk=self.station.pk).first()
                self.resolve(rows)
                if not self.errors:
                    self.write(rows, result)
                if self.errors or dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        order = {s: i for i, s in enumerate(SHEETS)}
        sheet_of_title = {t: s for s, t in self.titles.items()}
        self.errors.sort(key=lambda e: (order.get(sheet_of_title.get(e.sheet, ""), -1), e.row or 0))
        result.errors = self.errors
        if result.errors:
            for counts in result.counts.values():
                counts.created = counts.updated = counts.unchanged = 0
        return result

    # -- matching rows to records --
    def resolve(self, rows: dict[str, list[_Row]]) -> None:
        station = self.station
        households_by_key: dict[str, Household] = {}
        households_by_id: dict[int, Household] = {}
        for household in Household.objects.filter(station=station, archived_on__isnull=True):
            households_by_id[household.pk] = household
            if household.import_key:
                households_by_key.setdefault(normalise(household.import_key), household)
        self.households_by_key, self.households_by_id = households_by_key, households_by_id

        def find_household(ref: str) -> Household | None:
            match = ID_REF_RE.match(ref)
            if match:
                return households_by_id.get(int(match.group(1)))
            return households_by_key.get(normalise(ref))

        file_households: dict[str, int] = {}
        for row in rows.get(HOUSEHOLDS, []):
            ref = row.values.get("household", "")
            if not ref:
                continue
            norm = normalise(ref)
            if norm in file_households:
                self.error(HOUSEHOLDS, row.number, "household", _("This reference repeats row %(row)d.") % {
                    "row": file_households[norm]})
                continue
            file_households[norm] = row.number
            row.household_key = norm
            row.target = find_household(ref)
            if ID_REF_RE.match(ref) and row.target is None:
                self.error(HOUSEHOLDS, row.number, "household", _("No household of this station has this number."))

        def household_for(row: _Row) -> bool:
            ref = row.values.get("household", "")
            if not ref or "household" in row.failed:
                return False
            row.household_key = normalise(ref)
            row.household = find_household(ref)
            if ID_REF_RE.match(ref) and row.household is not None:
                row.household_key = normalise(row.household.import_key) if row.household.import_key else \
                    f"#{row.household.pk}"
            if row.household is None and row.household_key not in file_households:
                self.error(row.sheet, row.number, "household", _(
                    "No household has this reference, in this file or at this station."))
                return False
            return True

        # Residents: by ID number, else by their own reference, else by household and name.
        residents = Resident.objects.filter(station=station, archived_on__isnull=True, merged_into__isnull=True)
        by_digest: dict[str, Resident] = {}
        resident_rows = rows.get(RESIDENTS, [])
        for row in resident_rows:
            if household_for(row):
                ref = row.values.get("ref", "")
                row.key = normalise(ref) if ref and not ID_REF_RE.match(ref) else self._resident_key(row)
        digests = self._digests(resident_rows)
        key_to_pk = _keys_to_pk(residents)
        wanted = {key_to_pk[r.key] for r in resident_rows if r.key in key_to_pk}
        wanted |= {int(m.group(1)) for r in resident_rows if (m := ID_REF_RE.match(r.values.get("ref", "")))}
        by_id: dict[int, Resident] = {}
        for resident in (residents.filter(pk__in=wanted) | residents.filter(
                id_number_digest__in=list(digests.values()))).prefetch_related("tags"):
            by_id[resident.pk] = resident
            if resident.id_number_digest:
                by_digest[resident.id_number_digest] = resident
        by_key = {key: by_id[pk] for key, pk in key_to_pk.items() if pk in by_id}
        seen_digest: dict[str, int] = {}
        seen_key: dict[str, int] = {}
        for row in resident_rows:
            if not row.key:
                continue
            ref = row.values.get("ref", "")
            match = ID_REF_RE.match(ref)
            if match:
                row.target = by_id.get(int(match.group(1)))
                if row.target is None:
                    self.error(RESIDENTS, row.number, "ref", _("No resident of this station has this number."))
                    continue
            digest = digests.get(row.number)
            if digest:
                first = seen_digest.setdefault(digest, row.number)
                if first != row.number:
                    self.error(RESIDENTS, row.number, "id_number", _(
                        "Row %(row)d has the same ID number.") % {"row": first})
                    continue
                holder = by_digest.get(digest)
                if holder is not None:
                    if row.target is not None and row.target.pk != holder.pk:
                        self.error(RESIDENTS, row.number, "id_number", _(
                            "Another resident (#%(id)d) has this ID number.") % {"id": holder.pk})
                        continue
                    if row.household is None or holder.household_id != row.household.pk:
                        self.error(RESIDENTS, row.number, "id_number", _(
                            "A resident of another household (#%(id)d) has this ID number.") % {
                            "id": holder.household_id})
                        continue
                    row.target = holder
            if row.target is None:
                row.target = by_key.get(row.key)
                if row.target is not None and row.household is not None and \
                        row.target.household_id != row.household.pk:
                    row.target = None
            first = seen_key.setdefault(row.key, row.number)
            if first != row.number:
                self.error(RESIDENTS, row.number, "name", _(
                    "Row %(row)d has the same resident (same household and name).") % {"row": first})
        self.resident_rows = {r.key: r for r in rows.get(RESIDENTS, []) if r.key}

        # Needs: by reference, else by household, resident, category and description.
        needs = Need.objects.filter(station=station, archived_on__isnull=True)
        need_rows = rows.get(NEEDS, [])
        for row in need_rows:
            if household_for(row):
                category = row.values.get("category")
                ref = row.values.get("ref", "")
                row.key = normalise(ref) if ref and not ID_REF_RE.match(ref) else key_of(
                    row.household_key, row.values.get("resident", ""), category.code if category else "",
                    row.values.get("description", ""))
        key_to_pk = _keys_to_pk(needs)
        need_ids = {int(m.group(1)) for r in need_rows if (m := ID_REF_RE.match(r.values.get("ref", "")))}
        need_ids |= {key_to_pk[r.key] for r in need_rows if r.key in key_to_pk}
        existing_by_id = {n.pk: n for n in needs.filter(pk__in=need_ids).select_related("resident")}
        existing_by_key = {key: existing_by_id[pk] for key, pk in key_to_pk.items() if pk in existing_by_id}
        seen: dict[str, int] = {}
        for row in need_rows:
            if not row.key:
                continue
            match = ID_REF_RE.match(row.values.get("ref", ""))
            if match:
                row.target = existing_by_id.get(int(match.group(1)))
                if row.target is None:
                    self.error(NEEDS, row.number, "ref", _("No need of this station has this number."))
                    continue
                if row.household is not None and row.target.household_id != row.household.pk:
                    self.error(NEEDS, row.number, "household", _("This need belongs to another household."))
                    continue
            else:
                row.target = existing_by_key.get(row.key)
            first = seen.setdefault(f"#{row.target.pk}" if row.target else row.key, row.number)
            if first != row.number:
                self.error(NEEDS, row.number, "", _("This row repeats row %(row)d (the same need).") % {"row": first})

    def _digests(self, rows: list[_Row]) -> dict[int, str]:
        from resourcelink.people import crypto

        return {r.number: crypto.digest(r.id_info.number) for r in rows if r.id_info is not None}

    def _resident_key(self, row: _Row) -> str:
        return key_of(row.household_key, row.values.get("name", ""))

    # -- writing --
    def write(self, rows: dict[str, list[_Row]], result: PeopleImportResult) -> None:
        households: dict[str, Household] = {}
        for row in rows.get(HOUSEHOLDS, []):
            household = self._write_household(row, result.counts[HOUSEHOLDS])
            if household is not None:
                households[row.household_key] = household
        if self.errors:
            return
        for row in rows.get(RESIDENTS, []) + rows.get(NEEDS, []):
            if row.household is None:
                row.household = households.get(row.household_key)
        residents_by_name: dict[tuple[int, str], Resident] = {}
        residents_by_ref: dict[str, Resident] = {}
        for row in rows.get(RESIDENTS, []):
            resident = self._write_resident(row, result.counts[RESIDENTS])
            if resident is not None:
                residents_by_name[(resident.household_id, normalise(resident.name))] = resident
                if row.values.get("ref"):
                    residents_by_ref[normalise(row.values["ref"])] = resident
        if self.errors:
            return
        self.residents_by_name, self.residents_by_ref = residents_by_name, residents_by_ref
        for row in rows.get(NEEDS, []):
            self._write_need(row, result.counts[NEEDS])

    def _call(self, row: _Row, func, **kwargs):
        """A service call; its refusal becomes this row's errors."""
        from resourcelink.people.services import LikelyDuplicate

        try:
            return func(**kwargs)
        except LikelyDuplicate as exc:
            self.error(row.sheet, row.number, "name", _(
                "This looks like a resident already recorded: %(detail)s Tick “confirm likely duplicates” to add "
                "them anyway.") % {"detail": " ".join(str(m) for m in getattr(exc, "messages", [exc]))})
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.error_dict.items():
                    key = {"birth_date": "birth", "birth_year": "birth", "tags": "tags", "id_number": "id_number",
                           "due_on": "due_on"}.get(name, name)
                    for message in ValidationError(errors).messages:
                        self.error(row.sheet, row.number, key if key in self.headers[row.sheet] else "", message)
            else:
                for message in exc.messages:
                    self.error(row.sheet, row.number, "", message)
        except PermissionDenied as exc:
            self.error(row.sheet, row.number, "", str(exc))
        return None

    def _reason(self) -> str:
        return _("Imported from %(file)s") % {"file": self.filename or _("a spreadsheet")}

    def _unmask(self, row: _Row, key: str, value, stored: str, masked: str):
        """A masked cell read back: unchanged if it is the stored value's mask."""
        if isinstance(value, tuple) and value and value[0] == "masked":
            if row.target is not None and value[1] == masked:
                return stored
            self.error(row.sheet, row.number, key, _(
                "This value is masked (***). Give it in full, or leave the cell empty."))
            return stored
        return value

    def _write_household(self, row: _Row, counts: SheetCounts) -> Household | None:
        from resourcelink.people.services import household_create, household_update

        v = row.values
        household = row.target
        fields = {}
        for key in ("name", "address", "notes", "latitude", "longitude", "community", "grid"):
            if key not in v:
                continue
            value = v.get(key)
            if key in ("name", "address") and household is not None and "*" in (value or ""):
                masked = (mask_name if key == "name" else mask_address)(getattr(household, key))
                value = self._unmask(row, key, ("masked", value), getattr(household, key), masked)
            elif key in ("name", "address") and "*" in (value or ""):
                self._unmask(row, key, ("masked", value), "", "")
                continue
            fields[key] = value
        if household is None:
            created = self._call(row, household_create, actor=self.actor, station=self.station, **fields)
            if created is not None:
                Household.objects.filter(pk=created.pk).update(import_key=v["household"])
                created.import_key = v["household"]
                counts.created += 1
            return created
        changed = {k: val for k, val in fields.items() if getattr(household, k) != val}
        if not changed:
            counts.unchanged += 1
            return household
        updated = self._call(row, household_update, actor=self.actor, household=household, **changed)
        counts.updated += 1
        return updated or household

    def _write_resident(self, row: _Row, counts: SheetCounts) -> Resident | None:
        from resourcelink.people.services import resident_create, resident_update

        v = row.values
        resident: Resident | None = row.target
        fields: dict = {}
        for key in ("name", "gender", "relation", "notes"):
            if key in v and v[key] is not None:
                value = v[key]
                if key == "name" and "*" in value:
                    value = self._unmask(row, key, ("masked", value), resident.name if resident else "",
                                         mask_name(resident.name) if resident else "")
                fields[key] = value
        if "phone" in v:
            fields["phone"] = self._unmask(row, "phone", v["phone"], resident.phone if resident else "",
                                           mask_phone(resident.phone) if resident else "")
        if "birth" in v:
            birth = v["birth"]
            if isinstance(birth, tuple) and birth and birth[0] == "masked":
                self._unmask(row, "birth", birth, "", "")
            elif birth == (None, None) and (row.id_info is not None or isinstance(v.get("id_number"), tuple)):
                pass  # the birth date comes from the ID number
            else:
                date, year = birth
                if resident is not None and date is None and year is not None and resident.birth_date and \
                        resident.birth_date.year == year:
                    date = resident.birth_date  # the year of a masked export: unchanged
                fields["birth_date"], fields["birth_year"] = date, year
                if row.id_info is not None and date is not None and date != row.id_info.birth_date:
                    self.error(RESIDENTS, row.number, "birth", _(
                        "The birth date does not match the one in the ID number."))
        id_number = None
        if "id_number" in v:
            value = v["id_number"]
            if isinstance(value, tuple):
                self._unmask(row, "id_number", value, "", resident.id_number_masked if resident else "")
            else:
                id_number = value
        tags = v.get("tags")
        if self.errors:
            return None
        household = row.household
        if resident is None:
            created = self._call(row, resident_create, actor=self.actor, household=household,
                                 id_number=id_number or "", tags=tags or (),
                                 confirm_duplicate=self.confirm_duplicates, **fields)
            if created is not None:
                Resident.objects.filter(pk=created.pk).update(import_key=v.get("ref") or row.key)
                counts.created += 1
            return created
        changed = {k: val for k, val in fields.items() if getattr(resident, k) != val}
        extra = {}
        if id_number is not None:
            from resourcelink.people import crypto

            if (crypto.digest(id_number) if id_number else "") != resident.id_number_digest:
                extra["id_number"] = id_number
        if tags is not None and {t.pk for t in tags} != {t.pk for t in resident.tags.all()}:
            extra["tags"] = tags
        if not changed and not extra:
            counts.unchanged += 1
            return resident
        updated = self._call(row, resident_update, actor=self.actor, resident=resident, **changed, **extra)
        counts.updated += 1
        return updated or resident

    def _write_need(self, row: _Row, counts: SheetCounts) -> Need | None:
        from resourcelink.needs.services import need_create, need_update

        v = row.values
        need: Need | None = row.target
        household = row.household if row.household is not None else (need.household if need else None)
        resident = None
        if v.get("resident"):
            name = v["resident"]
            resident = self.residents_by_ref.get(normalise(name)) or self.residents_by_name.get(
                (household.pk, normalise(name)))
            if resident is None:
                match = ID_REF_RE.match(name)
                query = Resident.objects.filter(station=self.station, household=household, archived_on__isnull=True)
                if match:
                    resident = query.filter(pk=int(match.group(1))).first()
                elif "*" in name and need is not None and need.resident_id:
                    current = need.resident
                    resident = current if mask_name(current.name) == name else None
                else:
                    candidates = [r for r in query if normalise(r.name) == normalise(name)]
                    resident = candidates[0] if len(candidates) == 1 else None
            if resident is None:
                self.error(NEEDS, row.number, "resident", _("No resident of this household has this name or number."))
                return None
        fields = {}
        for key in ("description", "quantity", "unit", "urgency", "due_on", "source"):
            if key in v and v[key] is not None:
                fields[key] = v[key]
        if need is None:
            created = self._call(row, need_create, actor=self.actor, household=household,
                                 category=v["category"], resident=resident, **fields)
            if created is not None:
                Need.objects.filter(pk=created.pk).update(import_key=v.get("ref") or row.key)
                counts.created += 1
            return created
        if resident is not None:
            fields["resident"] = resident
        fields["category"] = v["category"]
        changed = {k: val for k, val in fields.items() if getattr(need, k) != val}
        if not changed:
            counts.unchanged += 1
            return need
        updated = self._call(row, need_update, actor=self.actor, need=need, **changed)
        counts.updated += 1
        return updated or need


def people_import(*, actor, station: Station, file, filename: str = "", dry_run: bool = False,
                  confirm_duplicates: bool = False) -> PeopleImportResult:
    """Check every row of a workbook (or CSV) of households, residents and
    needs and, if none has an error, write them all in one transaction.

    Needs an editor's role. Errors are reported as (sheet, row, column,
    message); any error writes nothing.
    """
    require_role(actor, station, EDITORS)
    data = file if isinstance(file, bytes) else file.read()
    filename = filename or getattr(file, "name", "") or ""
    importer = _Importer(station=station, actor=actor, filename=filename, confirm_duplicates=confirm_duplicates)
    return importer.run(data, dry_run)


# --- export -----------------------------------------------------------------------


class ExportRefused(ValidationError):
    """An export of personal data without a reason, or by someone who may not."""


def _lists(station: Station, lang: str) -> dict:
    categories = _names_or_codes(
        list(Category.objects.filter(station=station)),
        lambda c: (c.name_zh_hans or c.name_en) if lang == "zh" else (c.name_en or c.name_zh_hans),
    )
    tags = _names_or_codes(
        list(VulnerabilityTag.objects.filter(station=station)),
        lambda t: (t.name_zh_hans or t.name_en) if lang == "zh" else (t.name_en or t.name_zh_hans),
    )
    grids = {}
    by_community = defaultdict(list)
    for grid in Grid.objects.filter(station=station):
        by_community[grid.community_id].append(grid)
    for same in by_community.values():
        grids.update(_names_or_codes(same, lambda g: g.name))
    labels = {key: {v: choice_label(spec[0], spec[1], v, lang) for v in spec[0].values}
              for key, spec in CHOICES.items()}
    labels["status"] = {v: choice_label(NeedStatus, STATUS_ZH, v, lang) for v in NeedStatus.values}
    return {"categories": categories, "tags": tags, "grids": grids, "labels": labels}


# Columns a masked export leaves out: a home's exact position and free notes.
# Left out rather than blanked, so a masked file imported back changes nothing.
PERSONAL_ONLY = {HOUSEHOLDS: ("latitude", "longitude", "notes"), RESIDENTS: ("notes",), NEEDS: ()}


def export_keys(sheet: str, *, personal: bool, viewer: bool = False) -> list[str]:
    if viewer:
        return list(VIEWER_NEED_COLUMNS)
    return [c.key for c in COLUMNS[sheet] if personal or c.key not in PERSONAL_ONLY[sheet]]


def _own_ref(obj) -> str:
    """A record's reference in a file: the one it was imported with, else ``#id``."""
    key = obj.import_key
    return key if key and not HEX_KEY.match(key) else f"#{obj.pk}"


def _household_ref(household: Household) -> str:
    return _own_ref(household)


def _household_rows(station, lang, lists, personal: bool):
    qs = Household.objects.filter(station=station, archived_on__isnull=True).select_related("community")
    for h in qs.order_by("id").iterator(chunk_size=2000):
        yield {
            "household": _household_ref(h),
            "name": h.name if personal else mask_name(h.name),
            "address": h.address if personal else mask_address(h.address),
            "community": h.community.name if h.community_id else "",
            "grid": lists["grids"].get(h.grid_id, "") if h.grid_id else "",
            "latitude": h.latitude,
            "longitude": h.longitude,
            "notes": h.notes,
        }


def _resident_rows(station, lang, lists, personal: bool):
    from resourcelink.people import crypto

    labels = lists["labels"]
    separator = "、" if lang == "zh" else ", "
    qs = (Resident.objects.filter(station=station, archived_on__isnull=True, merged_into__isnull=True)
          .select_related("household").prefetch_related("tags").order_by("household_id", "id"))
    for r in qs.iterator(chunk_size=2000):
        if personal:
            birth = r.birth_date or r.birth_year
            id_number = crypto.decrypt(r.id_number_encrypted)
        else:
            birth = r.birth_date.year if r.birth_date else r.birth_year
            id_number = r.id_number_masked
        yield {
            "household": _household_ref(r.household),
            "ref": _own_ref(r),
            "name": r.name if personal else mask_name(r.name),
            "gender": labels["gender"].get(r.gender, r.gender),
            "relation": labels["relation"].get(r.relation, r.relation),
            "birth": birth,
            "phone": r.phone if personal else mask_phone(r.phone),
            "id_number": id_number,
            "tags": separator.join(lists["tags"][t.pk] for t in r.tags.all()),
            "notes": r.notes,
        }


def _need_rows(station, lang, lists, personal: bool):
    labels = lists["labels"]
    qs = (Need.objects.filter(station=station, archived_on__isnull=True)
          .select_related("household", "resident", "community").order_by("id"))
    for n in qs.iterator(chunk_size=2000):
        yield {
            "ref": _own_ref(n),
            "household": _household_ref(n.household),
            "household_name": n.household.name if personal else mask_name(n.household.name),
            "resident": (n.resident.name if personal else mask_name(n.resident.name)) if n.resident_id else "",
            "community": n.community.name if n.community_id else "",
            "grid": lists["grids"].get(n.grid_id, "") if n.grid_id else "",
            "category": lists["categories"].get(n.category_id, ""),
            "description": n.description,
            "quantity": n.quantity,
            "unit": n.unit,
            "urgency": labels["urgency"].get(n.urgency, n.urgency),
            "due_on": n.due_on,
            "source": labels["source"].get(n.source, n.source),
            "status": labels["status"].get(n.status, n.status),
        }


def people_export(*, actor, station: Station, sheets=SHEETS, fmt: str = "xlsx", personal: bool = False,
                  reason: str = "", lang: str | None = None) -> ExportFile:
    """Households, residents and needs of a station as a workbook (or one CSV
    sheet) with the import's columns.

    Viewers may export needs only, without any personal column. Everyone else
    gets masked names, addresses, phones and ID numbers and the birth year.
    ``personal=True`` (admins only, with a ``reason``) writes everything in
    full and logs the export in ``ExportLog``.
    """
    from .models import ExportLog

    if fmt not in ("xlsx", "csv"):
        raise ValueError(fmt)
    sheets = [s for s in SHEETS if s in sheets]
    if not sheets or (fmt == "csv" and len(sheets) != 1):
        raise ValidationError({"sheet": _("A CSV file holds one sheet: choose households, residents or needs.")})
    role = require_member(actor, station)
    viewer = role == Role.VIEWER
    if viewer and sheets != [NEEDS]:
        raise PermissionDenied(_("Viewers may export needs only, without personal data."))
    reason = (reason or "").strip()
    if personal:
        require_role(actor, station, ADMINS)
        if not reason:
            raise ExportRefused({"reason": _("Say why personal data is exported: the reason is kept in the log.")})
    lang = lang or active_lang()
    lists = _lists(station, lang)
    built = []
    total = 0
    for sheet in sheets:
        keys = export_keys(sheet, personal=personal, viewer=viewer)
        by_key = {c.key: c for c in COLUMNS[sheet]}
        header = [by_key[k].header(lang) for k in keys]
        producer = {HOUSEHOLDS: _household_rows, RESIDENTS: _resident_rows, NEEDS: _need_rows}[sheet]
        rows = [[values[k] for k in keys] for values in producer(station, lang, lists, personal)]
        total += len(rows)
        built.append((sheet, header, rows))
    if personal:
        ExportLog.objects.create(
            station=station, user=actor, sheets=",".join(sheets), file_format=fmt, rows=total, reason=reason[:300],
            fields=",".join(f"{s}.{f}" for s in sheets for f in PERSONAL_FIELDS[s]),
        )
    stamp = timezone.localdate().isoformat()
    what = sheets[0] if len(sheets) == 1 else "people"
    name = f"{what}-{station.slug}-{stamp}{'-personal' if personal else ''}.{fmt}"
    if fmt == "csv":
        sheet, header, rows = built[0]
        return ExportFile(write_csv(header, rows), CSV_CONTENT_TYPE, name)
    data = [SheetData(sheet_title(sheet, lang), header, rows, {0: 14, 1: 16, 2: 24}) for sheet, header, rows in built]
    return ExportFile(write_xlsx(data), XLSX_CONTENT_TYPE, name)


# --- template -------------------------------------------------------------------

HELP_TEXT = {
    "en": [
        "Households sheet: one household per row, with a reference of your own (A-101, Zhang family...). "
        "Household ref, Household name, Address and Community are required.",
        "Residents sheet: one person per row; Household ref says which household. Household ref and Name are "
        "required. Birth date: a date, or a year alone.",
        "Needs sheet: one need per row; Household ref and Category are required. Resident: the name of a resident "
        "of that household, if the need is theirs.",
        "Importing the same file again changes nothing; changed cells update the records. A file exported from "
        "ResourceLink can be imported back: masked cells (***) keep the stored values.",
        "Nothing is imported if any row has an error: every error is listed with its sheet, row and column.",
        "Vulnerabilities and categories: codes or names, separated by commas or 、.",
        "A CSV file holds one of the three sheets; residents and needs in it refer to households already recorded.",
    ],
    "zh": [
        "“户”表：每行一户，填写自编的户编号（如 A-101、张家）。户编号、户名、地址、社区必填。",
        "“居民”表：每行一人，用户编号指明所属的户。户编号、姓名必填。出生日期：填写日期，或只填年份。",
        "“需求”表：每行一项需求，户编号、类别必填。居民：若需求属于户中某人，填写其姓名。",
        "再次导入同一文件不会改变任何数据；修改过的单元格会更新记录。从本系统导出的文件可以再导入：带 *** 的脱敏单元格保留原值。",
        "只要有一行出错，整个文件都不会导入：每个错误都会列出所在的表、行和列。",
        "困难类型和类别：填写代码或名称，用逗号或顿号（、）分隔。",
        "CSV 文件只能包含三张表中的一张；其中的居民和需求须指向已登记的户。",
    ],
}


def people_template(*, station: Station, lang: str | None = None) -> bytes:
    """A blank workbook: the three sheets with their headers in ``lang`` and
    a Help sheet with the rules, an example and the values the station accepts."""
    lang = lang or active_lang()
    zh = lang == "zh"
    help_rows: list[list] = [[line] for line in HELP_TEXT[lang]]
    for key, title in (("gender", ("性别", "Genders")), ("relation", ("与户主关系", "Relations")),
                       ("urgency", ("紧急程度", "Urgencies")), ("source", ("来源", "Sources"))):
        choices, zh_table, _aliases = CHOICES[key]
        help_rows += [[], [title[0] if zh else title[1]]]
        help_rows += [[v, choice_label(choices, zh_table, v, lang)] for v in choices.values]
    help_rows += [[], ["困难类型（代码、中文名称、英文名称）" if zh else "Vulnerabilities (code, Chinese name, English name)"]]
    help_rows += [[t.code, t.name_zh_hans, t.name_en]
                  for t in VulnerabilityTag.objects.filter(station=station, archived_on__isnull=True)]
    help_rows += [[], ["类别（代码、中文名称、英文名称）" if zh else "Categories (code, Chinese name, English name)"]]
    help_rows += [[c.code, c.name_zh_hans, c.name_en]
                  for c in Category.objects.filter(station=station, retired_on__isnull=True).order_by("path")]
    help_rows += [[], ["社区（代码、名称）" if zh else "Communities (code, name)"]]
    help_rows += [[c.code, c.name] for c in Community.objects.filter(station=station, archived_on__isnull=True)]
    help_rows += [[], ["网格（社区、代码、名称）" if zh else "Grids (community, code, name)"]]
    help_rows += [[g.community.name, g.code, g.name] for g in Grid.objects.filter(
        station=station, archived_on__isnull=True).select_related("community")]
    sheets = [SheetData(sheet_title(s, lang), [c.header(lang) for c in COLUMNS[s] if c.key not in READ_ONLY[s]],
                        [], {0: 14, 2: 20}) for s in SHEETS]
    sheets.append(SheetData("说明" if zh else "Help", ["说明" if zh else "Help"], help_rows, {0: 40, 1: 30, 2: 30}))
    return write_xlsx(sheets)
