import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from compounds.management.users import user_named
from compounds.models import Category, Compound
from compounds.spreadsheets import RESOURCES, ImportFileError, dataset_from_file, spreadsheet_import
from evidence.models import Source


class Command(BaseCommand):
    help = (
        "Import a CSV, XLSX or JSON file of profiles, categories, sources or one kind of profile row. "
        "All or nothing: any error names row, column and value, and nothing is written. "
        "Changed profiles get one revision each; published profiles change in their draft only."
    )

    def add_arguments(self, parser):
        parser.add_argument("resource", help=f"One of: {', '.join(RESOURCES)}.")
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; write nothing.")
        parser.add_argument("--user", help="Import as this user: their permissions apply and revisions name them.")

    def handle(self, *args, resource, file, dry_run, user, **options):
        name = resource.replace("-", "_")
        if name not in RESOURCES:
            raise CommandError(f"Unknown resource {resource!r}. Choose one of: {', '.join(RESOURCES)}.")
        account = self._user(user, RESOURCES[name])
        path = Path(file)
        try:
            dataset = dataset_from_file(path.read_bytes(), path.name)
        except FileNotFoundError:
            raise CommandError(f"No file {file}.") from None
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        progress = self._progress(len(dataset)) if self.stdout.isatty() else None
        report = spreadsheet_import(
            resource_name=name, dataset=dataset, user=account, file_name=path.name, dry_run=dry_run, on_row=progress
        )
        if progress:
            self.stdout.write("")
        if not report.ok:
            for message in report.errors:
                self.stderr.write(message)
            raise CommandError(f"{path.name}: {len(report.errors)} error(s); nothing was imported.")
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def _user(self, username, resource):
        account = user_named(username)
        if account is None:
            return None
        # Rows of a profile need the profile's import permission; sources and categories their own.
        model = resource._meta.model if resource._meta.model in (Category, Source) else Compound
        permission = f"{model._meta.app_label}.import_{model._meta.model_name}"
        if not account.has_perm(permission):
            raise CommandError(f"{username} may not import {resource.name}: they need the {permission} permission.")
        return account

    def _progress(self, total):
        step = max(total // 100, 1)

        def show(number):
            if number and (number % step == 0 or number == total):
                done = int(30 * number / total)
                sys.stdout.write(f"\r[{'#' * done}{'.' * (30 - done)}] {number}/{total} rows")
                sys.stdout.flush()

        return show
