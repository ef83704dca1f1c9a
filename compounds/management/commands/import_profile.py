from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from compounds.documents import DocumentError, decode, profile_document_import
from compounds.management.users import user_named


class Command(BaseCommand):
    help = (
        "Import a Markdown profile document (the seed-000 format) as a draft with one revision: tables become "
        "structured rows, prose becomes sections, references become sources. Prints what went where."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Show what would be imported; write nothing.")
        parser.add_argument("--user", help="Import as this user: their permissions apply and the revision names them.")

    def handle(self, *args, file, dry_run, user, **options):
        account = user_named(user)
        path = Path(file)
        try:
            text = decode(path.read_bytes(), path.name)
            report = profile_document_import(text=text, file_name=path.name, user=account, dry_run=dry_run)
        except FileNotFoundError:
            raise CommandError(f"No file {file}.") from None
        except DocumentError as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(f"{path.name}: nothing was imported. " + " ".join(error.messages)) from None
        for line in report.lines():
            self.stdout.write(line)
