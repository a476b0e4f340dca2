"""Resources to and from spreadsheets: the column set, import, export and the
blank template.

Why the import is all-or-nothing: a station fixes a spreadsheet in Excel and
uploads it again. If half of it had gone in, the second upload would have to
be reconciled by hand; so every row is checked first, every problem is
reported with its row and column, and only a clean file is written, in one
transaction.

Why it is idempotent: people upload the same file twice, or a corrected copy
of it. Rows find their resource by the ``UUID`` column an export carries, or
else by ``Resource.import_key`` (name, address and community, normalised), so
a second upload updates instead of duplicating, and rows whose values did not
change are not touched at all (no history noise).

Why the headers and labels have Chinese written out here rather than only
through gettext: a file's headers are a data format, not UI text. A file
saved by a Chinese-speaking station must import on any server whatever its
translation catalogue holds, and an export in Chinese must be read back by an
English-speaking colleague. Labels from the active catalogue are accepted too.

Speed (10,000 rows in well under 15 s on two cores): lookups are loaded once
up front, rows are checked in plain Python, and writes are bulk inserts and
updates in batches with their history rows written in bulk as well.
"""

import datetime as dt
import re
import unicodedata
import uuid as uuid_module
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from resourcelink.accounts.access import require_role
from resourcelink.accounts.models import EDITORS, Station
from resourcelink.communities.models import Community, Grid
from resourcelink.core.db import database_statistics_refresh
from resourcelink.core.privacy import mask_phone
from resourcelink.directory.models import Resource, ResourceKind, ResourceSource, ResourceStatus
from resourcelink.directory.selectors import ResourceFilter, resources_search
from resourcelink.directory.services import (
    normalise_tags,
    resource_import_key,
    resource_refresh_derived,
)
from resourcelink.taxonomy.models import Category

from .spreadsheets import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    SheetData,
    SpreadsheetError,
    read_table,
    write_csv,
    write_xlsx,
)

MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_ROWS = 100_000
BATCH = 500
CHUNK = 2000


# --- the column set -------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    en: str
    zh: str
    aliases: tuple[str, ...] = ()

    def header(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


COLUMNS: tuple[Column, ...] = (
    Column("uuid", "UUID", "唯一编号", ("id", "编号")),
    Column("name", "Name", "名称", ("名字", "资源名称")),
    Column("kind", "Kind", "类型", ("资源类型",)),
    Column("categories", "Categories", "类别", ("category", "分类", "类别代码")),
    Column("description", "Description", "描述", ("说明", "简介")),
    Column("formal", "Formal", "是否正式", ("正式",)),
    Column("internal", "Internal", "是否社区内", ("内部", "社区内外", "内外")),
    Column("community", "Community", "社区"),
    Column("grid", "Grid", "网格"),
    Column("address", "Address", "地址"),
    Column("latitude", "Latitude", "纬度", ("lat",)),
    Column("longitude", "Longitude", "经度", ("lon", "lng")),
    Column("contact_name", "Contact name", "联系人", ("contact", "contact person")),
    Column("contact_phone", "Contact phone", "联系电话", ("phone", "电话")),
    Column("quantity", "Quantity", "数量", ("capacity", "数量或容量")),
    Column("unit", "Unit", "单位"),
    Column("availability", "Availability", "可用时间", ("可用情况",)),
    Column("eligibility", "Eligibility", "服务对象", ("适用条件",)),
    Column("source", "Source", "来源"),
    Column("source_date", "Source date", "来源日期"),
    Column("last_verified", "Last verified", "最近核实日期", ("last verified on", "最近核实", "核实日期")),
    Column("status", "Status", "状态"),
    Column("tags", "Tags", "标签"),
)
BY_KEY = {c.key: c for c in COLUMNS}

# Text columns and the Resource field each one fills.
TEXT_FIELDS = {
    "name": "name", "description": "description", "address": "address", "contact_name": "contact_name",
    "contact_phone": "contact_phone", "unit": "unit", "availability": "availability",
    "eligibility": "eligibility", "tags": "tags",
}
# Every field an import may set; the same list decides "unchanged".
WRITTEN_FIELDS = (
    "name", "description", "kind", "is_formal", "is_internal", "community_id", "grid_id", "address", "latitude",
    "longitude", "contact_name", "contact_phone", "quantity", "unit", "availability", "eligibility", "source",
    "source_date", "last_verified_on", "status", "tags",
)

KIND_ZH = {
    ResourceKind.PERSON: "人员与人才", ResourceKind.ORGANIZATION: "组织", ResourceKind.BUSINESS: "商户企业",
    ResourceKind.VENUE: "场地空间", ResourceKind.MATERIAL: "物资", ResourceKind.MONEY: "资金",
    ResourceKind.CULTURE: "文化与景观", ResourceKind.INFORMATION: "信息",
}
KIND_ZH_ALIASES = {"人员": "person", "人才": "person", "个人": "person", "社会组织": "organization",
                   "企业": "business", "商户": "business", "商家": "business", "场地": "venue", "空间": "venue",
                   "文化": "culture", "景观": "culture", "资讯": "information"}
SOURCE_ZH = {
    ResourceSource.WALK: "社区漫步", ResourceSource.INTERVIEW: "访谈", ResourceSource.DONOR_OFFER: "捐赠方提供",
    ResourceSource.REFERRAL: "转介", ResourceSource.IMPORT: "导入",
}
STATUS_ZH = {
    ResourceStatus.DRAFT: "草稿", ResourceStatus.ACTIVE: "有效", ResourceStatus.INACTIVE: "停用",
    ResourceStatus.ARCHIVED: "已归档",
}
STATUS_ZH_ALIASES = {"可用": "active", "启用": "active", "不可用": "inactive", "归档": "archived"}

TRUE_WORDS = {"yes", "y", "true", "1", "是", "对", "√"}
FALSE_WORDS = {"no", "n", "false", "0", "否", "不是", "×"}
FORMAL_WORDS = {"formal": True, "正式": True, "informal": False, "非正式": False}
INTERNAL_WORDS = {"internal": True, "inside": True, "内部": True, "社区内": True, "内": True,
                  "external": False, "outside": False, "外部": False, "社区外": False, "外": False}

LIST_SEPARATORS = re.compile(r"[,;、，；\n]+")
DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def active_lang() -> str:
    return "zh" if (translation.get_language() or "").lower().startswith("zh") else "en"


def normalise(text) -> str:
    """Lower case, no spaces, full-width letters folded: how headers and
    labels are compared, so " Contact  Phone " matches "contact phone"."""
    text = unicodedata.normalize("NFKC", str(text or "")).lower()
    return re.sub(r"[\s_\-*]+", "", text)


HEADER_INDEX: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.key, _column.en, _column.zh, *_column.aliases):
        HEADER_INDEX[normalise(_name)] = _column.key


def _label(choices, zh_table: dict, value: str, lang: str) -> str:
    if not value:
        return ""
    if lang == "zh":
        return zh_table.get(value, value)
    with translation.override("en"):
        return str(choices(value).label)


def _choice_index(choices, zh_table: dict, zh_aliases: dict | None = None) -> dict[str, str]:
    index: dict[str, str] = {}
    for value, label in choices.choices:
        index[normalise(value)] = value
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                index[normalise(str(label))] = value
        index[normalise(zh_table[value])] = value
    for alias, value in (zh_aliases or {}).items():
        index.setdefault(normalise(alias), value)
    return index


def kind_label(value: str, lang: str) -> str:
    return _label(ResourceKind, KIND_ZH, value, lang)


def yes_no(value: bool, lang: str) -> str:
    return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")


# --- results ---------------------------------------------------------------------


@dataclass
class RowError:
    row: int | None  # as numbered in the spreadsheet; None for the file as a whole
    column: str  # the header as written in the file ("" for the whole row or file)
    message: str

    def as_tuple(self) -> tuple:
        return (self.row, self.column, self.message)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- lookups ---------------------------------------------------------------------


class _Lookups:
    """Everything a row may name, loaded once for the whole file."""

    def __init__(self, station: Station):
        self.categories_by_code: dict[str, Category] = {}
        self.categories_by_name: dict[str, list[Category]] = defaultdict(list)
        for category in Category.objects.filter(station=station):
            self.categories_by_code[category.code.lower()] = category
            for name in {normalise(category.name_zh_hans), normalise(category.name_en)} - {""}:
                self.categories_by_name[name].append(category)
        self.communities: dict[str, list[Community]] = defaultdict(list)
        self.community_by_id: dict[int, Community] = {}
        for community in Community.objects.filter(station=station):
            self.community_by_id[community.pk] = community
            for name in {normalise(community.code), normalise(community.name)}:
                self.communities[name].append(community)
        self.grids: dict[tuple[int, str], list[Grid]] = defaultdict(list)
        self.grids_anywhere: dict[str, list[Grid]] = defaultdict(list)
        for grid in Grid.objects.filter(station=station):
            for name in {normalise(grid.code), normalise(grid.name)}:
                self.grids[(grid.community_id, name)].append(grid)
                self.grids_anywhere[name].append(grid)
        self.kinds = _choice_index(ResourceKind, KIND_ZH, KIND_ZH_ALIASES)
        self.sources = _choice_index(ResourceSource, SOURCE_ZH)
        self.statuses = _choice_index(ResourceStatus, STATUS_ZH, STATUS_ZH_ALIASES)


# --- cell parsing ----------------------------------------------------------------


class CellError(ValueError):
    pass


UNKNOWN_KIND = gettext_lazy("Unknown kind. Use one of: %(list)s.")
UNKNOWN_SOURCE = gettext_lazy("Unknown source. Use one of: %(list)s.")
UNKNOWN_STATUS = gettext_lazy("Unknown status. Use one of: %(list)s.")


def _insert_links(model, columns: tuple[str, ...], rows) -> None:
    """Plain multi-row INSERTs for the two-to-four-integer link tables
    (categories of a resource and their history snapshot): building a model
    instance per link costs more than the rest of the write."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    per_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    batch = max(1, 900 // len(columns))  # under SQLite's 999-parameter limit
    rows = list(rows)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {', '.join([per_row] * len(chunk))}",
                           [v for row in chunk for v in row])


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number typed into a number cell
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _bool(value, words: dict) -> bool | None:
    if isinstance(value, bool):
        return value
    text = normalise(_text(value))
    if not text:
        return None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    if text in words:
        return words[text]
    raise CellError(_("Write yes or no."))


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


def _float(value, low: float, high: float) -> float | None:
    if isinstance(value, bool):
        raise CellError(_("Not a number."))
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = _text(value)
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise CellError(_("Not a number.")) from None
    if number != number or not (low <= number <= high):
        raise CellError(_("Must be between %(low)s and %(high)s.") % {"low": low, "high": high})
    return number


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool):
        raise CellError(_("Not a number."))
    text = _text(value) if not isinstance(value, (int, float)) else repr(value)
    if not text:
        return None
    try:
        number = Decimal(text.replace(",", ""))
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


# --- import --------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    values: dict  # column key -> parsed value (only columns present in the file)
    categories: list[Category] | None = None
    uuid: uuid_module.UUID | None = None
    key: str = ""
    target_id: int | None = None
    skip: bool = False  # its resource cannot be found; already reported
    failed: set[str] = field(default_factory=set)  # columns with an error already


class _Importer:
    def __init__(self, *, station: Station, actor, filename: str):
        self.station = station
        self.actor = actor
        self.filename = filename
        self.errors: list[RowError] = []
        self.headers: dict[str, str] = {}  # key -> header as written in the file

    def error(self, row: int | None, key_or_header: str, message: str) -> None:
        header = self.headers.get(key_or_header)
        if header is None:
            column = BY_KEY.get(key_or_header)
            header = column.header(active_lang()) if column else key_or_header
        self.errors.append(RowError(row, header, str(message)))

    # -- header --
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
        if "name" not in self.headers:
            self.errors.append(RowError(header_row, "", _("The file has no “%(column)s” column.") % {
                "column": BY_KEY["name"].header(active_lang())}))
        return positions

    # -- one row --
    def parse_row(self, number: int, cells: list, positions: dict[int, str], lookups: _Lookups) -> _Row:
        raw = {key: (cells[index] if index < len(cells) else None) for index, key in positions.items()}
        values: dict = {}
        row = _Row(number, values)

        failed = row.failed

        def fail(key: str, message: str) -> None:
            failed.add(key)
            self.error(number, key, message)

        for key, cell in raw.items():
            try:
                if key in TEXT_FIELDS:
                    text = _text(cell)
                    if key == "tags":
                        text = normalise_tags(text)
                    limit = Resource._meta.get_field(TEXT_FIELDS[key]).max_length
                    if limit and len(text) > limit:
                        raise CellError(_("At most %(limit)d characters.") % {"limit": limit})
                    values[key] = text
                elif key == "uuid":
                    text = _text(cell)
                    if text:
                        try:
                            row.uuid = uuid_module.UUID(text)
                        except ValueError:
                            raise CellError(_("Not a valid UUID. Leave it empty for a new resource.")) from None
                elif key == "kind":
                    values[key] = self._choice(cell, lookups.kinds, UNKNOWN_KIND, ResourceKind)
                elif key == "source":
                    values[key] = self._choice(cell, lookups.sources, UNKNOWN_SOURCE, ResourceSource)
                elif key == "status":
                    values[key] = self._choice(cell, lookups.statuses, UNKNOWN_STATUS, ResourceStatus)
                elif key == "formal":
                    values[key] = _bool(cell, FORMAL_WORDS)
                elif key == "internal":
                    values[key] = _bool(cell, INTERNAL_WORDS)
                elif key == "latitude":
                    values[key] = _float(cell, -90, 90)
                elif key == "longitude":
                    values[key] = _float(cell, -180, 180)
                elif key == "quantity":
                    values[key] = _decimal(cell)
                elif key in ("source_date", "last_verified"):
                    values[key] = _date(cell)
                elif key == "categories":
                    row.categories = self._categories(cell, lookups)
            except CellError as exc:
                fail(key, str(exc))

        if "name" in self.headers and not values.get("name"):
            fail("name", _("A name is needed."))
        self._place(row, raw, lookups, fail)
        lat, lon = values.get("latitude"), values.get("longitude")
        if ("latitude" in raw or "longitude" in raw) and (lat is None) != (lon is None):
            if not failed & {"latitude", "longitude"}:
                fail("longitude" if lon is None else "latitude", _("Give both latitude and longitude, or neither."))
        return row

    def _choice(self, cell, index: dict, message: str, choices) -> str | None:
        text = normalise(_text(cell))
        if not text:
            return None
        if text not in index:
            lang = active_lang()
            zh = {ResourceKind: KIND_ZH, ResourceSource: SOURCE_ZH, ResourceStatus: STATUS_ZH}[choices]
            options = ("、" if lang == "zh" else ", ").join(_label(choices, zh, v, lang) for v in choices.values)
            raise CellError(str(message) % {"list": options})
        return index[text]

    def _categories(self, cell, lookups: _Lookups) -> list[Category]:
        found: list[Category] = []
        unknown: list[str] = []
        for part in LIST_SEPARATORS.split(_text(cell)):
            part = part.strip()
            if not part:
                continue
            category = lookups.categories_by_code.get(part.lower())
            if category is None:
                matches = lookups.categories_by_name.get(normalise(part), [])
                if len(matches) > 1:
                    raise CellError(_("“%(name)s” names several categories: use its code.") % {"name": part})
                category = matches[0] if matches else None
            if category is None:
                unknown.append(part)
            elif category not in found:
                found.append(category)
        if unknown:
            raise CellError(_("Unknown category: %(names)s.") % {"names": ("、" if active_lang() == "zh" else ", ").join(unknown)})
        return found

    def _place(self, row: _Row, raw: dict, lookups: _Lookups, fail) -> None:
        """Community and grid: by code or name; a grid within its community."""
        community = None
        if "community" in raw:
            text = _text(raw["community"])
            if text:
                matches = lookups.communities.get(normalise(text), [])
                if len(matches) == 1:
                    community = matches[0]
                else:
                    fail("community", _("Unknown community “%(name)s”.") % {"name": text})
                    return
            row.values["community"] = community
        if "grid" in raw:
            text = _text(raw["grid"])
            grid = None
            if text:
                if community is not None:
                    matches = lookups.grids.get((community.pk, normalise(text)), [])
                    if not matches and lookups.grids_anywhere.get(normalise(text)):
                        fail("grid", _("The grid “%(grid)s” is not in the community “%(community)s”.") % {
                            "grid": text, "community": community.name})
                        return
                else:
                    matches = lookups.grids_anywhere.get(normalise(text), [])
                    if len(matches) > 1:
                        fail("grid", _("Several communities have a grid “%(name)s”: give the community.") % {
                            "name": text})
                        return
                if len(matches) != 1:
                    fail("grid", _("Unknown grid “%(name)s”.") % {"name": text})
                    return
                grid = matches[0]
                if community is None:  # the grid says which community
                    row.values["community"] = lookups.community_by_id.get(grid.community_id)
            row.values["grid"] = grid

    # -- the whole file --
    def run(self, data: bytes, dry_run: bool) -> ImportResult:
        result = ImportResult(dry_run=dry_run)
        try:
            if len(data) > MAX_FILE_BYTES:
                raise SpreadsheetError(_("The file is larger than %(mb)d MB: split it.") % {
                    "mb": MAX_FILE_BYTES // (1024 * 1024)})
            table = read_table(data, self.filename)
        except SpreadsheetError as exc:
            result.errors.append(RowError(None, "", str(exc)))
            return result
        if len(table.rows) > MAX_ROWS:
            result.errors.append(RowError(None, "", _("The file has more than %(max)d rows: split it.") % {
                "max": MAX_ROWS}))
            return result
        result.rows = len(table.rows)
        positions = self.map_header(table.header, table.header_row)
        if self.errors:
            result.errors = self.errors
            return result
        if not table.rows:
            result.errors.append(RowError(None, "", _("The file has a header but no rows.")))
            return result

        lookups = _Lookups(self.station)
        rows = [self.parse_row(number, cells, positions, lookups) for number, cells in table.rows]

        if dry_run:
            self.resolve_and_write(rows, result, write=False)
        else:
            with transaction.atomic():
                # One import per station at a time, so two uploads of the same
                # file cannot both decide a row is new.
                Station.objects.select_for_update().filter(pk=self.station.pk).first()
                self.resolve_and_write(rows, result, write=True)
        self.errors.sort(key=lambda e: (e.row or 0, self._column_order(e.column)))
        result.errors = self.errors
        if result.errors:
            result.created = result.updated = result.unchanged = 0
        elif result.created and not dry_run:
            database_statistics_refresh()
        return result

    def _column_order(self, header: str) -> int:
        if not hasattr(self, "_order"):
            self._order = {title: i for i, title in enumerate(self.headers.values())}
        return self._order.get(header, -1)

    def resolve_and_write(self, rows: list[_Row], result: ImportResult, *, write: bool) -> None:
        by_uuid: dict[uuid_module.UUID, int] = {}
        by_key: dict[str, int] = {}
        for pk, resource_uuid, key in (
            Resource.objects.filter(station=self.station).order_by("id").values_list("id", "uuid", "import_key")
        ):
            by_uuid[resource_uuid] = pk
            by_key.setdefault(key, pk)

        seen_targets: dict[int, int] = {}
        seen_new: dict[str, int] = {}
        for row in rows:
            community = row.values.get("community")
            row.key = resource_import_key(
                name=row.values.get("name", ""), address=row.values.get("address", ""),
                community_id=community.pk if community else None,
            )
            if row.uuid is not None:
                row.target_id = by_uuid.get(row.uuid)
                if row.target_id is None:
                    self.error(row.number, "uuid", _("No resource of this station has this UUID. Leave it empty to "
                                                     "add a new resource."))
                    row.skip = True
                    continue
            else:
                row.target_id = by_key.get(row.key)
            if row.target_id is not None:
                first = seen_targets.setdefault(row.target_id, row.number)
            else:
                first = seen_new.setdefault(row.key, row.number)
            if first != row.number and row.values.get("name"):
                self.error(row.number, "", _("This row repeats row %(row)d (the same resource).") % {"row": first})

        existing = self._load([r.target_id for r in rows if r.target_id is not None])
        to_create: list[tuple[Resource, list[Category]]] = []
        to_update: list[tuple[Resource, list[Category], bool]] = []
        changed_fields: set[str] = set()
        now = timezone.now()
        for row in rows:
            if row.skip:
                continue
            if row.target_id is None:
                resource = Resource(station=self.station, source=ResourceSource.IMPORT,
                                    source_date=timezone.localdate(), created_by=self.actor, updated_by=self.actor)
                self._apply(row, resource, {}, new=True)
                categories = row.categories or []
                self._check_retired(row, categories, set())
                resource_refresh_derived(resource, categories)
                to_create.append((resource, categories))
            else:
                resource = existing.get(row.target_id)
                if resource is None:
                    continue
                old_categories = list(resource.categories.all())
                old_ids = {c.pk for c in old_categories}
                before = {f: getattr(resource, f) for f in WRITTEN_FIELDS}
                self._apply(row, resource, before, new=False)
                categories = row.categories if row.categories is not None else old_categories
                self._check_retired(row, categories, old_ids)
                fields = [f for f in WRITTEN_FIELDS if getattr(resource, f) != before[f]]
                categories_changed = {c.pk for c in categories} != old_ids
                if not fields and not categories_changed:
                    result.unchanged += 1
                    continue
                changed_fields.update(fields)
                resource.updated_by = self.actor
                resource.updated_on = now
                resource_refresh_derived(resource, categories)
                to_update.append((resource, categories, categories_changed))
        result.created, result.updated = len(to_create), len(to_update)
        if self.errors or not write:
            return
        reason = _("Imported from %(file)s") % {"file": self.filename or _("a spreadsheet")}
        self._write_created(to_create, reason, now)
        self._write_updated(to_update, changed_fields, reason, now)

    def _load(self, ids: list[int]) -> dict[int, Resource]:
        loaded: dict[int, Resource] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            for resource in (
                Resource.objects.filter(station=self.station, pk__in=chunk)
                .select_related("organization", "grid").prefetch_related("categories")
            ):
                loaded[resource.pk] = resource
        return loaded

    def _apply(self, row: _Row, resource: Resource, before: dict, *, new: bool) -> None:
        v = row.values
        for key in TEXT_FIELDS:
            if key in v and key != "contact_phone":
                setattr(resource, TEXT_FIELDS[key], v[key])
        if "contact_phone" in v:
            phone = v["contact_phone"]
            if "*" in phone:
                # A masked export read back in: keep the real number.
                if not new and phone == mask_phone(before.get("contact_phone", "")):
                    phone = before["contact_phone"]
                else:
                    self.error(row.number, "contact_phone",
                               _("This phone number is masked (***). Give the full number or leave the cell empty."))
            resource.contact_phone = phone
        for key, attr in (("kind", "kind"), ("source", "source"), ("status", "status"), ("formal", "is_formal"),
                          ("internal", "is_internal")):
            if v.get(key) is not None:
                setattr(resource, attr, v[key])
        if new and not resource.kind and "kind" not in row.failed:
            self.error(row.number, "kind", _("A kind is needed for a new resource."))
        if "community" in v:
            resource.community = v["community"]
        if "grid" in v:
            resource.grid = v["grid"]
        for key in ("latitude", "longitude", "quantity"):
            if key in v:
                setattr(resource, key, v[key])
        if v.get("source_date") is not None:
            resource.source_date = v["source_date"]
        if "last_verified" in v:
            resource.last_verified_on = v["last_verified"]
        if resource.grid_id and resource.community_id and resource.grid.community_id != resource.community_id:
            self.error(row.number, "grid", _("This grid belongs to another community."))

    def _check_retired(self, row: _Row, categories: list[Category], kept: set[int]) -> None:
        retired = [c for c in categories if c.is_retired and c.pk not in kept]
        if retired:
            self.error(row.number, "categories", _("Retired categories cannot be added: %(names)s.") % {
                "names": ("、" if active_lang() == "zh" else ", ").join(c.name for c in retired)})

    def _history_ids(self, ids: list[int], when) -> dict[int, int]:
        history_model = Resource.history.model
        found: dict[int, int] = {}
        for start in range(0, len(ids), CHUNK):
            found.update(history_model.objects.filter(id__in=ids[start:start + CHUNK], history_date=when)
                         .values_list("id", "history_id"))
        return found

    def _write_category_history(self, resource_ids: list[int], when) -> None:
        """django-simple-history snapshots the category links (the through
        rows, ids included) with each history row; its bulk helpers leave
        that to the caller, so copy them here from what is now stored."""
        m2m_history = apps.get_model("directory", "HistoricalResource_categories")
        through = Resource.categories.through
        history_ids = self._history_ids(resource_ids, when)
        for start in range(0, len(resource_ids), CHUNK):
            links = through.objects.filter(resource_id__in=resource_ids[start:start + CHUNK]).values_list(
                "id", "resource_id", "category_id")
            _insert_links(m2m_history, ("id", "history", "resource", "category"),
                          ((pk, history_ids[rid], rid, cid) for pk, rid, cid in links if rid in history_ids))

    def _write_created(self, items: list[tuple[Resource, list[Category]]], reason: str, now) -> None:
        if not items:
            return
        created = bulk_create_with_history(
            [r for r, _c in items], Resource, batch_size=BATCH, default_user=self.actor,
            default_change_reason=reason, default_date=now,
        )
        for (resource, _cats), saved in zip(items, created, strict=True):
            resource.pk = saved.pk
        through = Resource.categories.through
        _insert_links(through, ("resource", "category"), ((r.pk, c.pk) for r, cats in items for c in cats))
        self._write_category_history([r.pk for r, _c in items], now)

    def _write_updated(self, items: list[tuple[Resource, list[Category], bool]], changed_fields: set[str],
                       reason: str, now) -> None:
        if not items:
            return
        fields = sorted(changed_fields | {"search_text", "import_key", "updated_on", "updated_by_id"})
        fields = [f.removesuffix("_id") for f in fields]
        bulk_update_with_history(
            [r for r, _c, _x in items], Resource, fields, batch_size=BATCH, default_user=self.actor,
            default_change_reason=reason, default_date=now,
        )
        through = Resource.categories.through
        regrouped = [(r, cats) for r, cats, changed in items if changed]
        wanted = {r.pk: {c.pk for c in cats} for r, cats in regrouped}
        ids = list(wanted)
        stale, have = [], defaultdict(set)
        for start in range(0, len(ids), CHUNK):
            for pk, resource_id, category_id in through.objects.filter(
                resource_id__in=ids[start:start + CHUNK]
            ).values_list("id", "resource_id", "category_id"):
                if category_id in wanted[resource_id]:
                    have[resource_id].add(category_id)
                else:
                    stale.append(pk)
        for start in range(0, len(stale), CHUNK):
            # Link rows only: the resource and its history stay.
            through.objects.filter(pk__in=stale[start:start + CHUNK]).delete()
        _insert_links(through, ("resource", "category"),
                      ((pk, c) for pk, cats in wanted.items() for c in cats - have[pk]))
        self._write_category_history([r.pk for r, _c, _x in items], now)


def resources_import(*, actor, station: Station, file, filename: str = "", dry_run: bool = False) -> ImportResult:
    """Check every row of a spreadsheet of resources and, if none has an
    error, create and update them all in one transaction.

    ``file`` is bytes or a file object. Rows are matched to existing resources
    by their UUID, else by name + address + community; unchanged rows are left
    alone. A broken file or any bad cell writes nothing and is reported in
    ``ImportResult.errors`` as (row, column, message).
    """
    require_role(actor, station, EDITORS)
    data = file if isinstance(file, bytes) else file.read()
    filename = filename or getattr(file, "name", "") or ""
    return _Importer(station=station, actor=actor, filename=filename).run(data, dry_run)


# --- export ----------------------------------------------------------------------


@dataclass
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def _names_or_codes(objects, name_of) -> dict[int, str]:
    """How each object is written in a file: its name, unless the name is
    shared or would be split as a list, then its stable code."""
    counts: dict[str, int] = defaultdict(int)
    for obj in objects:
        counts[normalise(name_of(obj))] += 1
    out = {}
    for obj in objects:
        name = name_of(obj)
        clash = counts[normalise(name)] > 1 or not name or LIST_SEPARATORS.search(name)
        out[obj.pk] = obj.code if clash else name
    return out


def _number(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _labels(lang: str) -> dict[str, dict]:
    """Choice labels looked up once per export, not once per cell."""
    return {
        "kind": {v: kind_label(v, lang) for v in ResourceKind.values},
        "source": {v: _label(ResourceSource, SOURCE_ZH, v, lang) for v in ResourceSource.values},
        "status": {v: _label(ResourceStatus, STATUS_ZH, v, lang) for v in ResourceStatus.values},
        "bool": {True: yes_no(True, lang), False: yes_no(False, lang)},
    }


def _row_values(resource: Resource, lang: str, labels: dict, categories: dict, grids: dict,
                reveal_phones: bool) -> list:
    return [
        str(resource.uuid),
        resource.name,
        labels["kind"].get(resource.kind, resource.kind),
        ("、" if lang == "zh" else ", ").join(categories[c.pk] for c in resource.categories.all()),
        resource.description,
        labels["bool"][resource.is_formal],
        labels["bool"][resource.is_internal],
        resource.community.name if resource.community_id else "",
        grids.get(resource.grid_id, "") if resource.grid_id else "",
        resource.address,
        resource.latitude,
        resource.longitude,
        resource.contact_name,
        resource.contact_phone if reveal_phones else resource.masked_phone,
        _number(resource.quantity),
        resource.unit,
        resource.availability,
        resource.eligibility,
        labels["source"].get(resource.source, resource.source),
        resource.source_date,
        resource.last_verified_on,
        labels["status"].get(resource.status, resource.status),
        resource.tags,
    ]


def resources_export(*, station: Station, filters: ResourceFilter | None = None, fmt: str = "xlsx",
                     reveal_phones: bool = False, lang: str | None = None) -> ExportFile:
    """The station's resources matching ``filters`` as an XLSX or CSV file
    with the import columns, so the file can be edited and imported back.

    Phones are masked unless ``reveal_phones`` (callers pass it only for
    staff roles). Headers and labels follow ``lang`` (default: the active
    language). Rows are streamed from the database in chunks.
    """
    if fmt not in ("xlsx", "csv"):
        raise ValueError(fmt)
    lang = lang or active_lang()
    categories = _names_or_codes(
        list(Category.objects.filter(station=station)),
        lambda c: c.name_zh_hans or c.name_en if lang == "zh" else c.name_en or c.name_zh_hans,
    )
    grids = {}
    by_community = defaultdict(list)
    for grid in Grid.objects.filter(station=station):
        by_community[grid.community_id].append(grid)
    for same_community in by_community.values():
        grids.update(_names_or_codes(same_community, lambda g: g.name))
    header = [c.header(lang) for c in COLUMNS]
    labels = _labels(lang)
    rows = (
        _row_values(r, lang, labels, categories, grids, reveal_phones)
        for r in resources_search(station=station, filters=filters or ResourceFilter()).iterator(chunk_size=CHUNK)
    )
    stamp = timezone.localdate().isoformat()
    name = f"resources-{station.slug}-{stamp}.{fmt}"
    if fmt == "csv":
        return ExportFile(write_csv(header, rows), CSV_CONTENT_TYPE, name)
    widths = {1: 28, 3: 24, 4: 30, 9: 30}
    title = "资源" if lang == "zh" else "Resources"
    return ExportFile(write_xlsx([SheetData(title, header, rows, widths)]), XLSX_CONTENT_TYPE, name)


# --- template ----------------------------------------------------------------------


HELP_TEXT = {
    "en": [
        "Fill in one resource per row on the first sheet. Only Name is required; Kind is required for new resources.",
        "Leave UUID empty for new resources. A file exported from ResourceLink carries the UUID, so importing it "
        "again updates those resources.",
        "Without a UUID a row updates the resource with the same name, address and community, else adds one.",
        "Nothing is imported if any row has an error: every error is listed with its row and column.",
        "Categories: codes or names, separated by commas or 、. Yes/no columns: yes, no, 是, 否.",
        "Dates: Excel dates or YYYY-MM-DD. Latitude and longitude: give both or neither.",
    ],
    "zh": [
        "在第一张表中每行填写一项资源。只有“名称”必填；新资源还须填写“类型”。",
        "新资源的“唯一编号”留空。从本系统导出的文件带有唯一编号，再次导入即更新这些资源。",
        "没有唯一编号时，名称、地址和社区都相同的资源会被更新，否则新增一项。",
        "只要有一行出错，整个文件都不会导入：每个错误都会列出所在的行和列。",
        "类别：填写代码或名称，用逗号或顿号（、）分隔。是/否列：填写 是、否、yes、no。",
        "日期：Excel 日期或 YYYY-MM-DD 格式。经纬度：要么都填，要么都不填。",
    ],
}


def resource_template(*, station: Station, lang: str | None = None) -> bytes:
    """A blank import workbook: the headers in ``lang`` on the first sheet,
    and a "Help" sheet with the rules, an example row and the values the
    station accepts (kinds, categories, communities and grids)."""
    lang = lang or active_lang()
    zh = lang == "zh"
    header = [c.header(lang) for c in COLUMNS]
    example_category = Category.objects.filter(station=station, retired_on__isnull=True).order_by("path").first()
    example_community = Community.objects.filter(station=station, archived_on__isnull=True).first()
    example = {
        "name": "爱心理发志愿队" if zh else "Volunteer barbers",
        "kind": kind_label(ResourceKind.PERSON, lang),
        "categories": example_category.code if example_category else "",
        "formal": yes_no(False, lang), "internal": yes_no(True, lang),
        "community": example_community.name if example_community else "",
        "address": "湖滨路 1 号" if zh else "1 Lake Road",
        "latitude": 30.2741, "longitude": 120.1551,
        "contact_name": "王师傅" if zh else "Mr Wang", "contact_phone": "13800000000",
        "quantity": 3, "unit": "人" if zh else "people",
        "availability": "每周六上午" if zh else "Saturday mornings",
        "last_verified": timezone.localdate(),
        "status": _label(ResourceStatus, STATUS_ZH, ResourceStatus.ACTIVE, lang),
    }
    help_rows: list[list] = [[line] for line in HELP_TEXT[lang]]
    help_rows += [[], ["示例" if zh else "Example"], header, [example.get(c.key, "") for c in COLUMNS], []]
    help_rows.append(["类型" if zh else "Kinds"])
    help_rows += [[value, kind_label(value, lang)] for value in ResourceKind.values]
    help_rows += [[], ["类别（代码、中文名称、英文名称）" if zh else "Categories (code, Chinese name, English name)"]]
    help_rows += [[c.code, c.name_zh_hans, c.name_en]
                  for c in Category.objects.filter(station=station, retired_on__isnull=True).order_by("path")]
    help_rows += [[], ["社区（代码、名称）" if zh else "Communities (code, name)"]]
    help_rows += [[c.code, c.name] for c in Community.objects.filter(station=station, archived_on__isnull=True)]
    help_rows += [[], ["网格（社区、代码、名称）" if zh else "Grids (community, code, name)"]]
    help_rows += [[g.community.name, g.code, g.name] for g in Grid.objects.filter(
        station=station, archived_on__isnull=True).select_related("community")]
    help_rows += [[], ["状态" if zh else "Statuses"]]
    help_rows += [[v, _label(ResourceStatus, STATUS_ZH, v, lang)] for v in ResourceStatus.values]
    help_rows += [[], ["来源" if zh else "Sources"]]
    help_rows += [[v, _label(ResourceSource, SOURCE_ZH, v, lang)] for v in ResourceSource.values]
    sheets = [
        SheetData("资源" if zh else "Resources", header, [], {1: 28, 3: 24, 4: 30, 9: 30}),
        SheetData("说明" if zh else "Help", ["说明" if zh else "Help"], help_rows, {0: 40, 1: 30, 2: 30}),
    ]
    return write_xlsx(sheets)
