"""``resourcelink import``: a spreadsheet of resources into one station."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from resourcelink.accounts.models import Station
from resourcelink.interop.resource_io import resources_import


class Command(BaseCommand):
    @property
    def help(self):
        # Read when --help is asked, in the language active then.
        return str(_(
            "Import resources from an .xlsx or .csv file into a station, as the given user (who must be an admin, "
            "social worker or coordinator there). Headers may be in Chinese or English; download the template from "
            "the import page. Every row is checked first: if any row has an error, every error is printed with its "
            "row and column, nothing is imported and the command exits with status 1. Rows with a UUID, or with the "
            "same name, address and community as an existing resource, update it; unchanged rows are left alone; "
            "the others are added. Importing the same file twice adds nothing."
        ))

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("The .xlsx or .csv file."))
        parser.add_argument("--station", required=True, help=_("The station's short name (slug)."))
        parser.add_argument("--user", required=True, help=_("The username the changes are recorded under."))
        parser.add_argument("--dry-run", action="store_true", help=_("Only check the file; import nothing."))

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
            result = resources_import(actor=user, station=station, file=path.read_bytes(), filename=path.name,
                                      dry_run=options["dry_run"])
        except (PermissionDenied, Http404):
            raise CommandError(_("%(user)s may not import resources into %(station)s.") % {
                "user": user.username, "station": station.slug}) from None
        if not result.ok:
            for error in result.errors:
                row = "-" if error.row is None else error.row
                column = error.column or "-"
                self.stderr.write(_("row %(row)s\t%(column)s\t%(message)s") % {
                    "row": row, "column": column, "message": error.message})
            n = len(result.errors)
            raise CommandError(ngettext("%(n)d error; nothing was imported.", "%(n)d errors; nothing was imported.",
                                        n) % {"n": n})
        counts = {"rows": result.rows, "created": result.created, "updated": result.updated,
                  "unchanged": result.unchanged}
        if result.dry_run:
            self.stdout.write(_("%(rows)d rows: %(created)d would be added, %(updated)d would be updated, "
                                "%(unchanged)d unchanged (dry run: nothing was imported).") % counts)
        else:
            self.stdout.write(_("%(rows)d rows: %(created)d were added, %(updated)d were updated, "
                                "%(unchanged)d unchanged.") % counts)
