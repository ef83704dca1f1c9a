from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from compounds.permissions import ROLE_GROUPS
from compounds.services import editor_create, editor_roles_set


class Command(BaseCommand):
    help = (
        "Add a person to the editorial team: an editor (writes profiles, submits them for review) or a reviewer "
        "(also publishes). They can log in to the admin at once. For an existing user, sets the role instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLE_GROUPS), required=True)
        parser.add_argument("--email", default="", help="Reviewers are told at this address when work waits.")
        parser.add_argument(
            "--name", default="", help="Full name, shown on public pages as the reviewer (never the username)."
        )

    def handle(self, *args, username, role, email, name, **options):
        existing = get_user_model().objects.filter(username=username).first()
        try:
            if existing is not None:
                editor_roles_set(user=existing, roles=[role])
                article = "an" if role[0] in "aeiou" else "a"
                self.stdout.write(
                    f"{username} is now {article} {role} and can log in to the admin. Password unchanged."
                )
                return
            user, password = editor_create(username=username, role=role, email=email, full_name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Created {role} {user.username}. Password (give it to them; they can change it):")
        self.stdout.write(password)
