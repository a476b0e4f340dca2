"""The distribution list of a plan as an XLSX workbook.

One row per line: grid, line number, recipient, what it gives, status and
when it was handed over. Editors get the household's masked name; viewers
the household number only (no name, masked or not). Who collected a line
and free-text notes never leave the system this way.
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from resourcelink.core.privacy import mask_name
from resourcelink.interop.spreadsheets import XLSX_CONTENT_TYPE, SheetData, write_xlsx

from . import selectors

__all__ = ["XLSX_CONTENT_TYPE", "export_filename", "plan_lines_table", "plan_lines_xlsx"]

PAGE = 1000


def _all_lines(plan):
    """Every line of the plan, read a page at a time through the selector
    (its prefetches keep the queries per page constant)."""
    page = selectors.plan_lines(plan, page=1, per_page=PAGE)
    yield from page.object_list
    while page.has_next():
        page = selectors.plan_lines(plan, page=page.next_page_number(), per_page=PAGE)
        yield from page.object_list


def _items_and_money(line) -> tuple[str, Decimal]:
    items: dict[int, list] = {}
    money = Decimal("0")
    for portion in line.portions.all():
        if portion.lot_id:
            entry = items.setdefault(portion.lot.item_id, [portion.lot.item.name, portion.lot.item.unit, 0])
            entry[2] += portion.quantity
        else:
            money += portion.amount or 0
    text = "; ".join(f"{name} × {quantity} {unit}".rstrip() for name, unit, quantity in items.values())
    return text, money


def plan_lines_table(plan, *, personal: bool) -> tuple[list[str], list[list]]:
    """(header, rows) of the list. ``personal`` False (viewers): no
    recipient column, the household number only."""
    header = [_("Community"), _("Grid"), _("Line"), _("Household number")]
    if personal:
        header.append(_("Recipient"))
    header += [_("Tier"), _("Group"), _("Items"), _("Money (yuan)"), _("Status"), _("Handed over on")]
    rows = []
    for line in _all_lines(plan):
        items, money = _items_and_money(line)
        handover = getattr(line, "handover", None) if line.status == "handed_over" else None
        row = [line.community.name if line.community_id else "", line.grid.name if line.grid_id else "",
               line.pk, line.household_id]
        if personal:
            row.append(mask_name(line.household.name))
        row += [line.tier, line.group.name if line.group_id else _("chosen household"), items,
                float(money) if money else None, line.get_status_display(),
                timezone.localtime(handover.handed_over_on).replace(tzinfo=None) if handover else None]
        rows.append(row)
    return header, rows


def plan_lines_xlsx(plan, *, personal: bool) -> bytes:
    header, rows = plan_lines_table(plan, personal=personal)
    title = _("Distribution list")
    items_column = header.index(_("Items"))
    widths = {0: 14, 1: 14, 2: 8, 3: 10, items_column: 30, len(header) - 1: 18}
    return write_xlsx([SheetData(title, header, rows, widths)])


def export_filename(plan) -> str:
    name = slugify(plan.name) or "plan"
    return f"distribution-{plan.pk}-{name}-{timezone.localdate().isoformat()}.xlsx"
