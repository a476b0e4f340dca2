"""``resourcelink import``: a spreadsheet of resources into one station."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from resourcelink.accounts.models import Station
from resourcelink.interop.resource_io import resources_import


class Command(BaseCommand):
    help = (
        "Import resources from an .xlsx or .csv file into a station, as the given user (who must be an admin, "
        "social worker or coordinator there). Headers may be in Chinese or English; download the template from "
        "the import page. Every row is checked first: if any row has an error, every error is printed with its "
        "row and column, nothing is imported and the command exits with status 1. Rows with a UUID, or with the "
        "same name, address and community as an existing resource, update it; unchanged rows are left alone; "
        "the others are added. Importing the same file twice adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xlsx or .csv file.")
        parser.add_argument("--station", required=True, help="The station's short name (slug).")
        parser.add_argument("--user", required=True, help="The username the changes are recorded under.")
        parser.add_argument("--dry-run", action="store_true", help="Only check the file; import nothing.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        station = Station.objects.filter(slug=options["station"], archived_on__isnull=True).first()
        if station is None:
            raise CommandError(f"No such station: {options['station']}")
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No such user: {options['user']}")
        try:
            result = resources_import(actor=user, station=station, file=path.read_bytes(), filename=path.name,
                                      dry_run=options["dry_run"])
        except (PermissionDenied, Http404):
            raise CommandError(f"{user.username} may not import resources into {station.slug}.") from None
        if not result.ok:
            for error in result.errors:
                row = "-" if error.row is None else error.row
                column = error.column or "-"
                self.stderr.write(f"row {row}\t{column}\t{error.message}")
            raise CommandError(f"{len(result.errors)} error(s); nothing was imported.")
        verb = "would be" if result.dry_run else "were"
        self.stdout.write(
            f"{result.rows} rows: {result.created} {verb} added, {result.updated} {verb} updated, "
            f"{result.unchanged} unchanged." + (" (dry run: nothing was imported)" if result.dry_run else "")
        )
