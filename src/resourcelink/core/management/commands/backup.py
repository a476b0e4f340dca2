"""`resourcelink backup`: database, photos and a manifest in one file."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from resourcelink.core.backup import BackupError, backup_create, backup_dir


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Write a backup of the database and the uploaded photos to one archive file (default: "
            "%(dir)s/resourcelink-DATE-TIME.tar.gz). It may run while the server runs. PostgreSQL needs "
            "pg_dump."
        ) % {"dir": backup_dir()}

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help=_("File to write."))

    def handle(self, *args, output, **options):
        try:
            result = backup_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(result.manifest["counts"].values())
        self.stdout.write(
            _("Backup written to %(path)s (%(engine)s, %(rows)s rows).")
            % {"path": result.path, "engine": result.manifest["engine"], "rows": rows}
        )
