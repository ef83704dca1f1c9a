from django.core.management.base import BaseCommand

from compounds.management.users import user_named
from compounds.services import compounds_record_loaded


class Command(BaseCommand):
    help = (
        "After `loaddata`: give every profile that has no history yet its first revision (origin: import), "
        "so editors can see, compare and revert from there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", help="Username recorded as the revision's author.")
        parser.add_argument("--note", default="Loaded from a fixture", help="Recorded as where the content came from.")

    def handle(self, *args, user, note, **options):
        recorded = compounds_record_loaded(user=user_named(user), origin_detail=note)
        names = ", ".join(compound.name for compound in recorded) or "none (every profile has a history)"
        self.stdout.write(f"First revision recorded for {len(recorded)} profile(s): {names}")
