import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from compounds.models import Compound

DEMO_SLUGS = ["selank", "semax"]


class Command(BaseCommand):
    help = (
        "Set up the local demo and serve it: migrate, load the demo content once, publish it, "
        "create an admin account with a random password on first run, then run the development server."
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="Set up only; do not start the server.")

    def handle(self, *args, addrport, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not Compound.objects.filter(slug="selank").exists():
            call_command("loaddata", "demo", verbosity=0)
            self.stdout.write("Loaded the demo content (Selank, Semax, their sources and categories).")
        username, password = self._admin_login()
        call_command("record_loaded_profiles", user=username, note="Loaded from fixtures/demo.json", verbosity=0)
        unpublished = list(
            Compound.objects.filter(slug__in=DEMO_SLUGS, live_snapshot__isnull=True).values_list("slug", flat=True)
        )
        if unpublished:
            call_command(
                "publish_compound", *unpublished, summary="Demo content loaded", user=username, stdout=self.stdout
            )
        self.stdout.write(
            self.style.SUCCESS(f"\nAdmin:   http://{addrport}/admin/   user: {username}   password: {password}")
        )
        self.stdout.write(f"Profile: http://{addrport}/compounds/selank/\n")
        if not no_serve:
            # No autoreloader: it would run this whole command a second time in a child process.
            call_command("runserver", addrport, use_reloader=False)

    def _admin_login(self):
        """Create the demo superuser once; its random password is kept in var/ (git-ignored) to print again."""
        password_file = settings.VAR_DIR / "demo-admin-password.txt"
        users = get_user_model().objects
        if users.filter(username="admin").exists() and password_file.exists():
            return "admin", password_file.read_text().strip()
        password = secrets.token_urlsafe(12)
        user = users.filter(username="admin").first() or users.create_superuser(
            "admin", "admin@example.invalid", password
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        return "admin", password
