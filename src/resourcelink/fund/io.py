"""The fund ledger as an XLSX file.

One row per entry, oldest first: when, account, kind, amount, the change to
the reserved money, the household only as "household #id" (a file leaves the
system: no name, phone or address of a resident goes into it), the donation
by its acknowledgement number, who entered it, why, and what it refers to.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from resourcelink.donations.services import donation_number
from resourcelink.interop.spreadsheets import SheetData, write_xlsx

from .selectors import fund_entries_for_export


def household_label(household_id) -> str:
    return _("household #%(id)s") % {"id": household_id} if household_id else ""


def _user_label(user) -> str:
    if user is None:
        return _("system")
    return user.get_full_name() or user.get_username()


def fund_ledger_xlsx(*, station, account=None) -> bytes:
    header = [_("When"), _("Account"), _("Kind"), _("Amount (yuan)"), _("Change reserved (yuan)"), _("Household"),
              _("Donation"), _("By"), _("Why"), _("Refers to")]

    def rows():
        for entry in fund_entries_for_export(station, account).iterator(chunk_size=2000):
            # Excel has no time zones: the station's local time, as on the pages.
            when = timezone.localtime(entry.entered_on).replace(tzinfo=None, microsecond=0)
            yield [when, entry.account.name, entry.get_kind_display(), float(entry.amount),
                   float(entry.reserved_delta), household_label(entry.household_id),
                   donation_number(entry.donation) if entry.donation_id else "", _user_label(entry.entered_by),
                   entry.reason, entry.reference]

    return write_xlsx([SheetData(title=_("Fund ledger"), header=header, rows=rows(),
                                 widths={0: 18, 1: 30, 2: 14, 3: 14, 4: 14, 5: 14, 6: 14, 7: 14, 8: 40, 9: 18})])
