"""The `resourcelink` console command.

``resourcelink <command> [args]`` runs a Django management command with the
ResourceLink settings. A few commands have short names of their own (below);
any other name goes to Django unchanged (migrate, shell, check...).
"""

from __future__ import annotations

import os
import sys


def gettext_noop(message: str) -> str:
    """Marks a string for makemessages; Django's own needs settings loaded,
    and this module runs before they are."""
    return message


# (our name, Django management command, help). Help strings are marked for
# translation here and translated when printed, after Django is set up.
COMMANDS = [
    ("serve", "serve", gettext_noop("Set up what is missing and serve the web application.")),
    ("demo", "demo", gettext_noop("Create the demo station (or reset the demo passwords).")),
    ("createuser", "createuser_rl", gettext_noop("Create a user with a role at a station.")),
    ("import", "import_resources", gettext_noop("Import resources from a spreadsheet or an HSDS file.")),
    ("export", "export_resources", gettext_noop("Export resources to a spreadsheet or an HSDS file.")),
    ("import-people", "import_people",
     gettext_noop("Import households, residents and needs from a spreadsheet.")),
    ("backup", "backup", gettext_noop("Back up the database and the photos to one file.")),
    ("restore", "restore", gettext_noop("Replace the database and the photos with a backup.")),
    ("allocate", "allocate", gettext_noop("Share out supply among open needs: a draft, or links with --accept.")),
]
ALIASES = {name: command for name, command, _help in COMMANDS}


def usage() -> str:
    from django.utils.translation import gettext as _

    lines = [_("Usage: resourcelink <command> [options]"), "", _("Commands:")]
    for name, _command, help_text in COMMANDS:
        lines.append(f"  {name:<12} {_(help_text)}")
    lines += [
        "",
        _("Any other Django command works too, such as migrate, check or shell."),
        _("resourcelink <command> --help tells more about one command."),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resourcelink.settings")
    if not argv or argv[0] in {"-h", "--help", "help"}:
        import django
        from django.conf import settings
        from django.utils import translation

        django.setup()
        with translation.override(settings.LANGUAGE_CODE):
            print(usage())
        return 0
    from django.core.management import execute_from_command_line

    command = ALIASES.get(argv[0], argv[0])
    execute_from_command_line(["resourcelink", command, *argv[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
