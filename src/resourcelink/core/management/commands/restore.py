"""`resourcelink restore`: put a backup back, replacing what is there."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from resourcelink.core.backup import BackupError, backup_read_manifest, backup_restore


class Command(BaseCommand):
    stealth_options = ("stdin",)

    @property
    def help(self):
        return _(
            "Replace the database and the uploaded photos with those of a backup file. Stop the server first. "
            "A backup of the current state is written before anything changes, unless --no-safety-backup. "
            "Asks for confirmation unless --yes."
        )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("Backup file written by `resourcelink backup`."))
        parser.add_argument("--yes", action="store_true", help=_("Do not ask for confirmation."))
        parser.add_argument("--no-safety-backup", action="store_true",
                            help=_("Do not back up the current state first."))

    def handle(self, *args, file, yes, no_safety_backup, **options):
        try:
            manifest = backup_read_manifest(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest.get("counts", {}).values())
        self.stdout.write(
            _("Backup of %(created_on)s (%(engine)s, %(rows)s rows).")
            % {"created_on": manifest.get("created_on"), "engine": manifest.get("engine"), "rows": rows}
        )
        if not yes:
            stdin = options.get("stdin") or sys.stdin
            if not stdin.isatty():
                raise CommandError(_("Restoring replaces all current data. Add --yes to confirm."))
            self.stdout.write(_("Restoring replaces all current data. Type yes to go on: "), ending="")
            self.stdout.flush()
            if stdin.readline().strip().lower() != "yes":
                raise CommandError(_("Restore cancelled."))
        try:
            result = backup_restore(path=file, safety_backup=not no_safety_backup)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if result["safety_backup"]:
            self.stdout.write(_("The state before the restore is in %(path)s.") % {"path": result["safety_backup"]})
        self.stdout.write(_("Restored."))
