"""What a household, resident or need spreadsheet looks like: the three
sheets and their columns (headers in Chinese and English), the labels of
choices, how a workbook is read and how one cell is checked.

Shared by the import (people_io) and the export (people_export). Why the
Chinese headers are written out here and not only through gettext: a file's
headers are a data format, not UI text (see resource_io).
"""

import datetime as dt
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from resourcelink.accounts.models import Station
from resourcelink.communities.models import Community, Grid
from resourcelink.needs.models import NeedSource, NeedStatus, Urgency
from resourcelink.people.models import Gender, Relation, VulnerabilityTag
from resourcelink.people.refs import looks_personal
from resourcelink.taxonomy.models import Category

from .resource_io import (
    LIST_SEPARATORS,
    CellError,
    Column,
    RowError,
    _date,
    _text,
    active_lang,
    normalise,
)
from .spreadsheets import (
    SpreadsheetError,
    Table,
    _table_from_rows,
    _xlsx_value,
    detect_format,
    read_csv,
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
    """A reference of the station's own (H001, A-101). It is shown to
    coordinators in exports, so a phone or ID number is refused as one."""
    text = _text(cell)
    if len(text) > 64:
        raise CellError(_("At most %(limit)d characters.") % {"limit": 64})
    if looks_personal(text):
        raise CellError(_("A reference must not be a phone or ID number: use a code of your own, such as H001."))
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


