"""Accounts named on the command line."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def user_named(username):
    """The user with this username, None for no username; a name nobody has is a CommandError."""
    if not username:
        return None
    try:
        return get_user_model().objects.get_by_natural_key(username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"No user named {username!r}.") from None
