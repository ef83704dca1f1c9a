"""Everything the automatic checks know about a profile, as the reviewer reads it before publishing.

Errors block publishing; warnings must be acknowledged by the reviewer, and what was acknowledged is stored on the
published version. The publish page, the bulk action, `publish_compound`, scheduled publishing and the service
itself all read this one list, so none of them can publish past a check the others show.
"""

import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from evidence.models import UNEXPLAINED_DEVIATION, Verification

from .integrity import duplicate_groups
from .models import ReviewComment
from .page import profile_build
from .permissions import public_name
from .plausibility import compound_warnings
from .selectors import compound_for_profile, latest_revision_meta, public_address_taken

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Check:
    level: str
    code: str
    message: str

    @property
    def is_error(self):
        return self.level == ERROR


@dataclass
class PublishChecks:
    checks: list = field(default_factory=list)
    revision_id: int | None = None  # the draft they were made on

    def add(self, level, code, message):
        self.checks.append(Check(level, code, message))

    @property
    def errors(self):
        return [check for check in self.checks if check.is_error]

    @property
    def warnings(self):
        return [check for check in self.checks if not check.is_error]

    @property
    def warning_messages(self):
        return [check.message for check in self.warnings]

    @property
    def digest(self):
        """Names this list of warnings on this draft: an acknowledgement given on a page that showed another list,
        or the same list on an older draft (someone saved since), is stale."""
        text = "\n".join([str(self.revision_id), *sorted(self.warning_messages)])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def unacknowledged(self, acknowledged):
        return [message for message in self.warning_messages if message not in set(acknowledged or ())]

    def refuse_unless_acknowledged(self, acknowledged, *, refusal):
        """Raise the errors, or the warnings not in `acknowledged` after `refusal` (what is refused and why)."""
        if self.errors:
            raise ValidationError([ValidationError(check.message, code=check.code) for check in self.errors])
        unacknowledged = self.unacknowledged(acknowledged)
        if unacknowledged:
            raise ValidationError(
                "%(refusal)s: %(warnings)s",
                code="unacknowledged_warnings",
                params={"refusal": refusal, "warnings": " ".join(unacknowledged)},
            )


def profile_publish_checks(*, profile, built, user=None):
    """The checks of a profile already read with `compound_for_profile` and built with `profile_build`."""
    result = PublishChecks()
    if built.unknown_keys:
        result.add(
            ERROR,
            "unresolved_citations",
            f"{profile.name} cites unknown source keys: {', '.join(f'@{k}' for k in built.unknown_keys)}. "
            "Fix or add these sources before publishing.",
        )
    sources = [ref.source for ref in built.registry.references]
    retracted = [source.key for source in sources if source.retracted]
    if retracted:
        result.add(
            ERROR,
            "retracted_citations",
            f"{profile.name} cites retracted sources: {', '.join(f'@{k}' for k in retracted)}. "
            "Remove or replace them before publishing.",
        )
    if public_address_taken(slug=profile.slug, compound=profile):
        result.add(
            ERROR,
            "address_taken",
            f"Another published profile is at /compounds/{profile.slug}/. Give {profile.name} another slug "
            "before publishing.",
        )
    open_comments = open_review_comments_message(compound_id=profile.pk)
    if open_comments:
        result.add(ERROR, "open_comments", open_comments)
    for warning in compound_warnings(profile):
        result.add(WARNING, warning.code, warning.message)
    unverified = [source.key for source in sources if source.verification == Verification.UNVERIFIED]
    if unverified:
        result.add(
            WARNING,
            "unverified_sources",
            f"{len(unverified)} of {len(sources)} cited sources are unverified "
            f"({', '.join(f'@{key}' for key in unverified[:8])}{', …' if len(unverified) > 8 else ''}): "
            "readers see them marked as such.",
        )
    no_identifier = [source.key for source in sources if not (source.doi or source.pmid or source.pmcid)]
    if no_identifier:
        result.add(
            WARNING,
            "no_identifier",
            f"Cited sources without a DOI, PMID or PMCID: {', '.join(f'@{key}' for key in no_identifier)}.",
        )
    for group in duplicate_groups(sources):
        keys = ", ".join(f"@{source.key}" for source in group["sources"])
        result.add(WARNING, "duplicate_sources", f"Possibly one paper cited twice: {keys} — {group['why']}")
    placeholders = [finding for finding in profile.findings.all() if finding.deviation_reason == UNEXPLAINED_DEVIATION]
    if placeholders:
        result.add(
            WARNING,
            "deviation_unexplained",
            f"{len(placeholders)} finding(s) count another population or design than their source's with the "
            f"placeholder reason “{UNEXPLAINED_DEVIATION}”, which readers would see: write the real reason.",
        )
    if user is not None and not public_name(user):
        result.add(
            WARNING,
            "reviewer_unnamed",
            "Your account has no full name, so the page will not say who reviewed it. "
            "Ask an administrator to add your name.",
        )
    return result


OPEN_COMMENT_PLACES = 6  # places named in the message; the comments page lists them all


def open_review_comments_message(*, compound_id=None, labels=None):
    """Why the review comments left open on a profile block publishing, or "" when none are. One query, or none
    when the open threads' `labels` (what each is about) are given."""
    if labels is None:
        labels = (
            ReviewComment.objects.unresolved().filter(compound_id=compound_id).values_list("target_label", flat=True)
        )
    labels = list(labels)
    if not labels:
        return ""
    places = list(dict.fromkeys(label or "the draft in general" for label in labels))
    named = ", ".join(places[:OPEN_COMMENT_PLACES]) + (", …" if len(places) > OPEN_COMMENT_PLACES else "")
    count = len(labels)
    verb, pronoun = ("is", "it") if count == 1 else ("are", "them")
    return (
        f"{count} review comment{'s' if count != 1 else ''} {verb} not resolved (on {named}): "
        f"resolve {pronoun} before publishing."
    )


def compound_publish_checks(*, compound, user=None):
    """Build the draft and check it: what the publish page shows."""
    profile = compound_for_profile(pk=compound.pk)
    checks = profile_publish_checks(profile=profile, built=profile_build(profile), user=user)
    latest = latest_revision_meta(compound_id=compound.pk)
    checks.revision_id = latest.revision_id if latest else None
    return checks
