"""``resourcelink import-people``: households, residents and needs into one station."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from resourcelink.accounts.models import Station
from resourcelink.interop.people_io import people_import


class Command(BaseCommand):
    @property
    def help(self):
        # Read when --help is asked, in the language active then.
        return str(_(
            "Import households, residents and needs from the workbook of the template (or a .csv file with one of its "
            "sheets) into a station, as the given user (an admin or social worker there; a coordinator may import "
            "needs only). Every row of every sheet is checked first: if any has an error, every error is printed "
            "with its sheet, row and column, nothing is imported and the command exits with status 1. Importing "
            "the same file twice changes nothing."
        ))

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("The .xlsx or .csv file."))
        parser.add_argument("--station", required=True, help=_("The station's short name (slug)."))
        parser.add_argument("--user", required=True, help=_("The username the changes are recorded under."))
        parser.add_argument("--dry-run", action="store_true", help=_("Only check the file; import nothing."))
        parser.add_argument("--confirm-duplicates", action="store_true",
                            help=_("Add residents that look like one already recorded (flagged for review)."))

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        station = Station.objects.filter(slug=options["station"], archived_on__isnull=True).first()
        if station is None:
            raise CommandError(_("No such station: %(slug)s") % {"slug": options["station"]})
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(_("No such user: %(name)s") % {"name": options["user"]})
        try:
            result = people_import(actor=user, station=station, file=path.read_bytes(), filename=path.name,
                                   dry_run=options["dry_run"], confirm_duplicates=options["confirm_duplicates"])
        except (PermissionDenied, Http404):
            raise CommandError(_("%(user)s may not import into %(station)s.") % {
                "user": user.username, "station": station.slug}) from None
        if not result.ok:
            for error in result.errors:
                self.stderr.write(_("%(sheet)s\trow %(row)s\t%(column)s\t%(message)s") % {
                    "sheet": error.sheet or "-", "row": "-" if error.row is None else error.row,
                    "column": error.column or "-", "message": error.message})
            n = len(result.errors)
            raise CommandError(ngettext("%(n)d error; nothing was imported.", "%(n)d errors; nothing was imported.",
                                        n) % {"n": n})
        for title, counts in result.summary():
            values = {"sheet": title, "rows": counts.rows, "created": counts.created, "updated": counts.updated,
                      "unchanged": counts.unchanged}
            if result.dry_run:
                self.stdout.write(_("%(sheet)s: %(rows)d rows: %(created)d would be added, %(updated)d would be "
                                    "updated, %(unchanged)d unchanged.") % values)
            else:
                self.stdout.write(_("%(sheet)s: %(rows)d rows: %(created)d were added, %(updated)d were updated, "
                                    "%(unchanged)d unchanged.") % values)
        if result.dry_run:
            self.stdout.write(_("Dry run: nothing was imported."))
