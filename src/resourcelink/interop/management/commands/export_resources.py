"""``resourcelink export``: a station's resources to a spreadsheet."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from resourcelink.accounts.models import Station
from resourcelink.communities.models import Community, Grid
from resourcelink.directory.models import ResourceKind, ResourceStatus
from resourcelink.directory.selectors import ResourceFilter
from resourcelink.interop.resource_io import resources_export
from resourcelink.taxonomy.models import Category


class Command(BaseCommand):
    help = (
        "Export a station's resources (all but archived ones unless --status says otherwise) to .xlsx or .csv, "
        "with the columns of the import template and a UUID per row, so the file can be edited and imported "
        "back to update the same resources. Phone numbers are masked unless --reveal-phones is given. Headers "
        "follow --language. Filters narrow the list like the resource list page does."
    )

    def add_arguments(self, parser):
        parser.add_argument("--station", required=True, help="The station's short name (slug).")
        parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        parser.add_argument("--output", help="File to write; - for the standard output (default: the standard "
                                             "output for csv, resources-<station>-<date>.xlsx for xlsx).")
        parser.add_argument("--language", choices=["zh-hans", "en"], default=None,
                            help="Language of headers and labels (default: the site language).")
        parser.add_argument("--reveal-phones", action="store_true", help="Write full phone numbers.")
        parser.add_argument("--q", default="", help="Search text.")
        parser.add_argument("--kind", choices=ResourceKind.values)
        parser.add_argument("--category", help="Category code (its sub-categories are included).")
        parser.add_argument("--status", choices=ResourceStatus.values)
        parser.add_argument("--community", help="Community code.")
        parser.add_argument("--grid", help="Grid code (with --community).")
        parser.add_argument("--stale", action="store_true", help="Only resources not verified recently.")

    def handle(self, *args, **options):
        station = Station.objects.filter(slug=options["station"], archived_on__isnull=True).first()
        if station is None:
            raise CommandError(f"No such station: {options['station']}")
        filters = ResourceFilter(q=options["q"], kind=options["kind"] or "", status=options["status"] or "",
                                 stale=options["stale"])
        if options["category"]:
            filters.category = Category.objects.filter(station=station, code=options["category"]).first()
            if filters.category is None:
                raise CommandError(f"No such category: {options['category']}")
        community = None
        if options["community"]:
            community = Community.objects.filter(station=station, code=options["community"]).first()
            if community is None:
                raise CommandError(f"No such community: {options['community']}")
            filters.community_id = community.pk
        if options["grid"]:
            grids = Grid.objects.filter(station=station, code=options["grid"])
            if community is not None:
                grids = grids.filter(community=community)
            if grids.count() != 1:
                raise CommandError(f"No such grid (or give --community): {options['grid']}")
            filters.grid_id = grids.get().pk
        with translation.override(options["language"] or translation.get_language()):
            export = resources_export(station=station, filters=filters, fmt=options["format"],
                                      reveal_phones=options["reveal_phones"])
        output = options["output"]
        if output == "-" or (output is None and options["format"] == "csv"):
            self.stdout.write(export.content.decode("utf-8-sig"), ending="")
            return
        path = Path(output or export.filename)
        path.write_bytes(export.content)
        self.stderr.write(f"Wrote {path}")
