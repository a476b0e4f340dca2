"""A base for management commands whose help is translated."""

from django.core.management.base import BaseCommand


class TranslatedCommand(BaseCommand):
    """Lets ``help`` be a lazy translation (a class attribute is read at
    import, before a language is active). argparse runs a regular expression
    over the description, which a lazy string is not, so it is made a plain
    string in the language active when the parser is built."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)
