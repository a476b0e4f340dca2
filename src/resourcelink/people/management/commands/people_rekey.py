from django.core.management.base import BaseCommand

from resourcelink.people.services import residents_rekey


class Command(BaseCommand):
    help = ("Re-encrypt every resident's ID number with the first key of RL_FIELD_KEYS and recompute the "
            "digests. Run after putting a new key first (keep the old keys until this has run).")

    def handle(self, *args, **options):
        count = residents_rekey()
        self.stdout.write(f"Re-encrypted {count} ID numbers.")
