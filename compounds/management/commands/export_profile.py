from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from compounds.documents import ProfileData, profile_data_published, profile_document_export
from compounds.models import Compound


class Command(BaseCommand):
    help = "Write a profile out as a Markdown document (the seed-000 format): the published version, or --draft."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--draft", action="store_true", help="Export the draft instead of the published version.")
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args, slug, draft, output, **options):
        try:
            compound = Compound.objects.select_related("live_snapshot__revision").get(slug=slug)
        except Compound.DoesNotExist:
            raise CommandError(f"No profile with slug {slug!r}.") from None
        try:
            data = ProfileData.from_database(compound) if draft else profile_data_published(compound)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        document = profile_document_export(data=data)
        if output:
            Path(output).write_text(document, encoding="utf-8")
            self.stderr.write(f"Wrote {output}.")
        else:
            self.stdout.write(document, ending="")
