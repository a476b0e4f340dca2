"""`resourcelink createuser`: a user and their role at a station."""

import getpass
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from resourcelink.accounts.models import Role, Station
from resourcelink.accounts.services import membership_add, user_create


def validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    stealth_options = ("stdin",)

    @property
    def help(self):
        return _(
            "Create a user with a role at a station, or give an existing user a role at one more station. "
            "Without --password the password is asked for (or read from the first line of standard input)."
        )

    def add_arguments(self, parser):
        parser.add_argument("username", help=_("User name to log in with."))
        parser.add_argument("--station", required=True, help=_("Short name (slug) of the station."))
        parser.add_argument("--role", required=True, choices=Role.values, help=_("Role at the station."))
        parser.add_argument("--password", help=_("Password (better typed at the prompt: shells keep history)."))
        parser.add_argument("--email", default="", help=_("Email address."))
        parser.add_argument("--full-name", default="", help=_("Full name."))

    def read_password(self, stdin) -> str:
        if stdin.isatty():
            first = getpass.getpass(_("Password: "))
            if first != getpass.getpass(_("Password (again): ")):
                raise CommandError(_("The two passwords differ."))
            return first
        return stdin.readline().rstrip("\r\n")

    def handle(self, *args, username, station, role, password, email, full_name, **options):
        try:
            station_obj = Station.objects.get(slug=station)
        except Station.DoesNotExist:
            known = ", ".join(Station.objects.order_by("slug").values_list("slug", flat=True)) or "-"
            raise CommandError(
                _("There is no station %(slug)s. Stations: %(known)s") % {"slug": station, "known": known}
            ) from None
        user = get_user_model().objects.filter(username__iexact=username).first()
        try:
            with transaction.atomic():
                if user is None:
                    if password is None:
                        password = self.read_password(options.get("stdin") or sys.stdin)
                    user = user_create(username=username, password=password, email=email, full_name=full_name)
                    self.stdout.write(_("Created the user %(username)s.") % {"username": user.username})
                elif password is not None:
                    self.stderr.write(_("%(username)s exists already; their password is not changed.")
                                      % {"username": user.username})
                membership_add(actor=None, station=station_obj, user=user, role=role, check=False)
        except ValidationError as exc:
            raise CommandError(validation_message(exc)) from None
        self.stdout.write(
            _("%(username)s is now %(role)s at %(station)s.")
            % {"username": user.username, "role": Role(role).label, "station": station_obj.name}
        )
