"""``resourcelink export``: a station's resources to a spreadsheet."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from resourcelink.accounts.models import Station
from resourcelink.communities.models import Community, Grid
from resourcelink.directory.models import ResourceKind, ResourceStatus
from resourcelink.directory.selectors import ResourceFilter
from resourcelink.interop.resource_io import resources_export
from resourcelink.taxonomy.models import Category


class Command(BaseCommand):
    @property
    def help(self):
        # Read when --help is asked, in the language active then.
        return str(_(
            "Export a station's resources (all but archived ones unless --status says otherwise) to .xlsx or .csv, "
            "with the columns of the import template and a UUID per row, so the file can be edited and imported "
            "back to update the same resources. Phone numbers are masked unless --reveal-phones is given. Headers "
            "follow --language. Filters narrow the list like the resource list page does."
        ))

    def add_arguments(self, parser):
        parser.add_argument("--station", required=True, help=_("The station's short name (slug)."))
        parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        parser.add_argument("--output", help=_("File to write; - for the standard output (default: the standard "
                                             "output for csv, resources-<station>-<date>.xlsx for xlsx)."))
        parser.add_argument("--language", choices=["zh-hans", "en"], default=None,
                            help=_("Language of headers and labels (default: the site language)."))
        parser.add_argument("--reveal-phones", action="store_true", help=_("Write full phone numbers."))
        parser.add_argument("--q", default="", help=_("Search text."))
        parser.add_argument("--kind", choices=ResourceKind.values)
        parser.add_argument("--category", help=_("Category code (its sub-categories are included)."))
        parser.add_argument("--status", choices=ResourceStatus.values)
        parser.add_argument("--community", help=_("Community code."))
        parser.add_argument("--grid", help=_("Grid code (with --community)."))
        parser.add_argument("--stale", action="store_true", help=_("Only resources not verified recently."))

    def handle(self, *args, **options):
        station = Station.objects.filter(slug=options["station"], archived_on__isnull=True).first()
        if station is None:
            raise CommandError(_("No such station: %(slug)s") % {"slug": options["station"]})
        filters = ResourceFilter(q=options["q"], kind=options["kind"] or "", status=options["status"] or "",
                                 stale=options["stale"])
        if options["category"]:
            filters.category = Category.objects.filter(station=station, code=options["category"]).first()
            if filters.category is None:
                raise CommandError(_("No such category: %(code)s") % {"code": options["category"]})
        community = None
        if options["community"]:
            community = Community.objects.filter(station=station, code=options["community"]).first()
            if community is None:
                raise CommandError(_("No such community: %(code)s") % {"code": options["community"]})
            filters.community_id = community.pk
        if options["grid"]:
            grids = Grid.objects.filter(station=station, code=options["grid"])
            if community is not None:
                grids = grids.filter(community=community)
            if grids.count() != 1:
                raise CommandError(_("No such grid (or give --community): %(code)s") % {"code": options["grid"]})
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
