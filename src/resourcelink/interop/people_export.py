"""Households, residents and needs to spreadsheets, and the blank template.

Exports have the import's columns, so a file can be corrected and imported
back. Personal data is masked (names, addresses, phones, ID numbers; birth
year only) and a masked export leaves out homes' positions and notes;
viewers get needs only, without any column about the person. An admin may
export personal data in full with a reason; each such export writes an
``ExportLog`` row (who, when, why, what and how many rows).
"""

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from resourcelink.accounts.access import require_member, require_role
from resourcelink.accounts.models import ADMINS, Role, Station
from resourcelink.communities.models import Community, Grid
from resourcelink.core.privacy import mask_address, mask_name, mask_phone
from resourcelink.needs.models import Need, NeedStatus
from resourcelink.people.models import Household, Resident, VulnerabilityTag
from resourcelink.people.refs import shareable_ref
from resourcelink.taxonomy.models import Category

from .people_format import (
    CHOICES,
    COLUMNS,
    HOUSEHOLDS,
    NEEDS,
    PERSONAL_FIELDS,
    READ_ONLY,
    RESIDENTS,
    SHEETS,
    STATUS_ZH,
    VIEWER_NEED_COLUMNS,
    choice_label,
    sheet_title,
)
from .resource_io import (
    ExportFile,
    _names_or_codes,
    active_lang,
)
from .spreadsheets import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    SheetData,
    write_csv,
    write_xlsx,
)

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
    """A record's reference in a file: the one it was imported with, else
    ``#id`` (also for a computed key, or a stored one shaped like a phone or
    ID number)."""
    return shareable_ref(obj.import_key) or f"#{obj.pk}"


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


def _need_rows(station, lang, lists, personal: bool, viewer: bool = False):
    labels = lists["labels"]
    qs = (Need.objects.filter(station=station, archived_on__isnull=True)
          .select_related("household", "resident", "community").order_by("id"))
    for n in qs.iterator(chunk_size=2000):
        yield {
            # A viewer gets no reference a person wrote, only the need's number.
            "ref": f"#{n.pk}" if viewer else _own_ref(n),
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
        extra = {"viewer": True} if viewer else {}
        rows = [[values[k] for k in keys] for values in producer(station, lang, lists, personal, **extra)]
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
        "Households sheet: one household per row, with a reference of your own: a neutral code such as H001 or "
        "A-101, never a name, phone or ID number (references are shown to coordinators). "
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
        "“户”表：每行一户，填写自编的户编号：中性的编码，如 H001、A-101，不要用姓名、电话或身份证号"
        "（户编号会显示给志愿者协调员）。户编号、户名、地址、社区必填。",
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
