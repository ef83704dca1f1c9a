from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from compounds.management.users import user_named
from compounds.models import Compound
from compounds.publish_checks import compound_publish_checks
from compounds.services import compound_publish


class Command(BaseCommand):
    help = (
        "Publish compound profiles by slug: freezes the current draft as the next public version. Prints the "
        "automatic checks first; errors refuse, and warnings need --acknowledge-warnings."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="+", metavar="slug")
        parser.add_argument("--summary", default="", help="Edit summary stored with the published version.")
        parser.add_argument("--user", help="Username recorded as the reviewer who published.")
        parser.add_argument(
            "--acknowledge-warnings",
            action="store_true",
            help="Publish past the warnings printed (they are stored with the version). Errors still refuse.",
        )

    def handle(self, *args, slugs, summary, user, acknowledge_warnings, **options):
        reviewer = user_named(user)
        missing = sorted(set(slugs) - set(Compound.objects.filter(slug__in=slugs).values_list("slug", flat=True)))
        if missing:
            raise CommandError(f"No compound with slug: {', '.join(missing)}. Nothing was published.")
        failures = []
        for slug in slugs:
            compound = Compound.objects.select_related("live_snapshot").get(slug=slug)
            checks = compound_publish_checks(compound=compound, user=reviewer)
            for check in checks.checks:
                self.stdout.write(f"{slug}: {check.level}: {check.message}")
            if checks.warnings and not acknowledge_warnings and not checks.errors:
                failures.append(
                    f"{slug}: {len(checks.warnings)} warning(s) above; read them, then run again with "
                    "--acknowledge-warnings to publish anyway."
                )
                continue
            try:
                snapshot = compound_publish(
                    compound=compound,
                    user=reviewer,
                    edit_summary=summary,
                    acknowledged=checks.warning_messages if acknowledge_warnings else (),
                )
            except ValidationError as error:
                failures.append(f"{slug}: {' '.join(error.messages)}")
                continue
            if snapshot.is_new:
                self.stdout.write(
                    f"Published {compound.name} as version {snapshot.version}: {compound.get_absolute_url()}"
                )
            else:
                self.stdout.write(
                    f"{compound.name} has no changes since version {snapshot.version}: nothing was published."
                )
        if failures:
            raise CommandError("Not published:\n" + "\n".join(failures))
