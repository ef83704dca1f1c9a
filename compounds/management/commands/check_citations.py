from django.core.management.base import BaseCommand

from compounds.integrity import build_report


class Command(BaseCommand):
    help = (
        "Check citation integrity: unresolved keys, retracted, duplicate, uncited and identifier-less sources, "
        "mostly unverified profiles, doses above the daily maximum, molecular weights that do not match the "
        "sequence. Exits 1 when it finds problems."
    )

    def handle(self, *args, **options):
        report = build_report()
        if report.ok:
            self.stdout.write(self.style.SUCCESS("No citation problems found."))
            return
        for _kind, label, problems in report.by_kind():
            self.stdout.write(self.style.WARNING(f"{label} ({len(problems)})"))
            for problem in problems:
                self.stdout.write(f"  - {problem.subject}: {problem.detail}")
        self.stdout.write(f"\n{len(report.problems)} problem(s).")
        raise SystemExit(1)
