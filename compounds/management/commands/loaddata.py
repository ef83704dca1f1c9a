"""Django's loaddata, followed by what publishing does for a version: its stored page is rendered and cached
copies of the pages it changes are dropped.

Dumps leave stored pages out (they depend on the site's templates and address); a loaded live version without
one would otherwise be rendered at its first request.
"""

from django.core.management.commands import loaddata
from django.db import DEFAULT_DB_ALIAS

from compounds.services import snapshots_pages_render


class Command(loaddata.Command):
    help = loaddata.Command.help + " Live published versions get their stored pages rendered."

    def handle(self, *fixture_labels, **options):
        super().handle(*fixture_labels, **options)
        if options["database"] == DEFAULT_DB_ALIAS and self.loaded_object_count:
            rendered = snapshots_pages_render()
            if rendered and options["verbosity"] >= 1:
                self.stdout.write(f"Rendered the stored pages of {rendered} published profile(s).")
