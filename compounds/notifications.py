"""E-mail to the editorial team, through Django's mail settings (the console in the demo, SMTP in production)."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse

from .permissions import ROLE_GROUPS, public_name

logger = logging.getLogger(__name__)


def reviewer_addresses():
    users = (
        get_user_model().objects.filter(is_active=True, groups__name=ROLE_GROUPS["reviewer"], email__gt="").distinct()
    )
    return sorted(users.values_list("email", flat=True))


def notify_reviewers_submitted(*, compound, user=None, base_url=""):
    """Tell the Reviewers a profile waits for them, with the link that shows what changed. A mail server that is
    down must not undo the hand-off, which the profile list shows anyway: the failure is logged."""
    recipients = reviewer_addresses()
    if not recipients:
        logger.warning("%s was submitted for review, but no reviewer has an e-mail address.", compound.name)
        return 0
    base_url = (base_url or settings.MONOGRAPH_SITE_URL).rstrip("/")
    who = public_name(user) or (user.get_username() if user else "An editor")
    if compound.is_live:
        subject = f"[Monograph] Changes to {compound.name} are waiting for review"
        link = base_url + reverse("admin:compounds_compound_compare", args=[compound.pk]) + "?published=1"
        body = (
            f"{who} submitted changes to the published profile {compound.name} (live: version "
            f"{compound.live_snapshot.version}) for review.\n\nCompare the draft with the live version:\n{link}\n"
        )
    else:
        subject = f"[Monograph] {compound.name} is waiting for review"
        link = base_url + reverse("admin:compounds_compound_change", args=[compound.pk])
        body = f"{who} submitted the new profile {compound.name} for review.\n\nOpen it:\n{link}\n"
    body += f"\nPublish it from the profile's page once the checks are read:\n{base_url}" + reverse(
        "admin:compounds_compound_workflow", args=[compound.pk, "publish"]
    )
    try:
        return send_mail(subject, body, None, recipients)
    except OSError:
        logger.exception("Could not e-mail the reviewers about %s.", compound.name)
        return 0
