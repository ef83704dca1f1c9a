from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from compounds.spreadsheets import RESOURCES, spreadsheet_export


class Command(BaseCommand):
    help = "Export profiles, categories, sources or one kind of profile row as CSV, XLSX or JSON."

    def add_arguments(self, parser):
        parser.add_argument("resource", help=f"One of: {', '.join(RESOURCES)}.")
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], default="csv")
        parser.add_argument("--output", help="File to write (default: standard output; XLSX needs a file).")

    def handle(self, *args, resource, format, output, **options):
        name = resource.replace("-", "_")
        if name not in RESOURCES:
            raise CommandError(f"Unknown resource {resource!r}. Choose one of: {', '.join(RESOURCES)}.")
        if format == "xlsx" and not output:
            raise CommandError("XLSX is a binary format: give --output FILE.")
        content = spreadsheet_export(resource_name=name, fmt=format)
        if not output:
            self.stdout.write(content, ending="")
            return
        path = Path(output)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        self.stderr.write(f"Wrote {path}.")
