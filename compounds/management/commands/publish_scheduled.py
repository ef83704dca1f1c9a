from django.core.management.base import BaseCommand, CommandError

from compounds.services import compounds_publish_due


class Command(BaseCommand):
    help = (
        "Publish profiles whose scheduled publish time has come and unpublish those whose expiry has come. "
        "Safe to run as often as you like (cron or a systemd timer, e.g. every minute)."
    )

    def handle(self, *args, **options):
        report = compounds_publish_due()
        for compound in report["published"]:
            self.stdout.write(f"Published {compound.name} (version {compound.live_snapshot.version}).")
        for compound in report["unchanged"]:
            self.stdout.write(f"{compound.name}: no changes since the live version; nothing was published.")
        for compound in report["expired"]:
            self.stdout.write(f"Unpublished {compound.name} (expired).")
        if not any(report.values()):
            self.stdout.write("Nothing due.")
        if report["failed"]:
            raise CommandError(
                "Not published:\n" + "\n".join(f"{compound.slug}: {reason}" for compound, reason in report["failed"])
            )
