"""`resourcelink demo`: create the demo station (once) or reset its passwords."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from resourcelink.core.demo import (
    DEMO_PASSWORD,
    DEMO_USERS,
    demo_password_reset,
    demo_station_create,
    demo_station_get,
    demo_station_summary,
)


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Create the demo station 步行街社工站 with its communities, grids, organisations and generated "
            "resources. Running it again changes nothing; --reset-password gives the demo users the demo "
            "password again."
        )

    def add_arguments(self, parser):
        parser.add_argument("--resources", type=int, default=300,
                            help=_("How many resources to generate besides the named ones (default 300)."))
        parser.add_argument("--seed", type=int, default=42, help=_("Seed of the generator (default 42)."))
        parser.add_argument("--reset-password", action="store_true",
                            help=_("Give the demo users the demo password again and lift login lock-outs."))

    def handle(self, *args, resources, seed, reset_password, **options):
        existed = demo_station_get() is not None
        station = demo_station_create(resources=max(resources, 0), seed=seed)
        if existed:
            self.stdout.write(_("The demo station %(name)s exists already; nothing added.") % {"name": station.name})
        else:
            counts = demo_station_summary(station)
            self.stdout.write(
                _("Created the demo station %(name)s: %(communities)s communities, %(grids)s grids, "
                  "%(resources)s resources, %(members)s members, %(households)s households, %(needs)s needs, "
                  "%(donations)s donations, %(lots)s lots in store.") % {"name": station.name, **counts}
            )
        if reset_password:
            names = demo_password_reset()
            self.stdout.write(_("Password reset for: %(names)s") % {"names": ", ".join(names)})
        self.stdout.write(_("Demo users (password %(password)s):") % {"password": DEMO_PASSWORD})
        for username, full_name, role in DEMO_USERS:
            self.stdout.write(f"  {username:<18} {role.label}")
