"""Django's dumpdata, made safe for moving content between sites.

A dump with --natural-primary leaves database ids out so it can load beside other content. Records that only make
sense on the site that wrote them have no natural key and would carry ids that overwrite another site's rows there:
revision history (it points into django-reversion's tables by id), review comments (they point at revisions
and rows by id, and are the editorial record of this site), files waiting for an import's confirmation, the
admin log and sessions. Such a dump leaves
them out and says so.
"""

from django.core.management.commands import dumpdata

SITE_LOCAL = [
    "compounds.RevisionMeta",
    "compounds.ReviewComment",
    "compounds.PendingImport",
    "reversion",
    "admin.LogEntry",
    "sessions",
]


class Command(dumpdata.Command):
    help = dumpdata.Command.help + (
        " With --natural-primary, site-local records (revision history, review comments, admin log, sessions) are left out."
    )

    def handle(self, *app_labels, **options):
        if options["use_natural_primary_keys"]:
            requested = {label.split(".")[0] for label in app_labels}
            left_out = [label for label in SITE_LOCAL if not app_labels or label.split(".")[0] in requested]
            options["exclude"] = [*options["exclude"], *left_out]
            if left_out and options["verbosity"] > 0:
                self.stderr.write(f"Left out as site-local (history, logs, sessions): {', '.join(left_out)}")
        return super().handle(*app_labels, **options)
