"""`resourcelink allocate`: compute an allocation draft (and accept it)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from resourcelink.accounts.models import Station
from resourcelink.core.management.commands.createuser_rl import validation_message
from resourcelink.matching import engine, services

# Command-line option of each parameter field, for error messages.
OPTION_OF_FIELD = {
    "need_category_ids": "--need-category", "need_community_ids": "--need-community",
    "need_grid_ids": "--need-grid", "need_urgencies": "--urgency", "supply_category_ids": "--supply-category",
    "supply_community_ids": "--supply-community", "supply_kinds": "--kind", "supply_resource_ids": "--resource",
    "tiers": "--tiers", "priority_tag_ids": "--priority-tag", "household_cap": "--household-cap",
    "max_distance_km": "--max-distance-km", "distance_weight": "--distance-weight",
}


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Share out a station's supply among its open needs and show the draft. Needs considered are those "
            "still wanting something (open, linked, partly met, unmet, mobilised) with quantity left after their "
            "live links; supply is the active resources with a quantity, minus what their live links hold. "
            "Category filters include sub-categories; a filter left out means all. The engine maximises the "
            "quantity served weighted by urgency and vulnerability (strictly tier by tier with --tiers), minus a "
            "distance cost; it respects eligibility, the household cap and the farthest distance. Nothing is "
            "linked unless --accept is given: then every line becomes a link in one transaction, or none does."
        )

    def add_arguments(self, parser):
        parser.add_argument("--station", required=True, help=_("Short name (slug) of the station."))
        parser.add_argument("--user", required=True,
                            help=_("User name of the person acting (an admin, social worker or coordinator)."))
        parser.add_argument("--need-category", action="append", default=[], metavar="CODE",
                            help=_("Needs in this category (code; repeatable)."))
        parser.add_argument("--need-community", action="append", default=[], metavar="CODE",
                            help=_("Needs in this community (code; repeatable)."))
        parser.add_argument("--urgency", action="append", default=[],
                            help=_("Needs of this urgency (critical, high, normal, low; repeatable)."))
        parser.add_argument("--supply-category", action="append", default=[], metavar="CODE",
                            help=_("Supply in this category (code; repeatable)."))
        parser.add_argument("--supply-community", action="append", default=[], metavar="CODE",
                            help=_("Supply in this community (code; repeatable)."))
        parser.add_argument("--kind", action="append", default=[], help=_("Supply of this kind (repeatable)."))
        parser.add_argument("--tiers", choices=services.TIERS, default="none",
                            help=_("Priority tiers: none, urgency, or tags (the --priority-tag ones first)."))
        parser.add_argument("--priority-tag", action="append", default=[], metavar="CODE",
                            help=_("Vulnerability served first with --tiers tags (code; repeatable)."))
        parser.add_argument("--household-cap", type=int, help=_("Most quantity per household."))
        parser.add_argument("--max-distance-km", type=float,
                            help=_("Resources farther from the household are not used."))
        parser.add_argument("--distance-weight", type=float, default=engine.DEFAULT_DISTANCE_WEIGHT,
                            help=_("How much nearer resources are preferred (0: not at all)."))
        parser.add_argument("--no-greedy", action="store_true",
                            help=_("Skip the greedy baseline the summary compares the optimum with."))
        parser.add_argument("--accept", action="store_true", help=_("Accept the whole draft: make the links."))
        parser.add_argument("--no-progress", action="store_true", help=_("Do not show the progress bar."))

    def _ids(self, model, station, codes, option, **extra) -> list[int]:
        ids = []
        for code in codes:
            pk = model.objects.filter(station=station, code=code, **extra).values_list("pk", flat=True).first()
            if pk is None:
                raise CommandError(_("%(option)s: no such code: %(code)s") % {"option": option, "code": code})
            ids.append(pk)
        return ids

    def handle(self, *args, **options):
        from resourcelink.communities.models import Community
        from resourcelink.people.models import VulnerabilityTag
        from resourcelink.taxonomy.models import Category

        station = Station.objects.filter(slug=options["station"], archived_on__isnull=True).first()
        if station is None:
            raise CommandError(_("No such station: %(slug)s") % {"slug": options["station"]})
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(_("No such user: %(name)s") % {"name": options["user"]})
        parameters = {
            "needs": {
                "category_ids": self._ids(Category, station, options["need_category"], "--need-category"),
                "community_ids": self._ids(Community, station, options["need_community"], "--need-community"),
                "grid_ids": [], "urgencies": options["urgency"],
            },
            "supply": {
                "category_ids": self._ids(Category, station, options["supply_category"], "--supply-category"),
                "community_ids": self._ids(Community, station, options["supply_community"], "--supply-community"),
                "kinds": options["kind"], "resource_ids": [],
            },
            "policy": {
                "tiers": options["tiers"],
                "priority_tag_ids": self._ids(VulnerabilityTag, station, options["priority_tag"], "--priority-tag"),
                "household_cap": options["household_cap"], "max_distance_km": options["max_distance_km"],
                "distance_weight": options["distance_weight"], "with_greedy": not options["no_greedy"],
            },
        }
        bar = None
        if not options["no_progress"]:
            from tqdm import tqdm

            bar = tqdm(desc=_("allocating"), unit=_(" steps"), file=self.stderr._out, leave=False)

        def progress(message, *args, **kwargs):
            if bar is not None:
                bar.set_postfix_str(str(message)[:60])
                bar.update(1)

        try:
            run = services.allocation_run_create(actor=user, station=station, parameters=parameters,
                                                 progress=progress)
        except ValidationError as exc:
            raise CommandError(self._message(exc)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        finally:
            if bar is not None:
                bar.close()
        self._summary(run)
        if options["accept"]:
            try:
                links = services.allocation_run_accept(actor=user, run=run)
            except ValidationError as exc:
                raise CommandError(self._message(exc)) from None
            self.stdout.write(_("Accepted: %(n)s links made.") % {"n": len(links)})
        else:
            self.stdout.write(_("Draft #%(id)s kept: accept it on its page or run again with --accept.")
                              % {"id": run.pk})

    def _message(self, exc: ValidationError) -> str:
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{OPTION_OF_FIELD.get(field, field)}: {' '.join(map(str, msgs))}"
                             for field, msgs in exc.message_dict.items())
        return validation_message(exc)

    def _summary(self, run) -> None:
        from resourcelink.matching.selectors import run_unmet_by_reason

        rows = [
            (_("Allocation"), f"#{run.pk}"),
            (_("Needs considered"), run.needs_count),
            (_("Supply lines"), run.supply_count),
            (_("Candidate pairs"), run.pairs_count),
            (_("Lines"), run.lines_count),
            (_("Quantity asked"), run.quantity_asked),
            (_("Quantity allocated"), run.quantity_allocated),
            (_("Needs left unmet"), run.unmet_count),
            (_("Objective"), f"{run.objective:.2f}"),
        ]
        if run.greedy_objective is not None:
            rows.append((_("Greedy objective"), f"{run.greedy_objective:.2f}"))
        for phase, seconds in (run.timings or {}).items():
            rows.append((_("Seconds: %(phase)s") % {"phase": phase}, f"{seconds:.2f}"))
        for r in run_unmet_by_reason(run):
            rows.append((_("Unmet: %(reason)s") % {"reason": r["reason"]}, r["count"]))
        width = max(len(str(label)) for label, _v in rows)
        for label, value in rows:
            self.stdout.write(f"{str(label):<{width}}  {value}")
