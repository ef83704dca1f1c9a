from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from compounds.management.users import user_named
from compounds.models import Compound
from compounds.services import compound_publish


class Command(BaseCommand):
    help = "Publish compound profiles by slug: freezes the current draft as the next public version."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="+", metavar="slug")
        parser.add_argument("--summary", default="", help="Edit summary stored with the published version.")
        parser.add_argument("--user", help="Username recorded as the reviewer who published.")

    def handle(self, *args, slugs, summary, user, **options):
        reviewer = user_named(user)
        missing = sorted(set(slugs) - set(Compound.objects.filter(slug__in=slugs).values_list("slug", flat=True)))
        if missing:
            raise CommandError(f"No compound with slug: {', '.join(missing)}. Nothing was published.")
        failures = []
        for slug in slugs:
            compound = Compound.objects.get(slug=slug)
            try:
                snapshot = compound_publish(compound=compound, user=reviewer, edit_summary=summary)
            except ValidationError as error:
                failures.append(f"{slug}: {' '.join(error.messages)}")
                continue
            self.stdout.write(f"Published {compound.name} as version {snapshot.version}: {compound.get_absolute_url()}")
        if failures:
            raise CommandError("Not published:\n" + "\n".join(failures))
